package stacks

import (
	"fmt"
	"strings"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/alarmtopic"
	"github.com/voicevault/voicevault/constructs/apiedge"
	"github.com/voicevault/voicevault/constructs/authorizerfn"
	"github.com/voicevault/voicevault/constructs/cideploy"
	"github.com/voicevault/voicevault/constructs/cluster"
	"github.com/voicevault/voicevault/constructs/gpunodepool"
	"github.com/voicevault/voicevault/constructs/malwarescan"
	"github.com/voicevault/voicevault/constructs/network"
	"github.com/voicevault/voicevault/constructs/nodegroup"
	"github.com/voicevault/voicevault/constructs/observability"
	"github.com/voicevault/voicevault/constructs/posture"
	"github.com/voicevault/voicevault/constructs/tenantidentity"
	"github.com/voicevault/voicevault/constructs/threatdetection"
	"github.com/voicevault/voicevault/constructs/trail"
	"github.com/voicevault/voicevault/constructs/waf"
	"github.com/voicevault/voicevault/internal/access"
	"github.com/voicevault/voicevault/internal/assembly"
)

// Flows returns the runtime flows of environment e: what each construct of its platform,
// tenant and delivery stacks declares (flows.go in each construct package), with the construct
// IDs the stacks give them. It builds no construct: flows are plain values.
func Flows(cfg *config.Config, e *config.Environment) []access.Flow {
	tenants := cfg.TenantsIn(e.Name)
	platform := config.PlatformStackName(e.Name)
	at := func(stack, id string, t *config.Tenant, others []config.Tenant) access.Scope {
		return access.Scope{Env: e, Tenant: t, Others: others, Stack: stack, ID: id}
	}
	key := access.In(platform, "PlatformKey")
	eks := access.In(platform, "EKSCluster")
	var out []access.Flow
	out = append(out, network.Flows(at(platform, "Network", nil, nil), "/voicevault/"+e.Name+"/vpc/flow-logs", key)...)
	out = append(out, cluster.Flows(at(platform, "EKS", nil, nil), key)...)
	for _, id := range []string{"SystemNodes", "GPUNodes"} {
		out = append(out, nodegroup.Flows(at(platform, id, nil, tenants), key, eks, modelRepository(e, tenants))...)
	}
	clusterRole := access.In(platform, "EKSClusterRole")
	if e.GPUNodes.BurstGPUs() > 0 {
		out = append(out, gpunodepool.Flows(at(platform, "GPUNodePool", nil, nil), key, clusterRole, eks, modelRepository(e, tenants))...)
	}
	for _, t := range tenants {
		if t.DedicatedGPUNodes != nil && t.DedicatedGPUNodes.BurstGPUs() > 0 {
			out = append(out, gpunodepool.Flows(at(platform, "Tenant"+t.Name+"GPUNodePool", nil, nil), key, clusterRole, eks, modelRepository(e, tenants))...)
		}
	}
	out = append(out, observability.Flows(at(platform, "Observability", nil, nil), config.ClusterName(e.Name), key)...)
	out = append(out, alarmtopic.Flows(at(platform, "Alarms", nil, nil))...)
	svc := e.Services
	if config.Enabled(svc.CloudTrail) {
		out = append(out, trail.Flows(at(platform, "Trail", nil, nil), "voicevault-"+e.Name, "/voicevault/"+e.Name+"/cloudtrail")...)
	}
	if config.Enabled(svc.GuardDuty) {
		out = append(out, threatdetection.Flows(at(platform, "GuardDuty", nil, nil), key, eks)...)
	}
	out = append(out, posture.Flows(at(platform, "Posture", nil, tenants), config.Enabled(svc.Config), config.Enabled(svc.Macie))...)
	for i := range tenants {
		t := &tenants[i]
		stack := config.TenantStackName(e.Name, t.Name)
		var others []config.Tenant
		for _, o := range tenants {
			if o.Name != t.Name {
				others = append(others, o)
			}
		}
		tkey := access.In(stack, "TenantKey")
		out = append(out, tenantidentity.Flows(at(stack, "Identity", t, others), tkey)...)
		out = append(out, malwarescan.Flows(at(stack, "MalwareScan", t, others), tkey)...)
		out = append(out, authorizerfn.Flows(at(stack, "Authorizer", t, others), tkey, access.RefIn(stack, "APIInteractiveMeterKey"))...)
		out = append(out, apiedge.Flows(at(stack, "API", t, others), tkey)...)
		out = append(out, waf.Flows(at(stack, "WAF", t, others), "voicevault-"+e.Name+"-"+t.Name, tkey)...)
	}
	out = append(out, cideploy.Flows(at(config.DeliveryStackName(e.Name), "CIDeploy", nil, nil), tenants)...)
	return out
}

// modelRepository is the ARN of the ECR repository of the environment's first tenant model
// image (the nodes pull it), or a repository of the environment's account.
func modelRepository(e *config.Environment, tenants []config.Tenant) string {
	repo := "voicevault/tts"
	for _, t := range tenants {
		img, _, _ := strings.Cut(t.Model.Image, "@")
		if _, r, ok := strings.Cut(img, ".amazonaws.com/"); ok {
			repo = r
			break
		}
	}
	return fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", e.Region, e.Account, repo)
}

// AccessModel returns, for each environment of cfg, its flows and the model of its templates
// (stacks by name: platform, tenants and delivery).
func AccessModel(cfg *config.Config, stacks map[string]*assembly.Stack) ([]access.EnvFlows, error) {
	var out []access.EnvFlows
	for i := range cfg.Environments {
		e := &cfg.Environments[i]
		var mine []*assembly.Stack
		names := []string{config.PlatformStackName(e.Name), config.DeliveryStackName(e.Name)}
		for _, t := range cfg.TenantsIn(e.Name) {
			names = append(names, config.TenantStackName(e.Name, t.Name))
		}
		for _, n := range names {
			s, ok := stacks[n]
			if !ok {
				return nil, fmt.Errorf("environment %s: no template for stack %s", e.Name, n)
			}
			mine = append(mine, s)
		}
		m, err := access.NewModel(e.Account, e.Region, mine, []access.ExternalRole{cideploy.ExecutionRole(e)})
		if err != nil {
			return nil, fmt.Errorf("environment %s: %w", e.Name, err)
		}
		out = append(out, access.EnvFlows{Environment: e.Name, Model: m, Flows: Flows(cfg, e)})
	}
	return out, nil
}
