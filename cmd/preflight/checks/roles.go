package checks

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/voicevault/voicevault/config"
)

// linkedRole is a service-linked role the deployment relies on, and what creates it when missing
// (AWS creates a service-linked role on the service's first use; IAM User Guide, "Using
// service-linked roles", and each service's "Using service-linked roles for ..." page).
type linkedRole struct {
	name      string
	createdBy string
	on        func(config.Services) *bool // the services: switch that brings the service in; nil: always
}

var linkedRoles = []linkedRole{
	{name: "AWSServiceRoleForAutoScaling", createdBy: "the GPU and system node groups' Auto Scaling groups (first Auto Scaling group of the account)"},
	{name: "AWSServiceRoleForAmazonEKS", createdBy: "the EKS cluster"},
	{name: "AWSServiceRoleForAmazonEKSNodegroup", createdBy: "the first EKS managed node group"},
	{name: "AWSServiceRoleForElasticLoadBalancing", createdBy: "the shared ingress load balancer"},
	{name: "AWSServiceRoleForAPIGateway", createdBy: "the VPC link"},
	{name: "AWSServiceRoleForAmazonGuardDuty", createdBy: "the GuardDuty detector", on: func(s config.Services) *bool { return s.GuardDuty }},
	{name: "AWSServiceRoleForAmazonGuardDutyMalwareProtection", createdBy: "GuardDuty's EBS malware protection", on: func(s config.Services) *bool { return s.GuardDuty }},
	{name: "AWSServiceRoleForSecurityHub", createdBy: "enabling Security Hub", on: func(s config.Services) *bool { return s.SecurityHub }},
	{name: "AWSServiceRoleForAmazonMacie", createdBy: "the Macie session", on: func(s config.Services) *bool { return s.Macie }},
	{name: "AWSServiceRoleForAccessAnalyzer", createdBy: "the account analyzer", on: func(s config.Services) *bool { return s.AccessAnalyzer }},
	// AWS Config's recorder here uses a role of its own (not AWSServiceRoleForConfig).
}

// checkServiceLinkedRoles reports which service-linked roles exist. A missing one is a warning, not
// a blocker: the service creates it on first use, which the execution policy allows
// (iam:CreateServiceLinkedRole) — but nothing may name it in a policy before then.
func checkServiceLinkedRoles(ctx context.Context, c *clients, e *config.Environment) Group {
	g := Group{Name: "service-linked roles"}
	cl := c.iam()
	for _, r := range linkedRoles {
		if r.on != nil && !config.Enabled(r.on(e.Services)) {
			continue
		}
		_, err := cl.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(r.name)})
		if err == nil {
			g.Rows = append(g.Rows, Row{Check: "service-linked role", Subject: r.name, Verdict: OK, Found: "exists"})
			continue
		}
		switch code, _ := apiError(err); {
		case code == "NoSuchEntity":
			g.Rows = append(g.Rows, Row{Check: "service-linked role", Subject: r.name, Verdict: Warning,
				Found: "missing: will be created on first use by " + r.createdBy,
				Fix:   "none needed (the deployment creates it); to have it before: aws iam create-service-linked-role"})
		default:
			g.Rows = append(g.Rows, couldNotCheck("service-linked role", r.name, "iam:GetRole", err))
		}
	}
	return g
}

// checkAdminRoles reports the configured cluster administrators that don't exist: the cluster's
// access entries name them, and EKS refuses an access entry for an IAM principal that does not
// exist (EKS API reference, CreateAccessEntry: principalArn; "Grant IAM users and roles access to
// Kubernetes APIs"), so the platform stack's create would fail.
func checkAdminRoles(ctx context.Context, c *clients, e *config.Environment) Group {
	g := Group{Name: "cluster admin roles"}
	cl := c.iam()
	for _, arn := range e.ClusterAdminRoleARNs {
		name := arn[strings.LastIndex(arn, "/")+1:]
		_, err := cl.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
		if err == nil {
			g.Rows = append(g.Rows, Row{Check: "cluster admin role", Subject: arn, Verdict: OK, Found: "exists"})
			continue
		}
		switch code, _ := apiError(err); {
		case code == "NoSuchEntity":
			g.Rows = append(g.Rows, Row{Check: "cluster admin role", Subject: arn, Verdict: Blocker,
				Found: "missing: EKS refuses an access entry for a principal that does not exist",
				Fix:   "create the role first, or change environments[" + e.Name + "].clusterAdminRoleArns"})
		default:
			g.Rows = append(g.Rows, couldNotCheck("cluster admin role", arn, "iam:GetRole", err))
		}
	}
	return g
}
