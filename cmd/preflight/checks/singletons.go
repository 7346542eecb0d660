package checks

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	aatypes "github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/macie2"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/naming"
)

// singleton is an account/region resource of which only one may exist, which the platform stack
// creates when its services switch is on.
type singleton struct {
	name    string                      // what it is, for the table
	key     string                      // the services: switch (YAML key) that creates it
	on      func(config.Services) *bool // that switch's value
	cfnType string                      // the resource type the platform stack creates
	action  string                      // the read-only action the probe needs
	probe   func(context.Context, *clients) (found string, exists bool, err error)
}

// singletons are the account/region singletons the platform stack creates ("one per account per
// Region": GuardDuty "Amazon GuardDuty quotas" (detectors per Region 1); Security Hub is enabled
// once per account and Region ("Enabling Security Hub"); AWS Config "Managing the configuration
// recorder" (one customer managed recorder per Region) and "Managing the delivery channel" (one
// per Region); Macie "Macie quotas" (one Macie session per Region); IAM Access Analyzer "IAM Access
// Analyzer quotas" (one account analyzer per Region)). In an AWS Organization a delegated
// administrator usually runs them already; creating a second fails the stack.
var singletons = []singleton{
	{name: "GuardDuty detector", key: "guardDuty", on: func(s config.Services) *bool { return s.GuardDuty },
		cfnType: "AWS::GuardDuty::Detector", action: "guardduty:ListDetectors", probe: probeGuardDuty},
	{name: "Security Hub", key: "securityHub", on: func(s config.Services) *bool { return s.SecurityHub },
		cfnType: "AWS::SecurityHub::Hub", action: "securityhub:DescribeHub", probe: probeSecurityHub},
	{name: "AWS Config recorder", key: "config", on: func(s config.Services) *bool { return s.Config },
		cfnType: "AWS::Config::ConfigurationRecorder", action: "config:DescribeConfigurationRecorders", probe: probeConfigRecorder},
	{name: "AWS Config delivery channel", key: "config", on: func(s config.Services) *bool { return s.Config },
		cfnType: "AWS::Config::DeliveryChannel", action: "config:DescribeDeliveryChannels", probe: probeDeliveryChannel},
	{name: "Macie session", key: "macie", on: func(s config.Services) *bool { return s.Macie },
		cfnType: "AWS::Macie::Session", action: "macie2:GetMacieSession", probe: probeMacie},
	{name: "IAM Access Analyzer account analyzer", key: "accessAnalyzer", on: func(s config.Services) *bool { return s.AccessAnalyzer },
		cfnType: "AWS::AccessAnalyzer::Analyzer", action: "access-analyzer:ListAnalyzers", probe: probeAccessAnalyzer},
}

// checkSingletons reports, per singleton, whether the platform stack's create would collide with
// one that exists. owned holds the resource types the environment's platform stack already has (a
// run after the first deployment finds its own singletons: those are fine).
func checkSingletons(ctx context.Context, c *clients, e *config.Environment, owned map[string]bool) Group {
	g := Group{Name: "account and region singletons"}
	stack := naming.PlatformStack(e.Name)
	for _, s := range singletons {
		on := config.Enabled(s.on(e.Services))
		found, exists, err := s.probe(ctx, c)
		if err != nil {
			g.Rows = append(g.Rows, couldNotCheck("singleton", s.name, s.action, err))
			continue
		}
		row := Row{Check: "singleton", Subject: s.name, Verdict: OK, Found: found}
		switch {
		case exists && on && owned[s.cfnType]:
			row.Found = found + " (created by " + stack + ")"
		case exists && on:
			row.Verdict = Blocker
			row.Found = found + ": " + stack + " would create a second one and fail"
			row.Fix = fmt.Sprintf("set environments[%s].services.%s: false (the account's own is used)", e.Name, s.key)
		case exists:
			row.Found = found + fmt.Sprintf(" (services.%s: false uses it)", s.key)
		case on:
			row.Found = "none: " + stack + " creates it"
		default:
			row.Verdict = Warning
			row.Found = fmt.Sprintf("none, and services.%s: false: the environment runs without it", s.key)
			row.Fix = fmt.Sprintf("set services.%s: true, or enable it from the Organization's delegated administrator", s.key)
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

// ownedTypes are the resource types in the environment's platform stack (none before its first
// deployment, or when it can't be read).
func ownedTypes(ctx context.Context, c *clients, e *config.Environment) map[string]bool {
	owned := map[string]bool{}
	p := cloudformation.NewListStackResourcesPaginator(c.cloudFormation(), &cloudformation.ListStackResourcesInput{StackName: aws.String(naming.PlatformStack(e.Name))})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return owned // ValidationError: no such stack yet
		}
		for _, r := range page.StackResourceSummaries {
			if !strings.HasPrefix(string(r.ResourceStatus), "DELETE_") {
				owned[aws.ToString(r.ResourceType)] = true
			}
		}
	}
	return owned
}

func probeGuardDuty(ctx context.Context, c *clients) (string, bool, error) {
	out, err := c.guardDuty().ListDetectors(ctx, &guardduty.ListDetectorsInput{})
	if err != nil {
		return "", false, err
	}
	if len(out.DetectorIds) == 0 {
		return "", false, nil
	}
	return "detector " + strings.Join(out.DetectorIds, ", "), true, nil
}

func probeSecurityHub(ctx context.Context, c *clients) (string, bool, error) {
	out, err := c.securityHub().DescribeHub(ctx, &securityhub.DescribeHubInput{})
	if err != nil {
		// Not subscribed: InvalidAccessException ("Account ... is not subscribed to AWS Security Hub").
		if code, _ := apiError(err); code == "InvalidAccessException" || code == "ResourceNotFoundException" {
			return "", false, nil
		}
		return "", false, err
	}
	return "enabled: " + aws.ToString(out.HubArn), true, nil
}

func probeConfigRecorder(ctx context.Context, c *clients) (string, bool, error) {
	out, err := c.configService().DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})
	if err != nil {
		return "", false, err
	}
	var names []string
	for _, r := range out.ConfigurationRecorders {
		if r.ServicePrincipal != nil {
			continue // a service-linked recorder does not count against the customer managed one
		}
		names = append(names, aws.ToString(r.Name))
	}
	if len(names) == 0 {
		return "", false, nil
	}
	return "recorder " + strings.Join(names, ", "), true, nil
}

func probeDeliveryChannel(ctx context.Context, c *clients) (string, bool, error) {
	out, err := c.configService().DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{})
	if err != nil {
		return "", false, err
	}
	var names []string
	for _, d := range out.DeliveryChannels {
		names = append(names, aws.ToString(d.Name))
	}
	if len(names) == 0 {
		return "", false, nil
	}
	return "delivery channel " + strings.Join(names, ", "), true, nil
}

func probeMacie(ctx context.Context, c *clients) (string, bool, error) {
	out, err := c.macie().GetMacieSession(ctx, &macie2.GetMacieSessionInput{})
	if err != nil {
		// Not enabled: AccessDeniedException "Macie is not enabled".
		code, text := apiError(err)
		if code == "ResourceNotFoundException" || (code == "AccessDeniedException" && strings.Contains(strings.ToLower(text), "not enabled")) {
			return "", false, nil
		}
		return "", false, err
	}
	return "session " + strings.ToLower(string(out.Status)), true, nil
}

func probeAccessAnalyzer(ctx context.Context, c *clients) (string, bool, error) {
	out, err := c.accessAnalyzer().ListAnalyzers(ctx, &accessanalyzer.ListAnalyzersInput{Type: aatypes.TypeAccount})
	if err != nil {
		return "", false, err
	}
	var names []string
	for _, a := range out.Analyzers {
		names = append(names, aws.ToString(a.Name))
	}
	if len(names) == 0 {
		return "", false, nil
	}
	return "analyzer " + strings.Join(names, ", "), true, nil
}
