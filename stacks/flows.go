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
	"github.com/voicevault/voicevault/constructs/podscaler"
	"github.com/voicevault/voicevault/constructs/posture"
	"github.com/voicevault/voicevault/constructs/tenantidentity"
	"github.com/voicevault/voicevault/constructs/threatdetection"
	"github.com/voicevault/voicevault/constructs/trail"
	"github.com/voicevault/voicevault/constructs/waf"
	"github.com/voicevault/voicevault/internal/flowscope"
	"github.com/voicevault/voicevault/internal/review/access"
	"github.com/voicevault/voicevault/internal/review/assembly"
	"github.com/voicevault/voicevault/naming"
)

// Flows returns the runtime flows of environment e: what each construct of its platform,
// tenant and delivery stacks declares (flows.go in each construct package), with the construct
// IDs the stacks give them. It builds no construct: flows are plain values.
func Flows(cfg *config.Config, e *config.Environment) []access.Flow {
	tenants := cfg.TenantsIn(e.Name)
	platform := naming.PlatformStack(e.Name)
	env := flowscope.Env{Name: e.Name, Account: e.Account, Region: e.Region}
	at := func(stack, id string, t *config.Tenant, others []config.Tenant) flowscope.Scope {
		sc := flowscope.Scope{Env: env, Others: scopeTenants(others), Stack: stack, ID: id}
		if t != nil {
			sc.Tenant = &scopeTenants([]config.Tenant{*t})[0]
		}
		return sc
	}
	key := access.In(platform, "PlatformKey")
	eks := access.In(platform, "EKSCluster")
	var out []access.Flow
	out = append(out, network.Flows(at(platform, "Network", nil, nil), naming.FlowLogGroup(e.Name), key)...)
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
	var podLogs []observability.TenantLogFlow
	for _, t := range tenants {
		podLogs = append(podLogs, observability.TenantLogFlow{Group: naming.TenantPodLogGroup(e.Name, t.Name), Key: access.In(naming.TenantStack(e.Name, t.Name), "TenantKey")})
	}
	out = append(out, observability.Flows(at(platform, "Observability", nil, nil), naming.Cluster(e.Name), key, podLogs)...)
	out = append(out, alarmtopic.Flows(at(platform, "Alarms", nil, nil))...)
	svc := e.Services
	if config.Enabled(svc.CloudTrail) {
		out = append(out, trail.Flows(at(platform, "Trail", nil, nil), naming.Prefix(e.Name), naming.CloudTrailLogGroup(e.Name))...)
	}
	if config.Enabled(svc.GuardDuty) {
		out = append(out, threatdetection.Flows(at(platform, "GuardDuty", nil, nil), key, eks)...)
	}
	out = append(out, posture.Flows(at(platform, "Posture", nil, tenants), config.Enabled(svc.Config), config.Enabled(svc.Macie))...)
	for i := range tenants {
		t := &tenants[i]
		stack := naming.TenantStack(e.Name, t.Name)
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
		out = append(out, waf.Flows(at(stack, "WAF", t, others), naming.TenantPrefix(e.Name, t.Name), tkey)...)
		if t.Model.Autoscaling != nil {
			out = append(out, podscaler.Flows(at(stack, "PodScaler", t, others), tkey)...)
		}
	}
	out = append(out, cideploy.Flows(at(naming.DeliveryStack(e.Name), "CIDeploy", nil, nil), DeliveryTarget(e), scopeTenants(tenants))...)
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

// FlowEnvironments returns, for each environment of cfg, its flows and the scope the access
// engine evaluates them in: account, region, the stacks whose templates hold its policies
// (platform, tenants, delivery) and the CloudFormation execution role. The synth writes them into
// the assembly (WriteFlows); readers take them from there.
func FlowEnvironments(cfg *config.Config) []access.Environment {
	var out []access.Environment
	for i := range cfg.Environments {
		e := &cfg.Environments[i]
		names := []string{naming.PlatformStack(e.Name), naming.DeliveryStack(e.Name)}
		for _, t := range cfg.TenantsIn(e.Name) {
			names = append(names, naming.TenantStack(e.Name, t.Name))
		}
		out = append(out, access.Environment{Name: e.Name, Account: e.Account, Region: e.Region, Stacks: names,
			External: []access.ExternalRole{cideploy.ExecutionRole(DeliveryTarget(e))}, Flows: Flows(cfg, e)})
	}
	return out
}

// WriteFlows writes the runtime flows of cfg into the cloud assembly dir (access.FlowsFile),
// beside the templates the synth wrote there.
func WriteFlows(cfg *config.Config, dir string) error {
	return access.WriteFlows(dir, FlowEnvironments(cfg))
}

// AccessModel returns, for each environment of cfg, its flows and the model of its templates
// (stacks by name: platform, tenants and delivery).
func AccessModel(cfg *config.Config, stacks map[string]*assembly.Stack) ([]access.EnvFlows, error) {
	return access.Models(FlowEnvironments(cfg), stacks)
}

// scopeTenants are tenants as flow scopes take them.
func scopeTenants(tenants []config.Tenant) []flowscope.Tenant {
	out := make([]flowscope.Tenant, len(tenants))
	for i, t := range tenants {
		out[i] = flowscope.Tenant{Name: t.Name, APIKeys: t.Authorizer.APIKeys}
	}
	return out
}
