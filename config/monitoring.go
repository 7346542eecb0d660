package config

import (
	"fmt"
	"slices"
	"strings"
)

// Monitoring configures what the environment's activity is checked against: the regions it may
// call AWS from, the thresholds of the misuse alarms (CloudWatch metric filters over the
// CloudTrail log group and the authorizers' logs) and the Athena audit queries. Every alarm
// counts over MisusePeriodMinutes and fires when the count reaches its threshold.
type Monitoring struct {
	// AllowedRegions are the regions API calls may come from. Default: the environment's region
	// and GlobalEventsRegion (CloudTrail records the calls of global services — IAM, STS's global
	// endpoint, CloudFront, Route 53, Organizations, Cost Explorer — in us-east-1).
	AllowedRegions []string `yaml:"allowedRegions"`
	// ForeignRegionCalls alarms when this many API calls come from regions not in AllowedRegions.
	// Default: DefaultForeignRegionCalls.
	ForeignRegionCalls int `yaml:"foreignRegionCalls"`
	// AudioDeletes alarms when this many DeleteObject/DeleteObjects calls reach the environment's
	// tenant audio buckets. Default: DefaultAudioDeletes.
	AudioDeletes int `yaml:"audioDeletes"`
	// AuthorizerDenials alarms, per tenant and per reason in DenialReasons, when the tenant's
	// authorizer denies this many requests for that reason. Default: DefaultAuthorizerDenials.
	AuthorizerDenials int `yaml:"authorizerDenials"`
	// DenialReasons are the authorizer reasons (its log's "reason" field) with an alarm each.
	// Default: DefaultDenialReasons.
	DenialReasons []string `yaml:"denialReasons"`
	// ModelRegistryChanges alarms when this many changes to the model registry (ECR image pushes,
	// deletes, policy changes) are made by a principal other than the CDK deployment roles of the
	// environment's qualifier and ModelPublisherRoleARNs. Default: DefaultModelRegistryChanges.
	ModelRegistryChanges int `yaml:"modelRegistryChanges"`
	// ModelPublisherRoleARNs are the roles (besides the CDK bootstrap roles) that may push model
	// images without an alarm, e.g. the model team's release pipeline. Default: none.
	ModelPublisherRoleARNs []string `yaml:"modelPublisherRoleArns"`
}

// Monitoring defaults.
const (
	// GlobalEventsRegion is where CloudTrail records the events of global services.
	GlobalEventsRegion          = "us-east-1"
	DefaultForeignRegionCalls   = 1   // any call from elsewhere is worth a look
	DefaultAudioDeletes         = 100 // per MisusePeriodMinutes, all tenant buckets together
	DefaultAuthorizerDenials    = 50  // per tenant and reason, per MisusePeriodMinutes
	DefaultModelRegistryChanges = 1
	// MisusePeriodMinutes is the period every misuse alarm counts over.
	MisusePeriodMinutes = 5
	// MaxAllowedRegions bounds allowedRegions: the CloudWatch Logs filter pattern that names
	// them holds at most 1,024 characters.
	MaxAllowedRegions = 20
	// MaxModelPublishers bounds modelPublisherRoleArns: the registry filter pattern names each,
	// within CloudWatch Logs' 1,024 characters.
	MaxModelPublishers = 4
	// MaxDenialReasons bounds the alarms per tenant (each is a CloudWatch alarm, billed monthly).
	MaxDenialReasons = 12
)

// DefaultDenialReasons are the authorizer denial reasons that signal an attack rather than a
// misconfigured client: forged or foreign tokens, another tenant's token, guessed API keys.
var DefaultDenialReasons = []string{"bad_signature", "alg_not_allowed", "unknown_kid", "wrong_issuer", "wrong_audience", "wrong_tenant", "invalid_api_key"}

// DenialReasons are the reasons the authorizer logs when it denies (lambda/authorizer/authz,
// reason.go; a test holds the two lists equal).
var DenialReasons = []string{
	"malformed_header", "oversized_header", "ambiguous_credentials", "bad_method_arn",
	"malformed_token", "alg_not_allowed", "unsupported_header", "wrong_type", "missing_kid", "unknown_kid", "jwks_unavailable", "key_mismatch",
	"bad_signature", "expired", "not_yet_valid", "issued_in_future", "missing_claim", "wrong_issuer",
	"wrong_audience", "invalid_claims", "missing_subject", "missing_tenant", "wrong_tenant",
	"api_keys_disabled", "secret_unavailable", "invalid_api_key", "no_usage_key", "usage_key_unavailable",
	"config_error", "internal_error",
}

func (m *Monitoring) applyDefaults(region string) {
	if len(m.AllowedRegions) == 0 && region != "" {
		m.AllowedRegions = []string{region}
		if region != GlobalEventsRegion {
			m.AllowedRegions = append(m.AllowedRegions, GlobalEventsRegion)
		}
	}
	if m.ForeignRegionCalls == 0 {
		m.ForeignRegionCalls = DefaultForeignRegionCalls
	}
	if m.AudioDeletes == 0 {
		m.AudioDeletes = DefaultAudioDeletes
	}
	if m.AuthorizerDenials == 0 {
		m.AuthorizerDenials = DefaultAuthorizerDenials
	}
	if len(m.DenialReasons) == 0 {
		m.DenialReasons = slices.Clone(DefaultDenialReasons)
	}
	if m.ModelRegistryChanges == 0 {
		m.ModelRegistryChanges = DefaultModelRegistryChanges
	}
}

func (m *Monitoring) validate(ck *checker, p, region, account string) {
	if n := len(m.AllowedRegions); n > MaxAllowedRegions {
		ck.add(p+".allowedRegions", "%d regions; at most %d", n, MaxAllowedRegions)
	}
	seen := map[string]bool{}
	for i, r := range m.AllowedRegions {
		fp := fmt.Sprintf("%s.allowedRegions[%d]", p, i)
		switch {
		case !reRegion.MatchString(r):
			ck.add(fp, "%q is not an AWS region name (e.g. eu-west-1)", r)
		case seen[r]:
			ck.add(fp, "%q is listed twice", r)
		}
		seen[r] = true
	}
	if reRegion.MatchString(region) && !seen[region] {
		ck.add(p+".allowedRegions", "%s does not include the environment's region %s (allowed: a list that includes it)", strings.Join(m.AllowedRegions, ", "), region)
	}
	for _, th := range []struct {
		field string
		v     int
	}{{"foreignRegionCalls", m.ForeignRegionCalls}, {"audioDeletes", m.AudioDeletes}, {"authorizerDenials", m.AuthorizerDenials}, {"modelRegistryChanges", m.ModelRegistryChanges}} {
		if th.v < 1 || th.v > 1_000_000 {
			ck.add(p+"."+th.field, "%d is out of range (1 to 1000000 events per %d minutes)", th.v, MisusePeriodMinutes)
		}
	}
	if n := len(m.DenialReasons); n > MaxDenialReasons {
		ck.add(p+".denialReasons", "%d reasons; at most %d (one alarm per tenant each)", n, MaxDenialReasons)
	}
	seenReason := map[string]bool{}
	for i, r := range m.DenialReasons {
		fp := fmt.Sprintf("%s.denialReasons[%d]", p, i)
		switch {
		case !slices.Contains(DenialReasons, r):
			ck.add(fp, "%q is not a denial reason of the authorizer (one of: %s)", r, strings.Join(DenialReasons, ", "))
		case seenReason[r]:
			ck.add(fp, "%q is listed twice", r)
		}
		seenReason[r] = true
	}
	if n := len(m.ModelPublisherRoleARNs); n > MaxModelPublishers {
		ck.add(p+".modelPublisherRoleArns", "%d roles; at most %d (the alarm's filter pattern names each)", n, MaxModelPublishers)
	}
	for i, arn := range m.ModelPublisherRoleARNs {
		fp := fmt.Sprintf("%s.modelPublisherRoleArns[%d]", p, i)
		if !reRoleARN.MatchString(arn) {
			ck.add(fp, "%q is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)", arn)
		} else if acct := strings.Split(arn, ":")[4]; acct != account && reAccount.MatchString(account) {
			ck.add(fp, "role is in account %s, not the environment's account %s", acct, account)
		}
	}
}

// CostRegion is the only region whose CloudFormation knows Cost Explorer (AWS::CE::*) resources.
const CostRegion = "us-east-1"

// HasCostsStack reports whether e gets an <env>-costs stack in CostRegion: cost anomaly alerts
// are on and the environment is elsewhere (in CostRegion they are part of the platform stack).
func (e *Environment) HasCostsStack() bool {
	return Enabled(e.Services.CostAnomaly) && e.Region != CostRegion
}
