package audit

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/voicevault/voicevault/internal/review/assembly"
	"github.com/voicevault/voicevault/internal/review/policycheck"
)

// Control is one row of the checklist mapped to SOC 2 and HIPAA controls, with the resources
// and properties that satisfy it, computed from the templates.
type Control struct {
	ID        string   `json:"id"`
	Area      string   `json:"area"` // IAM roles, S3 buckets, API Gateway, Compute, Secrets, Monitoring, Compliance
	Check     string   `json:"check"`
	SOC2      []string `json:"soc2"`
	HIPAA     []string `json:"hipaa"`
	Evidence  string   `json:"evidence"`  // what was checked and how many pass
	Satisfied []string `json:"satisfied"` // resources and the properties that satisfy the row
	Failing   []string `json:"failing"`   // resources that do not, and why
	Status    Status   `json:"status"`
}

// item is one resource's result for a control.
type item struct {
	label  string
	status Status
	detail string
}

// control folds items into a row: fail if any fails, warn if any warns, n/a if none.
func control(id, area, check string, soc2, hipaa []string, unit string, items []item) Control {
	c := Control{ID: id, Area: area, Check: check, SOC2: soc2, HIPAA: hipaa, Status: NA}
	pass := 0
	for _, it := range items {
		c.Status = worst(c.Status, it.status)
		line := it.label
		if d := strings.Join(strings.Fields(it.detail), " "); d != "" {
			line += ": " + d
		}
		switch it.status {
		case Pass:
			pass++
			c.Satisfied = append(c.Satisfied, line)
		case Fail, Warn:
			c.Failing = append(c.Failing, string(it.status)+" "+line)
		}
	}
	sort.Strings(c.Satisfied)
	sort.Strings(c.Failing)
	if len(items) == 0 {
		c.Evidence = "no " + unit + " in the templates"
	} else {
		c.Evidence = fmt.Sprintf("%d of %d %s pass", pass, len(items), unit)
	}
	return c
}

// SOC 2 (2017 Trust Services Criteria) and HIPAA Security Rule (45 CFR 164) references.
var (
	soc2Access     = []string{"CC6.1", "CC6.3"}
	soc2Boundary   = []string{"CC6.6"}
	soc2Transit    = []string{"CC6.7"}
	soc2Monitor    = []string{"CC7.2"}
	soc2Detect     = []string{"CC7.1", "CC7.2"}
	soc2Respond    = []string{"CC7.3", "CC7.4"}
	hipaaAccess    = []string{"164.312(a)(1)"}
	hipaaEncrypt   = []string{"164.312(a)(2)(iv)", "164.312(e)(2)(ii)"}
	hipaaAudit     = []string{"164.312(b)"}
	hipaaTransmit  = []string{"164.312(e)(1)"}
	hipaaAuthn     = []string{"164.312(d)"}
	hipaaReview    = []string{"164.308(a)(1)(ii)(D)"}
	hipaaInfoAcc   = []string{"164.308(a)(4)(i)", "164.312(a)(1)"}
	hipaaIntegrity = []string{"164.312(c)(1)"}
	hipaaEvaluate  = []string{"164.308(a)(8)"}
)

func join(lists ...[]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range lists {
		for _, x := range l {
			if !seen[x] {
				seen[x] = true
				out = append(out, x)
			}
		}
	}
	return out
}

// controlDef is one row of the checklist: what it checks, the SOC 2 and HIPAA references, and
// the function that judges each resource (items). A row with no items is n/a, or passes with
// the evidence emptyPass returns when it is set (a row about something that must be absent).
type controlDef struct {
	ID, Area, Check string
	SOC2, HIPAA     []string
	Unit            string // what the items are, for the evidence line ("buckets")
	Items           func(b *builder) []item
	EmptyPass       func(b *builder) string
}

// controlTable is the checklist, in report order: one small function per control below.
var controlTable = []controlDef{
	{"IAM-1", "IAM roles", "Least privilege: no \"*\" or \"service:*\" actions, no write or admin action on Resource \"*\" beyond the unscopable list, no NotAction/NotResource with Allow",
		join(soc2Access, []string{"CC6.2"}), join(hipaaInfoAcc, []string{"164.308(a)(3)(i)"}), "policies", leastPrivilege, nil},
	{"IAM-2", "IAM roles", "No resource or trust policy admits everyone (Principal \"*\" only with a condition)",
		join(soc2Access, soc2Boundary), hipaaAccess, "resource and trust policies", noPublicPrincipal, nil},
	{"IAM-3", "IAM roles", "No IAM users or groups: people and pipelines use roles (federation, OIDC), so no long-lived keys",
		join(soc2Access, []string{"CC6.2"}), join(hipaaAuthn, []string{"164.308(a)(5)(ii)(D)"}), "IAM users or groups", iamUsers,
		func(b *builder) string { return fmt.Sprintf("no IAM user or group; %d roles", len(b.r.Roles)) }},
	{"ENC-1", "Encryption", "Every data store and log is encrypted with a customer-managed KMS key that rotates",
		join(soc2Access, soc2Transit), hipaaEncrypt, "data stores and logs", encryptedAtRest, nil},
	{"ENC-2", "Encryption", "Every customer-managed key rotates automatically", soc2Access, hipaaEncrypt, "keys", keyRotation, nil},
	{"ENC-3", "Encryption", "Key policies are scoped: the account keeps administration; only named principals and services (with conditions) use keys",
		soc2Access, join(hipaaEncrypt, []string{"164.308(a)(4)(i)"}), "keys", keyPolicies, nil},
	{"S3-1", "S3 buckets", "Public access blocked on every bucket", join(soc2Access, soc2Boundary), hipaaAccess, "buckets", bucketPublicBlock, nil},
	{"S3-2", "S3 buckets", "TLS only: a bucket policy denies requests without TLS", soc2Transit, hipaaTransmit, "buckets", bucketTLSOnly, nil},
	{"S3-3", "S3 buckets", "Versioning, lifecycle expiry of current and noncurrent versions, retained on stack deletion",
		[]string{"CC6.5", "C1.2", "A1.2"}, join(hipaaIntegrity, []string{"164.310(d)(2)(i)", "164.308(a)(7)(ii)(A)"}), "buckets", bucketLifecycle, nil},
	{"S3-4", "S3 buckets", "Server access logging on every bucket", soc2Monitor, hipaaAudit, "buckets", bucketAccessLogs, nil},
	{"API-1", "API Gateway", "A WAF web ACL on every REST API stage", join(soc2Boundary, []string{"CC7.1"}), join(hipaaTransmit, []string{"164.308(a)(1)(ii)(B)"}), "API stages", stageWAF, nil},
	{"API-2", "API Gateway", "An authorizer on every method (CORS preflight MOCK methods are listed as warnings)", join(soc2Access, soc2Boundary), join(hipaaAuthn, hipaaAccess), "methods", methodAuthorizers, nil},
	{"API-3", "API Gateway", "Access logs, X-Ray tracing and throttling on every stage", join(soc2Monitor, []string{"A1.1"}), hipaaAudit, "API stages", stageLogging, nil},
	{"API-4", "API Gateway", "Regional or private endpoints; custom domains with a TLS 1.2+ policy", soc2Transit, hipaaTransmit, "REST APIs", apiEndpoints, nil},
	{"API-5", "API Gateway", "Every caller is metered by a throttled usage plan: API key source AUTHORIZER (a client's x-api-key never selects a plan), an API key required on every method", []string{"A1.1", "CC6.6"}, []string{"164.308(a)(1)(ii)(B)"}, "REST APIs", apiMetering, nil},
	{"CMP-1", "Compute", "EKS API endpoint private", soc2Boundary, join(hipaaAccess, hipaaTransmit), "clusters", networkOf("EKS API endpoint"), nil},
	{"CMP-2", "Compute", "EKS secrets encrypted with a customer-managed key; all five control-plane log types on", join(soc2Access, soc2Monitor), join(hipaaEncrypt, hipaaAudit), "cluster settings", eksSettings, nil},
	{"CMP-3", "Compute", "IMDSv2 required with hop limit 1 on every launch template", soc2Access, hipaaAccess, "launch templates", imdsV2, nil},
	{"CMP-4", "Compute", "Nothing reachable from the internet but the API front door: no public IPs, subnets or internet-facing load balancers",
		soc2Boundary, hipaaTransmit, "internet-facing resources", internetFacing,
		func(*builder) string {
			return "no public subnet, IP, gateway or internet-facing load balancer in the templates"
		}},
	{"CMP-5", "Compute", "No security group allows ingress from 0.0.0.0/0 or ::/0", soc2Boundary, hipaaTransmit, "security groups", networkOf("security group", "security group rule"), nil},
	{"SEC-1", "Secrets", "Secrets encrypted with a customer-managed key", soc2Access, hipaaEncrypt, "secrets", secretEncryption, nil},
	{"SEC-2", "Secrets", "No secret-looking literal in Lambda environment variables or Kubernetes manifests", soc2Access, hipaaAccess, "literal secrets", literalSecrets,
		func(*builder) string {
			return "no environment variable or manifest value named like a secret holds a literal"
		}},
	{"SEC-3", "Secrets", "Secrets rotate (a rotation schedule per secret)", soc2Access, []string{"164.308(a)(5)(ii)(D)"}, "secrets", secretRotation, nil},
	{"MON-1", "Monitoring", "A multi-region CloudTrail trail with log file validation and KMS encryption in every environment",
		join(soc2Monitor, []string{"CC7.3"}), join(hipaaAudit, hipaaReview), "environments and trails", trails, nil},
	{"MON-2", "Monitoring", "Threat detection and posture: GuardDuty, Security Hub and AWS Config in every environment", soc2Detect, join(hipaaReview, []string{"164.308(a)(6)(ii)"}), "environment services",
		servicesOf("GuardDuty", "Security Hub", "AWS Config"), nil},
	{"MON-3", "Monitoring", "VPC flow logs (all traffic) on every VPC", soc2Monitor, hipaaAudit, "VPCs", flowLogs, nil},
	{"MON-4", "Monitoring", "Log groups encrypted with a customer-managed key, with a retention period", join(soc2Monitor, []string{"CC6.1"}), join(hipaaAudit, hipaaEncrypt), "log groups", logGroups, nil},
	{"MON-5", "Monitoring", "Every alarm notifies someone (an alarm action)", soc2Respond, []string{"164.308(a)(6)(ii)"}, "alarms", alarmActions, nil},
	{"CPL-1", "Compliance", "cdk-nag AwsSolutions, HIPAA Security, NIST 800-53 R5 and PCI DSS 3.2.1 ran on every stack with no unsuppressed finding", []string{"CC4.1", "CC8.1"}, hipaaEvaluate, "pack reports", nagPacks, nil},
	{"CPL-2", "Compliance", "Every suppression has a reason and an owner (the reviewed registry)", []string{"CC4.1", "CC5.3"}, hipaaEvaluate, "suppressions", suppressions,
		func(*builder) string { return "no suppression" }},
	{"CPL-3", "Compliance", "Tenant isolation: no tenant can reach another tenant's data, keys, roles or namespace", join(soc2Access, []string{"C1.1"}), hipaaInfoAcc, "tenant pairs", tenantIsolation, nil},
	{"CPL-4", "Compliance", "Each template's SHA-256 is recorded, to match a deployed stack to the reviewed template", []string{"CC8.1"}, join(hipaaIntegrity, []string{"164.312(c)(2)"}), "templates", templateHashes, nil},
	{"CPL-5", "Compliance", "Every template passes the CDK's CloudFormation validation (cfn-lint rules: schema, allowed values, best practices), warnings included", []string{"CC8.1"}, hipaaEvaluate, "validation results", templateValidation, nil},
}

func (b *builder) controls() {
	cs := make([]Control, 0, len(controlTable))
	for _, d := range controlTable {
		items := d.Items(b)
		c := control(d.ID, d.Area, d.Check, d.SOC2, d.HIPAA, d.Unit, items)
		if len(items) == 0 && d.EmptyPass != nil {
			c.Status, c.Evidence = Pass, d.EmptyPass(b)
		}
		cs = append(cs, c)
	}
	b.r.Controls = cs
}

// IAM roles

// policyItems judges every policy of the templates: least privilege (IAM-1) and, for resource
// and trust policies, no public principal (IAM-2).
func policyItems(b *builder) (least, public []item) {
	byResource := map[string][]policycheck.Violation{}
	for _, v := range policycheck.Failures(b.viol) {
		byResource[v.Stack+"/"+v.Resource] = append(byResource[v.Stack+"/"+v.Resource], v)
	}
	for _, s := range b.a.Stacks {
		for _, p := range b.policies[s.Name] {
			label := s.Name + "/" + labelOf(s, p.Resource) + " " + p.Name
			var wild, pub []string
			for _, v := range byResource[s.Name+"/"+p.Resource] {
				if v.Policy != p.Name {
					continue
				}
				if v.Rule == policycheck.PublicPrincipal || v.Rule == policycheck.NotPrincipalAllow {
					pub = append(pub, v.Detail)
				} else {
					wild = append(wild, v.Detail)
				}
			}
			least = append(least, item{label, failIf(len(wild) > 0), strings.Join(wild, "; ")})
			if p.Kind != policycheck.Identity {
				public = append(public, item{label, failIf(len(pub) > 0), strings.Join(pub, "; ")})
			}
		}
	}
	return least, public
}

func leastPrivilege(b *builder) []item { least, _ := policyItems(b); return least }

func noPublicPrincipal(b *builder) []item { _, public := policyItems(b); return public }

func iamUsers(b *builder) []item {
	return pick(b.r.Roles, func(ro Role) bool { return ro.Kind != "role" },
		func(ro Role) item { return item{ro.Stack + "/" + ro.Principal, Fail, "IAM " + ro.Kind} })
}

// Encryption

func encryptedAtRest(b *builder) []item {
	var enc []item
	for _, e := range b.r.Encryption {
		detail := e.Encryption
		if e.KeyAlias != "" {
			detail += " " + e.KeyAlias
		} else if e.Key != "" {
			detail += " " + e.Key
		}
		if e.Rotation != "" {
			detail += ", rotation " + e.Rotation
		}
		if e.Note != "" {
			detail += " (" + e.Note + ")"
		}
		enc = append(enc, item{e.Stack + "/" + e.Resource + " [" + e.What + "]", e.Status, detail})
	}
	return enc
}

func keyRotation(b *builder) []item {
	var rot []item
	for _, k := range b.r.Keys {
		detail := "EnableKeyRotation " + yesNo(k.Rotation)
		if k.Rotation {
			detail += ", every " + k.RotationDays + " days"
		}
		rot = append(rot, item{k.Stack + "/" + k.Path + " " + strings.Join(k.Aliases, ", "), failIf(!k.Rotation && k.Spec == "SYMMETRIC_DEFAULT"), detail})
	}
	return rot
}

func keyPolicies(b *builder) []item {
	var kp []item
	for _, k := range b.r.Keys {
		st := Pass
		detail := "data-plane use by " + strings.Join(k.PolicyUsers, ", ")
		if len(k.PolicyUsers) == 0 {
			detail = "the key policy grants administration only"
		}
		if len(k.GrantedTo) > 0 {
			detail += "; IAM policies of " + strings.Join(k.GrantedTo, ", ") + " name the key"
		}
		if k.accountRootDP {
			st, detail = Fail, "the account root may use the key for data without condition (every IAM policy in the account then decides)"
		}
		kp = append(kp, item{k.Stack + "/" + k.Path + " " + strings.Join(k.Aliases, ", "), st, detail})
	}
	return kp
}

// S3 buckets

// bucketItems is one item per bucket of the templates, judged by f.
func bucketItems(b *builder, f func(Bucket) (Status, string)) []item {
	var out []item
	for _, bk := range b.r.Buckets {
		st, detail := f(bk)
		out = append(out, item{bk.Stack + "/" + bk.Resource + " " + bk.Name, st, detail})
	}
	return out
}

func bucketPublicBlock(b *builder) []item {
	return bucketItems(b, func(bk Bucket) (Status, string) {
		return passIf(bk.PublicBlock), "PublicAccessBlockConfiguration all four true: " + yesNo(bk.PublicBlock)
	})
}

func bucketTLSOnly(b *builder) []item {
	return bucketItems(b, func(bk Bucket) (Status, string) {
		return passIf(bk.TLSOnly), "bucket policy denies aws:SecureTransport false: " + yesNo(bk.TLSOnly)
	})
}

func bucketLifecycle(b *builder) []item {
	return bucketItems(b, func(bk Bucket) (Status, string) {
		ok := bk.Versioning == "Enabled" && bk.ExpireDays != "" && bk.NoncurrentDays != "" && retained(bk.DeletionPolicy)
		return passIf(ok), fmt.Sprintf("versioning %s, expiry %s days, noncurrent %s days, DeletionPolicy %s", bk.Versioning, dash(bk.ExpireDays), dash(bk.NoncurrentDays), dash(bk.DeletionPolicy))
	})
}

func bucketAccessLogs(b *builder) []item {
	return bucketItems(b, func(bk Bucket) (Status, string) {
		if bk.AccessLogs == "" && bk.LogTarget {
			return Warn, "is the access-log target itself"
		}
		return passIf(bk.AccessLogs != ""), "server access logs to " + dash(bk.AccessLogs)
	})
}

// API Gateway

// stageItems is one item per stage of every REST API, judged by f.
func stageItems(b *builder, f func(Stage) (Status, string)) []item {
	var out []item
	for _, api := range b.r.APIs {
		for _, st := range api.Stages {
			s, detail := f(st)
			out = append(out, item{api.Stack + "/" + api.Resource + " stage " + st.Name, s, detail})
		}
	}
	return out
}

func stageWAF(b *builder) []item {
	return stageItems(b, func(st Stage) (Status, string) { return failIf(st.WAF == ""), "web ACL " + dash(st.WAF) })
}

func stageLogging(b *builder) []item {
	return stageItems(b, func(st Stage) (Status, string) {
		var miss []string
		if st.AccessLogs == "" {
			miss = append(miss, "access logs")
		}
		if !st.Tracing {
			miss = append(miss, "X-Ray tracing")
		}
		if st.Throttling == "" {
			miss = append(miss, "throttling")
		}
		return failIf(len(miss) > 0), fmt.Sprintf("access logs %s; tracing %s; throttling %s", dash(st.AccessLogs), yesNo(st.Tracing), dash(st.Throttling)) + missing(miss)
	})
}

func methodAuthorizers(b *builder) []item {
	var auth []item
	for _, api := range b.r.APIs {
		for _, m := range api.Methods {
			auth = append(auth, item{api.Stack + "/" + api.Resource + " " + m.HTTPMethod + " " + m.Path, m.Status, "AuthorizationType " + m.Authorization + " " + m.Authorizer})
		}
	}
	return auth
}

func apiEndpoints(b *builder) []item {
	var edge []item
	for _, api := range b.r.APIs {
		s := failIf(api.Endpoint == "EDGE")
		detail := "endpoint " + api.Endpoint + ", default execute-api endpoint " + api.DefaultURL
		for _, d := range api.Domains {
			detail += ", domain " + d
			if !strings.Contains(d, "TLS_1_2") && !strings.Contains(d, "TLS13") && !strings.Contains(d, "TLS_1_3") {
				s = Fail
			}
		}
		edge = append(edge, item{api.Stack + "/" + api.Resource, s, detail})
	}
	return edge
}

func apiMetering(b *builder) []item {
	var metered []item
	for _, api := range b.r.APIs {
		metered = append(metered, meteringItem(api))
	}
	return metered
}

// Compute

// networkOf returns the items of the network findings about one of the kinds what.
func networkOf(what ...string) func(b *builder) []item {
	return func(b *builder) []item {
		var out []item
		for _, n := range b.r.Network {
			if slices.Contains(what, n.What) {
				out = append(out, item{n.Stack + "/" + n.Resource, n.Status, n.Through})
			}
		}
		return out
	}
}

func internetFacing(b *builder) []item {
	var public []item
	for _, n := range b.r.Network {
		switch n.What {
		case "subnet", "launch template", "EC2 instance", "Elastic IP", "internet gateway", "NAT gateway", "Lambda function URL":
		default:
			if !strings.HasSuffix(n.What, "load balancer") {
				continue
			}
		}
		public = append(public, item{n.Stack + "/" + n.Resource + " [" + n.What + "]", n.Status, n.Through})
	}
	return public
}

func eksSettings(b *builder) []item {
	secrets := pick(b.r.Encryption, func(e EncryptionRow) bool { return e.What == "EKS Kubernetes secrets" },
		func(e EncryptionRow) item {
			return item{e.Stack + "/" + e.Resource + " secrets", e.Status, e.Encryption + " " + e.KeyAlias}
		})
	return append(secrets, logSources(b, "EKS control-plane logs", " logs")...)
}

func imdsV2(b *builder) []item {
	var imds []item
	for _, s := range b.a.Stacks {
		for _, lt := range s.OfType("AWS::EC2::LaunchTemplate") {
			md := lt.Properties["LaunchTemplateData"]
			tokens := render(assembly.Get(md, "MetadataOptions", "HttpTokens"))
			hops := render(assembly.Get(md, "MetadataOptions", "HttpPutResponseHopLimit"))
			imds = append(imds, item{s.Name + "/" + lt.Label(), failIf(tokens != "required" || hops != "1"), "HttpTokens " + dash(tokens) + ", hop limit " + dash(hops)})
		}
	}
	return imds
}

// Secrets

func secretEncryption(b *builder) []item {
	return pick(b.r.Encryption, func(e EncryptionRow) bool { return e.What == "Secret" },
		func(e EncryptionRow) item {
			return item{e.Stack + "/" + e.Resource, e.Status, e.Encryption + " " + e.KeyAlias}
		})
}

func literalSecrets(b *builder) []item {
	var lit []item
	for _, s := range b.a.Stacks {
		for _, f := range s.Resources() {
			for _, leak := range secretLiterals(f) {
				lit = append(lit, item{s.Name + "/" + f.Label(), Fail, leak})
			}
		}
	}
	return lit
}

func secretRotation(b *builder) []item {
	var rot []item
	for _, s := range b.a.Stacks {
		rotated := map[string]bool{}
		for _, rs := range s.OfType("AWS::SecretsManager::RotationSchedule") {
			rotated[refOf(rs.Properties["SecretId"])] = true
		}
		for _, sec := range s.OfType("AWS::SecretsManager::Secret") {
			st := Pass
			if !rotated[sec.ID] {
				st = Warn
			}
			rot = append(rot, item{s.Name + "/" + sec.Label(), st, "rotation schedule " + yesNo(rotated[sec.ID])})
		}
	}
	return rot
}

// Monitoring

// servicesOf returns the items of the environment services named.
func servicesOf(names ...string) func(b *builder) []item {
	return func(b *builder) []item {
		var out []item
		for _, sv := range b.r.Services {
			if slices.Contains(names, sv.Service) {
				out = append(out, item{sv.Environment + " " + sv.Service, sv.Status, sv.Where + " " + sv.Detail})
			}
		}
		return out
	}
}

func trails(b *builder) []item {
	trail := servicesOf("CloudTrail")(b)
	for _, t := range b.r.Trails {
		trail = append(trail, item{t.Stack + "/" + t.Resource, t.Status, fmt.Sprintf("multi-region %s, validation %s, logging %s, KMS %s, data events %s", yesNo(t.MultiRegion), yesNo(t.Validation), yesNo(t.Logging), dash(t.KMS), t.DataEvents)})
	}
	return trail
}

func flowLogs(b *builder) []item { return logSources(b, "VPC flow logs", "") }

// logSources are the items of the log sources of one kind, labelled with suffix.
func logSources(b *builder, source, suffix string) []item {
	return pick(b.r.LogSources, func(l LogSource) bool { return l.Source == source },
		func(l LogSource) item {
			return item{l.Stack + "/" + l.Resource + suffix, l.Status, l.Destination + " " + l.Note}
		})
}

func logGroups(b *builder) []item {
	return pick(b.r.LogGroups, nil, func(g LogGroup) item {
		return item{g.Stack + "/" + g.Resource + " " + g.Name, g.Status, g.Encryption + " " + g.KeyAlias + ", retention " + g.Retention}
	})
}

func alarmActions(b *builder) []item {
	return pick(b.r.Alarms, nil, func(a Alarm) item {
		return item{a.Stack + "/" + a.Resource, a.Status, a.Metric + " → " + dash(a.Actions)}
	})
}

// Compliance

func nagPacks(b *builder) []item {
	r := b.r
	var nag []item
	for _, n := range r.NagSummary {
		nag = append(nag, item{n.Pack + " on " + n.Stack, failIf(n.NonCompliant+n.Unknown > 0), fmt.Sprintf("%d compliant, %d non-compliant, %d suppressed, %d unknown", n.Compliant, n.NonCompliant, n.Suppressed, n.Unknown)})
	}
	for _, s := range r.Stacks {
		found := 0
		for _, n := range r.NagSummary {
			if n.Stack == s.Name {
				found++
			}
		}
		if found < 4 {
			nag = append(nag, item{s.Name, Fail, fmt.Sprintf("only %d nag pack reports (want 4)", found)})
		}
	}
	for _, e := range r.Errors {
		nag = append(nag, item{"synth error", Fail, e})
	}
	return nag
}

func suppressions(b *builder) []item {
	return pick(b.r.Suppress, nil, func(s SuppressionRow) item {
		return item{s.Stack + "/" + s.Resource + " " + s.Rule + " " + s.Finding, s.Status, s.Reason + " (owner: " + dash(s.Owner) + ")"}
	})
}

func tenantIsolation(b *builder) []item {
	var iso []item
	for _, c := range b.r.Isolation.Cells {
		st, detail := Pass, "not reachable"
		if c.Reachable {
			st, detail = Fail, strings.Join(c.Evidence, "; ")
		}
		iso = append(iso, item{c.From + " → " + c.To, st, detail})
	}
	return iso
}

func templateHashes(b *builder) []item {
	return pick(b.r.Stacks, nil, func(s StackInfo) item { return item{s.Name, Pass, "sha256 " + s.SHA256} })
}

func templateValidation(b *builder) []item {
	r := b.r
	if !r.Validation.Ran {
		return []item{{"all templates", Warn, "the CDK's template validation did not run (synthesized with CDK_VALIDATION=false)"}}
	}
	var valid []item
	bad := map[string]bool{}
	for _, v := range r.Validation.Violations {
		bad[v.Stack] = true
		valid = append(valid, item{v.Path + " " + v.Rule, Fail, v.Severity + ": " + v.Description})
	}
	for _, s := range r.Stacks {
		if !bad[s.Name] {
			valid = append(valid, item{s.Name, Pass, "no violation (CloudFormation Validate " + r.Validation.Version + ")"})
		}
	}
	for _, v := range r.Validation.Acknowledged {
		valid = append(valid, item{v.Path + " " + v.Rule, Pass, "acknowledged: " + v.Description})
	}
	return valid
}

// pick is one item per row that keep accepts (every row when keep is nil), in order.
func pick[T any](rows []T, keep func(T) bool, it func(T) item) []item {
	var out []item
	for _, r := range rows {
		if keep == nil || keep(r) {
			out = append(out, it(r))
		}
	}
	return out
}

// passIf is Pass when ok, else Fail; failIf the reverse.
func passIf(ok bool) Status {
	if ok {
		return Pass
	}
	return Fail
}

func failIf(bad bool) Status { return passIf(!bad) }

// meteringItem is a REST API's API-5 result: every caller metered by a throttled usage plan whose
// key only the authorizer can select.
func meteringItem(api API) item {
	var miss []string
	if api.KeySource != "AUTHORIZER" {
		miss = append(miss, "API key source "+api.KeySource+" (a client's x-api-key selects the plan)")
	}
	keyed := 0
	for _, m := range api.Methods {
		switch {
		case m.APIKey:
			keyed++
		case m.HTTPMethod == "OPTIONS" && m.Integration == "MOCK":
		default:
			miss = append(miss, m.HTTPMethod+" "+m.Path+" requires no API key")
		}
	}
	if len(api.Plans) == 0 {
		miss = append(miss, "no usage plan")
	}
	var plans []string
	for _, p := range api.Plans {
		if p.Throttle == "" {
			miss = append(miss, "plan "+p.Resource+" has no throttle")
		}
		if p.Keys == 0 {
			miss = append(miss, "plan "+p.Resource+" has no key")
		}
		plans = append(plans, fmt.Sprintf("%s (%s; quota %s; %d key)", dash(p.Name), dash(p.Throttle), dash(p.Quota), p.Keys))
	}
	st := Pass
	if len(miss) > 0 {
		st = Fail
	}
	detail := fmt.Sprintf("key source %s; %d of %d methods require an API key; plans: %s", api.KeySource, keyed, len(api.Methods), dash(strings.Join(plans, ", ")))
	if len(miss) > 0 {
		detail += " (" + strings.Join(miss, "; ") + ")"
	}
	return item{api.Stack + "/" + api.Resource, st, detail}
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func missing(m []string) string {
	if len(m) == 0 {
		return ""
	}
	return " (missing: " + strings.Join(m, ", ") + ")"
}

func refOf(v any) string {
	if m, ok := v.(map[string]any); ok {
		if r, ok := m["Ref"].(string); ok {
			return r
		}
	}
	return render(v)
}
