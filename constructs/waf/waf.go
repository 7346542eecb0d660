// Package waf is a regional AWS WAF web ACL for one tenant's REST API stage, with its logging and
// a blocked-requests alarm. AWS WAF has no L2 constructs: this package uses the L1 awswafv2 types.
//
// One web ACL per tenant, not one per environment. A web ACL shared by many REST APIs can only
// tell them apart by the Host header, which names either a custom domain or an execute-api host
// whose API ID the platform stack can't know before the tenant stack exists; each tenant's rate
// limit and allow-list would then be rules in the platform stack, so onboarding a tenant would
// redeploy the shared stack, and one tenant's rules (and their capacity units, 5,000 per ACL)
// would share a blast radius with everyone's. A per-tenant ACL keeps each tenant's rules in its
// own stack. The price is the quota: 100 web ACLs per account and Region by default (adjustable),
// so an environment beyond ~100 API tenants needs a quota increase or a second environment (a
// dedicated environment is its own account or Region, with its own 100).
package waf

import (
	"fmt"
	"net/netip"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/constructs/defaults"
)

// Defaults.
const (
	// DefaultMaxBodyBytes blocks request bodies over 64 KiB. The API takes JSON only: a synthesis
	// request is at most 5,000 characters of text (≤ 60 KB even when every character is an escaped
	// surrogate pair), and reference-voice audio is uploaded to S3 with a presigned URL, never
	// through the API. AWS WAF inspects 16 KB of an API Gateway body by default; the ACL raises
	// that to 64 KB so the limit is enforced on the whole body.
	DefaultMaxBodyBytes             = 64 * 1024
	DefaultBlockedRequestsThreshold = 100 // blocked requests per 5 minutes that page someone
	DefaultLogRetentionDays         = 365
)

// RedactedHeaders are never written to the WAF log: they carry the caller's credentials.
var RedactedHeaders = []string{"authorization", "x-api-key"}

// Props configures a tenant's web ACL.
type Props struct {
	Name         string   // Required. Web ACL name and metric prefix, e.g. voicevault-prod-acme.
	RateLimit    int      // Required. Requests per 5 minutes per client IP before blocking.
	AllowedCIDRs []string // Default: none (every address may try). When set, only these IPv4/IPv6 blocks.
	MaxBodyBytes int      // Default: DefaultMaxBodyBytes. At most 65536 (the largest body AWS WAF inspects for API Gateway).
	// AllowNonJSONBodies turns off the rule that blocks POST requests whose Content-Type is not
	// application/json. API Gateway validates a body against its model only when the request's
	// content type has one, so that rule keeps a body from skipping validation under another
	// content type. Default: false (the rule is on).
	AllowNonJSONBodies       bool
	LogKey                   awskms.IKey   // Required. Encrypts the WAF log group; must let CloudWatch Logs use it for LogGroupName (defaults.AllowCloudWatchLogs).
	LogRetentionDays         int           // Default: DefaultLogRetentionDays.
	BlockedRequestsThreshold int           // Default: DefaultBlockedRequestsThreshold.
	AlarmTopic               awssns.ITopic // Default: none (the alarm has no action).
}

// WAF is a web ACL with its log group and alarm.
type WAF interface {
	constructs.Construct
	WebACL() awswafv2.CfnWebACL
	Name() string                // the web ACL's name
	IPSets() []awswafv2.CfnIPSet // empty without AllowedCIDRs
	LogGroup() awslogs.LogGroup
	BlockedRequestsAlarm() awscloudwatch.Alarm
	// Associate attaches the web ACL to a regional resource (e.g. a REST API stage ARN), created
	// after dependsOn.
	Associate(id string, resourceARN string, dependsOn constructs.IDependable) awswafv2.CfnWebACLAssociation
}

type waf struct {
	constructs.Construct
	acl    awswafv2.CfnWebACL
	name   string
	ipSets []awswafv2.CfnIPSet
	logs   awslogs.LogGroup
	alarm  awscloudwatch.Alarm
}

func (w *waf) WebACL() awswafv2.CfnWebACL                { return w.acl }
func (w *waf) Name() string                              { return w.name }
func (w *waf) IPSets() []awswafv2.CfnIPSet               { return w.ipSets }
func (w *waf) LogGroup() awslogs.LogGroup                { return w.logs }
func (w *waf) BlockedRequestsAlarm() awscloudwatch.Alarm { return w.alarm }

// LogGroupName is the WAF log group of a web ACL (AWS WAF requires the aws-waf-logs- prefix).
func LogGroupName(aclName string) string { return "aws-waf-logs-" + aclName }

func (p Props) withDefaults() Props {
	if p.MaxBodyBytes == 0 {
		p.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if p.LogRetentionDays == 0 {
		p.LogRetentionDays = DefaultLogRetentionDays
	}
	if p.BlockedRequestsThreshold == 0 {
		p.BlockedRequestsThreshold = DefaultBlockedRequestsThreshold
	}
	return p
}

// New creates the web ACL, its IP sets, its encrypted log group and logging, and its alarm.
func New(scope constructs.Construct, id string, props Props) WAF {
	p := props.withDefaults()
	switch {
	case p.Name == "" || p.LogKey == nil:
		panic(fmt.Errorf("waf %q: name and log key are required", id))
	case p.RateLimit < 10:
		panic(fmt.Errorf("waf %q: rate limit %d is below AWS WAF's minimum of 10", id, p.RateLimit))
	case p.MaxBodyBytes < 1 || p.MaxBodyBytes > 64*1024:
		panic(fmt.Errorf("waf %q: max body bytes %d is out of range (1 to 65536)", id, p.MaxBodyBytes))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	w := &waf{Construct: c, name: p.Name}

	var rules []interface{}
	add := func(name string, stmt *awswafv2.CfnWebACL_StatementProperty, action interface{}, managed bool) {
		r := &awswafv2.CfnWebACL_RuleProperty{
			Name:             jsii.String(name),
			Priority:         jsii.Number(float64(len(rules))),
			Statement:        stmt,
			VisibilityConfig: visibility(p.Name + "-" + name),
		}
		if managed {
			r.OverrideAction = &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]interface{}{}}
		} else {
			r.Action = action
		}
		rules = append(rules, r)
	}
	block := &awswafv2.CfnWebACL_RuleActionProperty{Block: &awswafv2.CfnWebACL_BlockActionProperty{}}

	if len(p.AllowedCIDRs) > 0 {
		w.addAllowList(c, p, func(stmt *awswafv2.CfnWebACL_StatementProperty) { add("AllowListedSourcesOnly", stmt, block, false) })
	}
	add("RateLimitPerIP", &awswafv2.CfnWebACL_StatementProperty{
		RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
			Limit: jsii.Number(float64(p.RateLimit)), AggregateKeyType: jsii.String("IP"), EvaluationWindowSec: jsii.Number(300),
		},
	}, block, false)
	add("BodySizeLimit", &awswafv2.CfnWebACL_StatementProperty{
		SizeConstraintStatement: &awswafv2.CfnWebACL_SizeConstraintStatementProperty{
			// A body larger than the inspection limit matches too (OversizeHandling MATCH).
			FieldToMatch:        &awswafv2.CfnWebACL_FieldToMatchProperty{Body: &awswafv2.CfnWebACL_BodyProperty{OversizeHandling: jsii.String("MATCH")}},
			ComparisonOperator:  jsii.String("GT"),
			Size:                jsii.Number(float64(p.MaxBodyBytes)),
			TextTransformations: []interface{}{&awswafv2.CfnWebACL_TextTransformationProperty{Priority: jsii.Number(0), Type: jsii.String("NONE")}},
		},
	}, block, false)
	if !p.AllowNonJSONBodies {
		add("JSONBodiesOnly", &awswafv2.CfnWebACL_StatementProperty{
			AndStatement: &awswafv2.CfnWebACL_AndStatementProperty{Statements: []interface{}{
				&awswafv2.CfnWebACL_StatementProperty{ByteMatchStatement: &awswafv2.CfnWebACL_ByteMatchStatementProperty{
					FieldToMatch:         &awswafv2.CfnWebACL_FieldToMatchProperty{Method: map[string]interface{}{}},
					PositionalConstraint: jsii.String("EXACTLY"), SearchString: jsii.String("POST"),
					TextTransformations: []interface{}{&awswafv2.CfnWebACL_TextTransformationProperty{Priority: jsii.Number(0), Type: jsii.String("NONE")}},
				}},
				&awswafv2.CfnWebACL_StatementProperty{NotStatement: &awswafv2.CfnWebACL_NotStatementProperty{
					Statement: &awswafv2.CfnWebACL_StatementProperty{ByteMatchStatement: &awswafv2.CfnWebACL_ByteMatchStatementProperty{
						FieldToMatch:         &awswafv2.CfnWebACL_FieldToMatchProperty{SingleHeader: map[string]interface{}{"Name": "content-type"}},
						PositionalConstraint: jsii.String("STARTS_WITH"), SearchString: jsii.String("application/json"),
						TextTransformations: []interface{}{&awswafv2.CfnWebACL_TextTransformationProperty{Priority: jsii.Number(0), Type: jsii.String("LOWERCASE")}},
					}},
				}},
			}},
		}, block, false)
	}
	for _, g := range ManagedRuleGroups {
		var overrides []interface{}
		for _, r := range g.CountOnly {
			overrides = append(overrides, &awswafv2.CfnWebACL_RuleActionOverrideProperty{
				Name:        jsii.String(r),
				ActionToUse: &awswafv2.CfnWebACL_RuleActionProperty{Count: &awswafv2.CfnWebACL_CountActionProperty{}},
			})
		}
		stmt := &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{VendorName: jsii.String("AWS"), Name: jsii.String(g.Name)}
		if len(overrides) > 0 {
			stmt.RuleActionOverrides = overrides
		}
		add(g.Name, &awswafv2.CfnWebACL_StatementProperty{ManagedRuleGroupStatement: stmt}, nil, true)
	}

	w.acl = awswafv2.NewCfnWebACL(c, jsii.String("WebACL"), &awswafv2.CfnWebACLProps{
		Name:             jsii.String(p.Name),
		Description:      jsii.String("VoiceVault API front door: " + p.Name),
		Scope:            jsii.String("REGIONAL"),
		DefaultAction:    &awswafv2.CfnWebACL_DefaultActionProperty{Allow: &awswafv2.CfnWebACL_AllowActionProperty{}},
		VisibilityConfig: visibility(p.Name),
		Rules:            rules,
		AssociationConfig: &awswafv2.CfnWebACL_AssociationConfigProperty{
			RequestBody: map[string]interface{}{
				"API_GATEWAY": &awswafv2.CfnWebACL_RequestBodyAssociatedResourceTypeConfigProperty{DefaultSizeInspectionLimit: jsii.String("KB_64")},
			},
		},
	})

	// Logging: an encrypted CloudWatch Logs group, credentials redacted. CloudWatch Logs must let
	// the log delivery service write it: the platform stack's account-level resource policy for
	// aws-waf-logs-voicevault-* does, so AWS WAF does not append one policy per ACL to the
	// account's (10 policies, 5,120 characters) resource policy quota.
	stack := awscdk.Stack_Of(c)
	logName := LogGroupName(p.Name)
	w.logs = defaults.LogGroup(c, "Logs", defaults.LogGroupProps{Name: logName, Key: p.LogKey, RetentionDays: p.LogRetentionDays})
	var redacted []interface{}
	for _, h := range RedactedHeaders {
		redacted = append(redacted, &awswafv2.CfnLoggingConfiguration_FieldToMatchProperty{SingleHeader: map[string]interface{}{"Name": h}})
	}
	logging := awswafv2.NewCfnLoggingConfiguration(c, jsii.String("Logging"), &awswafv2.CfnLoggingConfigurationProps{
		ResourceArn: w.acl.AttrArn(),
		// AWS WAF wants the log group ARN without the ":*" that the LogGroup's Arn attribute has.
		LogDestinationConfigs: &[]interface{}{stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: jsii.String(logName),
			ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})},
		RedactedFields: redacted,
	})
	logging.Node().AddDependency(w.logs)

	w.alarm = defaults.Alarm(c, "BlockedRequestsAlarm", defaults.AlarmProps{
		Name:        p.Name + "-waf-blocked-requests",
		Description: "Web ACL " + p.Name + " blocked at least " + fmt.Sprint(p.BlockedRequestsThreshold) + " requests in 5 minutes: an attack, or a rule blocking legitimate traffic",
		Metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:  jsii.String("AWS/WAFV2"),
			MetricName: jsii.String("BlockedRequests"),
			DimensionsMap: &map[string]*string{
				"WebACL": jsii.String(p.Name), "Region": stack.Region(), "Rule": jsii.String("ALL"),
			},
			Statistic: jsii.String("Sum"),
			Period:    awscdk.Duration_Minutes(jsii.Number(5)),
		}),
		Threshold: float64(p.BlockedRequestsThreshold),
		Topic:     p.AlarmTopic,
	})
	return w
}

// ManagedRuleGroup is an AWS managed rule group in every ACL, with the rules that only count.
type ManagedRuleGroup struct {
	Name      string
	CountOnly []string
}

// ManagedRuleGroups are the AWS managed rule groups every ACL runs, in priority order after the
// ACL's own rules:
//   - AmazonIpReputationList and AnonymousIpList block known-bad sources and anonymizers, except
//     HostingProviderIPList, which only counts: partners call the API from their cloud servers.
//   - KnownBadInputsRuleSet blocks exploit patterns (Log4j, Java deserialization, …).
//   - CommonRuleSet is the OWASP-style baseline, except SizeRestrictions_BODY, which only counts:
//     its 8 KB limit would block legitimate synthesis requests (5,000 characters of non-Latin text
//     exceed 8 KB), and the ACL's own BodySizeLimit rule enforces the API's limit instead.
var ManagedRuleGroups = []ManagedRuleGroup{
	{Name: "AWSManagedRulesAmazonIpReputationList"},
	{Name: "AWSManagedRulesAnonymousIpList", CountOnly: []string{"HostingProviderIPList"}},
	{Name: "AWSManagedRulesKnownBadInputsRuleSet"},
	{Name: "AWSManagedRulesCommonRuleSet", CountOnly: []string{"SizeRestrictions_BODY"}},
}

// addAllowList creates one IP set per address family in use and a rule that blocks every source
// outside them.
func (w *waf) addAllowList(c constructs.Construct, p Props, add func(*awswafv2.CfnWebACL_StatementProperty)) {
	var v4, v6 []*string
	for _, cidr := range p.AllowedCIDRs {
		pfx, err := netip.ParsePrefix(cidr)
		if err != nil {
			panic(fmt.Errorf("waf: allowed CIDR %q: %w", cidr, err)) // config validation rejects these first
		}
		if pfx.Addr().Is4() {
			v4 = append(v4, jsii.String(pfx.Masked().String()))
		} else {
			v6 = append(v6, jsii.String(pfx.Masked().String()))
		}
	}
	var refs []interface{}
	for _, fam := range []struct {
		id, version string
		addrs       []*string
	}{{"AllowedIPv4", "IPV4", v4}, {"AllowedIPv6", "IPV6", v6}} {
		if len(fam.addrs) == 0 {
			continue
		}
		set := awswafv2.NewCfnIPSet(c, jsii.String(fam.id), &awswafv2.CfnIPSetProps{
			Name:             jsii.String(p.Name + "-" + map[string]string{"IPV4": "allowed-ipv4", "IPV6": "allowed-ipv6"}[fam.version]),
			Description:      jsii.String("Sources allowed to call " + p.Name),
			Scope:            jsii.String("REGIONAL"),
			IpAddressVersion: jsii.String(fam.version),
			Addresses:        &fam.addrs,
		})
		w.ipSets = append(w.ipSets, set)
		refs = append(refs, &awswafv2.CfnWebACL_StatementProperty{IpSetReferenceStatement: &awswafv2.CfnWebACL_IPSetReferenceStatementProperty{Arn: set.AttrArn()}})
	}
	var inAllowList interface{} = refs[0]
	if len(refs) > 1 {
		inAllowList = &awswafv2.CfnWebACL_StatementProperty{OrStatement: &awswafv2.CfnWebACL_OrStatementProperty{Statements: refs}}
	}
	add(&awswafv2.CfnWebACL_StatementProperty{NotStatement: &awswafv2.CfnWebACL_NotStatementProperty{Statement: inAllowList}})
}

// Associate implements WAF.
func (w *waf) Associate(id string, resourceARN string, dependsOn constructs.IDependable) awswafv2.CfnWebACLAssociation {
	a := awswafv2.NewCfnWebACLAssociation(w.Construct, jsii.String(id), &awswafv2.CfnWebACLAssociationProps{
		WebAclArn:   w.acl.AttrArn(),
		ResourceArn: jsii.String(resourceARN),
	})
	if dependsOn != nil {
		a.Node().AddDependency(dependsOn)
	}
	return a
}

// visibility turns metrics on and sampled requests off: AWS WAF keeps sampled requests with
// their headers unredacted (Authorization and x-api-key included) for anyone allowed
// wafv2:GetSampledRequests. The redacted log is the record of what was blocked.
func visibility(metric string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
	return &awswafv2.CfnWebACL_VisibilityConfigProperty{
		CloudWatchMetricsEnabled: jsii.Bool(true),
		MetricName:               jsii.String(metric),
		SampledRequestsEnabled:   jsii.Bool(false),
	}
}
