package checks

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/macie2"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Actions are the IAM actions preflight calls, all read-only. AWS's ReadOnlyAccess managed policy
// (which `cdk bootstrap` attaches to its lookup role) grants each of them; a test holds this list
// to the operations the checks really send.
var Actions = []string{
	"access-analyzer:ListAnalyzers",
	"acm:DescribeCertificate",
	"cloudformation:ListStackResources",
	"config:DescribeConfigurationRecorders",
	"config:DescribeDeliveryChannels",
	"ec2:DescribeInstanceTypeOfferings",
	"eks:DescribeAddonConfiguration",
	"eks:DescribeAddonVersions",
	"eks:DescribeClusterVersions",
	"guardduty:ListDetectors",
	"iam:GetRole",
	"macie2:GetMacieSession",
	"securityhub:DescribeHub",
	"servicequotas:GetServiceQuota",
	"sts:GetCallerIdentity",
}

// clients builds the SDK clients of one run, all in the environment's region unless told otherwise.
type clients struct {
	o      Options
	region string
}

func newClients(o Options, region string) *clients { return &clients{o: o, region: region} }

// cfg is the run's aws.Config in region (the environment's when empty), with the test endpoint.
func (c *clients) cfg(region string) aws.Config {
	cfg := c.o.AWS.Copy()
	cfg.Region = c.region
	if region != "" {
		cfg.Region = region
	}
	if c.o.Endpoint != "" {
		cfg.BaseEndpoint = aws.String(c.o.Endpoint)
	}
	return cfg
}

func (c *clients) sts() *sts.Client                 { return sts.NewFromConfig(c.cfg("")) }
func (c *clients) guardDuty() *guardduty.Client     { return guardduty.NewFromConfig(c.cfg("")) }
func (c *clients) securityHub() *securityhub.Client { return securityhub.NewFromConfig(c.cfg("")) }
func (c *clients) configService() *configservice.Client {
	return configservice.NewFromConfig(c.cfg(""))
}
func (c *clients) macie() *macie2.Client { return macie2.NewFromConfig(c.cfg("")) }
func (c *clients) accessAnalyzer() *accessanalyzer.Client {
	return accessanalyzer.NewFromConfig(c.cfg(""))
}
func (c *clients) quotas() *servicequotas.Client { return servicequotas.NewFromConfig(c.cfg("")) }
func (c *clients) ec2() *ec2.Client              { return ec2.NewFromConfig(c.cfg("")) }
func (c *clients) iam() *iam.Client              { return iam.NewFromConfig(c.cfg("")) }
func (c *clients) acm(region string) *acm.Client { return acm.NewFromConfig(c.cfg(region)) }
func (c *clients) eks() *eks.Client              { return eks.NewFromConfig(c.cfg("")) }
func (c *clients) cloudFormation() *cloudformation.Client {
	return cloudformation.NewFromConfig(c.cfg(""))
}
