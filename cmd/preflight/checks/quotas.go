package checks

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"

	"github.com/voicevault/voicevault/config"
)

// Reserved Lambda concurrency the stacks set (kept equal to the templates by a test over the golden
// templates, TestReservedConcurrencyMatchesTemplates): the kubectl provider's two functions in each
// platform stack (constructs/cluster KubectlConcurrency), each tenant's API authorizer
// (constructs/authorizerfn DefaultReservedConcurrency) and each autoscaled tenant's pod scaler
// (constructs/podscaler: one run at a time).
const (
	KubectlFunctions              = 2
	KubectlReservedConcurrency    = 10
	AuthorizerReservedConcurrency = 5
	PodScalerReservedConcurrency  = 1
	// UnreservedConcurrencyFloor is what Lambda keeps unreserved: "You can reserve up to the
	// Unreserved account concurrency value minus 100" (AWS Lambda Developer Guide, "Configuring
	// reserved concurrency for a function").
	UnreservedConcurrencyFloor = 100
)

// Service Quotas codes (Service Quotas console, or `aws service-quotas list-service-quotas`).
const (
	QuotaGAndVT           = "L-DB2E81BA" // ec2: Running On-Demand G and VT instances (vCPUs)
	QuotaP                = "L-417A185B" // ec2: Running On-Demand P instances (vCPUs)
	QuotaLambdaConcurrent = "L-B99A9384" // lambda: Concurrent executions
)

// gpuVCPUs are the vCPUs of the NVIDIA instance types config accepts (config.GPUInstanceFamilies),
// from the Amazon EC2 documentation "Amazon EC2 instance types: Accelerated computing
// specifications" (G4dn, G5, G6, G6e, Gr6, P4d, P4de, P5, P5e, P5en, P6-B200).
var gpuVCPUs = map[string]int{
	"g4dn.xlarge": 4, "g4dn.2xlarge": 8, "g4dn.4xlarge": 16, "g4dn.8xlarge": 32, "g4dn.12xlarge": 48, "g4dn.16xlarge": 64, "g4dn.metal": 96,
	"g5.xlarge": 4, "g5.2xlarge": 8, "g5.4xlarge": 16, "g5.8xlarge": 32, "g5.12xlarge": 48, "g5.16xlarge": 64, "g5.24xlarge": 96, "g5.48xlarge": 192,
	"g6.xlarge": 4, "g6.2xlarge": 8, "g6.4xlarge": 16, "g6.8xlarge": 32, "g6.12xlarge": 48, "g6.16xlarge": 64, "g6.24xlarge": 96, "g6.48xlarge": 192,
	"g6e.xlarge": 4, "g6e.2xlarge": 8, "g6e.4xlarge": 16, "g6e.8xlarge": 32, "g6e.12xlarge": 48, "g6e.16xlarge": 64, "g6e.24xlarge": 96, "g6e.48xlarge": 192,
	"gr6.4xlarge": 16, "gr6.8xlarge": 32,
	"p4d.24xlarge": 96, "p4de.24xlarge": 96,
	"p5.4xlarge": 16, "p5.48xlarge": 192, "p5e.48xlarge": 192, "p5en.48xlarge": 192,
	"p6-b200.48xlarge": 192,
}

// gpuQuota is the Service Quotas code that counts an instance type's vCPUs: P families have their
// own, G (and VT) another.
func gpuQuota(instanceType string) string {
	if strings.HasPrefix(instanceType, "p") {
		return QuotaP
	}
	return QuotaGAndVT
}

var quotaNames = map[string]string{
	QuotaGAndVT:           "Running On-Demand G and VT instances",
	QuotaP:                "Running On-Demand P instances",
	QuotaLambdaConcurrent: "Lambda concurrent executions",
}

// gpuNeed is the vCPUs one environment's GPU node group can run at its max size, per quota: max
// size × the largest vCPU count among its instance types counted by that quota.
type gpuNeed struct {
	vCPUs   int
	explain string
}

func gpuNeeds(e *config.Environment) (map[string]gpuNeed, []string) {
	needs := map[string]gpuNeed{}
	var unknown []string
	maxSize := 0
	if e.GPUNodes.MaxSize != nil {
		maxSize = *e.GPUNodes.MaxSize
	}
	for _, t := range e.GPUNodes.InstanceTypes {
		v, ok := gpuVCPUs[t]
		if !ok {
			unknown = append(unknown, t)
			continue
		}
		q := gpuQuota(t)
		if need := maxSize * v; need > needs[q].vCPUs {
			needs[q] = gpuNeed{need, fmt.Sprintf("%s: gpuNodes.maxSize %d × %d vCPUs of %s", e.Name, maxSize, v, t)}
		}
	}
	return needs, unknown
}

// sameAccountRegion are the environments of cfg that share e's account and region, and so its quotas.
func sameAccountRegion(cfg *config.Config, e *config.Environment) []*config.Environment {
	var out []*config.Environment
	for i := range cfg.Environments {
		o := &cfg.Environments[i]
		if o.Account == e.Account && o.Region == e.Region {
			out = append(out, o)
		}
	}
	return out
}

// ReservedConcurrency is the Lambda concurrency the stacks of environment e reserve.
func ReservedConcurrency(cfg *config.Config, e *config.Environment) int {
	return KubectlFunctions*KubectlReservedConcurrency + AuthorizerReservedConcurrency*len(cfg.TenantsIn(e.Name)) + PodScalerReservedConcurrency*podScalers(cfg, e)
}

// podScalers counts the autoscaled tenants of environment e.
func podScalers(cfg *config.Config, e *config.Environment) int {
	n := 0
	for _, t := range cfg.TenantsIn(e.Name) {
		if t.Model.Autoscaling != nil {
			n++
		}
	}
	return n
}

// checkQuotas compares the GPU vCPU and Lambda concurrency quotas with what every environment of
// the deployment file in this account and region needs.
func checkQuotas(ctx context.Context, c *clients, cfg *config.Config, e *config.Environment) Group {
	g := Group{Name: "service quotas"}
	envs := sameAccountRegion(cfg, e)

	need := map[string]int{}
	explain := map[string][]string{}
	for _, o := range envs {
		n, unknown := gpuNeeds(o)
		for q, v := range n {
			need[q] += v.vCPUs
			explain[q] = append(explain[q], v.explain)
		}
		for _, t := range unknown {
			g.Rows = append(g.Rows, Row{Check: "quota", Subject: t, Verdict: Warning,
				Found: "preflight does not know the vCPUs of " + t,
				Fix:   "compare gpuNodes.maxSize × its vCPUs with the EC2 On-Demand quota by hand"})
		}
	}
	codes := make([]string, 0, len(need))
	for q := range need {
		codes = append(codes, q)
	}
	sort.Strings(codes)
	for _, q := range codes {
		g.Rows = append(g.Rows, quotaRow(ctx, c, "ec2", q, need[q], strings.Join(explain[q], " + "),
			"request a quota increase for EC2 "+quotaNames[q]+" ("+q+") in "+e.Region+" to at least %d vCPUs, or lower gpuNodes.maxSize or the instance sizes"))
	}

	reserved := 0
	var parts []string
	for _, o := range envs {
		r := ReservedConcurrency(cfg, o)
		reserved += r
		parts = append(parts, fmt.Sprintf("%s: kubectl %d×%d + %d tenant authorizer(s) × %d + %d pod scaler(s) × %d", o.Name, KubectlFunctions, KubectlReservedConcurrency, len(cfg.TenantsIn(o.Name)), AuthorizerReservedConcurrency, podScalers(cfg, o), PodScalerReservedConcurrency))
	}
	g.Rows = append(g.Rows, quotaRow(ctx, c, "lambda", QuotaLambdaConcurrent, reserved+UnreservedConcurrencyFloor,
		fmt.Sprintf("%d reserved (%s) + %d Lambda keeps unreserved", reserved, strings.Join(parts, "; "), UnreservedConcurrencyFloor),
		"request a quota increase for Lambda concurrent executions ("+QuotaLambdaConcurrent+") in "+e.Region+" to at least %d"))
	return g
}

// quotaRow reads one quota and compares it with need; fix is a format with one %d (need).
func quotaRow(ctx context.Context, c *clients, service, code string, need int, explain, fix string) Row {
	subject := quotaNames[code] + " (" + code + ")"
	out, err := c.quotas().GetServiceQuota(ctx, &servicequotas.GetServiceQuotaInput{ServiceCode: aws.String(service), QuotaCode: aws.String(code)})
	if err != nil {
		return couldNotCheck("quota", subject, "servicequotas:GetServiceQuota", err)
	}
	have := 0
	if out.Quota != nil && out.Quota.Value != nil {
		have = int(*out.Quota.Value)
	}
	row := Row{Check: "quota", Subject: subject, Verdict: OK, Found: fmt.Sprintf("quota %d ≥ %d needed (%s)", have, need, explain)}
	if have < need {
		row.Verdict = Blocker
		row.Found = fmt.Sprintf("quota %d < %d needed (%s)", have, need, explain)
		row.Fix = fmt.Sprintf(fix, need)
	}
	return row
}
