package audit

import (
	"fmt"
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

func (b *builder) controls() {
	r := b.r
	var cs []Control

	// IAM roles
	{
		var items, public []item
		policies := 0
		byResource := map[string][]policycheck.Violation{}
		for _, v := range policycheck.Failures(b.viol) {
			byResource[v.Stack+"/"+v.Resource] = append(byResource[v.Stack+"/"+v.Resource], v)
		}
		for _, s := range b.a.Stacks {
			for _, p := range b.policies[s.Name] {
				policies++
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
				st := Pass
				if len(wild) > 0 {
					st = Fail
				}
				items = append(items, item{label, st, strings.Join(wild, "; ")})
				if p.Kind != policycheck.Identity {
					st = Pass
					if len(pub) > 0 {
						st = Fail
					}
					public = append(public, item{label, st, strings.Join(pub, "; ")})
				}
			}
		}
		cs = append(cs, control("IAM-1", "IAM roles", "Least privilege: no \"*\" or \"service:*\" actions, no write or admin action on Resource \"*\" beyond the unscopable list, no NotAction/NotResource with Allow",
			join(soc2Access, []string{"CC6.2"}), join(hipaaInfoAcc, []string{"164.308(a)(3)(i)"}), "policies", items))
		cs = append(cs, control("IAM-2", "IAM roles", "No resource or trust policy admits everyone (Principal \"*\" only with a condition)",
			join(soc2Access, soc2Boundary), hipaaAccess, "resource and trust policies", public))
		var users []item
		for _, ro := range r.Roles {
			if ro.Kind != "role" {
				users = append(users, item{ro.Stack + "/" + ro.Principal, Fail, "IAM " + ro.Kind})
			}
		}
		c := control("IAM-3", "IAM roles", "No IAM users or groups: people and pipelines use roles (federation, OIDC), so no long-lived keys",
			join(soc2Access, []string{"CC6.2"}), join(hipaaAuthn, []string{"164.308(a)(5)(ii)(D)"}), "IAM users or groups", users)
		if len(users) == 0 {
			c.Status, c.Evidence = Pass, fmt.Sprintf("no IAM user or group; %d roles", len(r.Roles))
		}
		cs = append(cs, c)
	}

	// Encryption
	{
		var enc, rot, kp []item
		for _, e := range r.Encryption {
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
		for _, k := range r.Keys {
			alias := strings.Join(k.Aliases, ", ")
			st := Pass
			if !k.Rotation && k.Spec == "SYMMETRIC_DEFAULT" {
				st = Fail
			}
			detail := "EnableKeyRotation " + yesNo(k.Rotation)
			if k.Rotation {
				detail += ", every " + k.RotationDays + " days"
			}
			rot = append(rot, item{k.Stack + "/" + k.Path + " " + alias, st, detail})
			st = Pass
			detail = "data-plane use by " + strings.Join(k.PolicyUsers, ", ")
			if len(k.PolicyUsers) == 0 {
				detail = "the key policy grants administration only"
			}
			if len(k.GrantedTo) > 0 {
				detail += "; IAM policies of " + strings.Join(k.GrantedTo, ", ") + " name the key"
			}
			if k.accountRootDP {
				st, detail = Fail, "the account root may use the key for data without condition (every IAM policy in the account then decides)"
			}
			kp = append(kp, item{k.Stack + "/" + k.Path + " " + alias, st, detail})
		}
		cs = append(cs, control("ENC-1", "Encryption", "Every data store and log is encrypted with a customer-managed KMS key that rotates",
			join(soc2Access, soc2Transit), hipaaEncrypt, "data stores and logs", enc))
		cs = append(cs, control("ENC-2", "Encryption", "Every customer-managed key rotates automatically", soc2Access, hipaaEncrypt, "keys", rot))
		cs = append(cs, control("ENC-3", "Encryption", "Key policies are scoped: the account keeps administration; only named principals and services (with conditions) use keys",
			soc2Access, join(hipaaEncrypt, []string{"164.308(a)(4)(i)"}), "keys", kp))
	}

	// S3 buckets
	{
		var bpa, tls, life, logs []item
		for _, bk := range r.Buckets {
			label := bk.Stack + "/" + bk.Resource + " " + bk.Name
			st := map[bool]Status{true: Pass, false: Fail}
			bpa = append(bpa, item{label, st[bk.PublicBlock], "PublicAccessBlockConfiguration all four true: " + yesNo(bk.PublicBlock)})
			tls = append(tls, item{label, st[bk.TLSOnly], "bucket policy denies aws:SecureTransport false: " + yesNo(bk.TLSOnly)})
			ok := bk.Versioning == "Enabled" && bk.ExpireDays != "" && bk.NoncurrentDays != "" && retained(bk.DeletionPolicy)
			life = append(life, item{label, st[ok], fmt.Sprintf("versioning %s, expiry %s days, noncurrent %s days, DeletionPolicy %s", bk.Versioning, dash(bk.ExpireDays), dash(bk.NoncurrentDays), dash(bk.DeletionPolicy))})
			lst := st[bk.AccessLogs != ""]
			detail := "server access logs to " + dash(bk.AccessLogs)
			if bk.AccessLogs == "" && bk.LogTarget {
				lst, detail = Warn, "is the access-log target itself"
			}
			logs = append(logs, item{label, lst, detail})
		}
		cs = append(cs, control("S3-1", "S3 buckets", "Public access blocked on every bucket", join(soc2Access, soc2Boundary), hipaaAccess, "buckets", bpa))
		cs = append(cs, control("S3-2", "S3 buckets", "TLS only: a bucket policy denies requests without TLS", soc2Transit, hipaaTransmit, "buckets", tls))
		cs = append(cs, control("S3-3", "S3 buckets", "Versioning, lifecycle expiry of current and noncurrent versions, retained on stack deletion",
			[]string{"CC6.5", "C1.2", "A1.2"}, join(hipaaIntegrity, []string{"164.310(d)(2)(i)", "164.308(a)(7)(ii)(A)"}), "buckets", life))
		cs = append(cs, control("S3-4", "S3 buckets", "Server access logging on every bucket", soc2Monitor, hipaaAudit, "buckets", logs))
	}

	// API Gateway
	{
		var waf, auth, logs, edge, metered []item
		for _, api := range r.APIs {
			for _, st := range api.Stages {
				label := api.Stack + "/" + api.Resource + " stage " + st.Name
				s := Pass
				if st.WAF == "" {
					s = Fail
				}
				waf = append(waf, item{label, s, "web ACL " + dash(st.WAF)})
				s = Pass
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
				if len(miss) > 0 {
					s = Fail
				}
				logs = append(logs, item{label, s, fmt.Sprintf("access logs %s; tracing %s; throttling %s", dash(st.AccessLogs), yesNo(st.Tracing), dash(st.Throttling)) + missing(miss)})
			}
			for _, m := range api.Methods {
				auth = append(auth, item{api.Stack + "/" + api.Resource + " " + m.HTTPMethod + " " + m.Path, m.Status, "AuthorizationType " + m.Authorization + " " + m.Authorizer})
			}
			s := Pass
			if api.Endpoint == "EDGE" {
				s = Fail
			}
			detail := "endpoint " + api.Endpoint + ", default execute-api endpoint " + api.DefaultURL
			for _, d := range api.Domains {
				detail += ", domain " + d
				if !strings.Contains(d, "TLS_1_2") && !strings.Contains(d, "TLS13") && !strings.Contains(d, "TLS_1_3") {
					s = Fail
				}
			}
			edge = append(edge, item{api.Stack + "/" + api.Resource, s, detail})
			metered = append(metered, meteringItem(api))
		}
		cs = append(cs, control("API-1", "API Gateway", "A WAF web ACL on every REST API stage", join(soc2Boundary, []string{"CC7.1"}), join(hipaaTransmit, []string{"164.308(a)(1)(ii)(B)"}), "API stages", waf))
		cs = append(cs, control("API-2", "API Gateway", "An authorizer on every method (CORS preflight MOCK methods are listed as warnings)", join(soc2Access, soc2Boundary), join(hipaaAuthn, hipaaAccess), "methods", auth))
		cs = append(cs, control("API-3", "API Gateway", "Access logs, X-Ray tracing and throttling on every stage", join(soc2Monitor, []string{"A1.1"}), hipaaAudit, "API stages", logs))
		cs = append(cs, control("API-4", "API Gateway", "Regional or private endpoints; custom domains with a TLS 1.2+ policy", soc2Transit, hipaaTransmit, "REST APIs", edge))
		cs = append(cs, control("API-5", "API Gateway", "Every caller is metered by a throttled usage plan: API key source AUTHORIZER (a client's x-api-key never selects a plan), an API key required on every method", []string{"A1.1", "CC6.6"}, []string{"164.308(a)(1)(ii)(B)"}, "REST APIs", metered))
	}

	// Compute
	{
		var eks, eksSec, imds, public, sgs []item
		for _, n := range r.Network {
			label := n.Stack + "/" + n.Resource
			switch n.What {
			case "EKS API endpoint":
				eks = append(eks, item{label, n.Status, n.Through})
			case "security group", "security group rule":
				sgs = append(sgs, item{label, n.Status, n.Through})
			case "subnet", "launch template", "EC2 instance", "Elastic IP", "internet gateway", "NAT gateway", "Lambda function URL":
				public = append(public, item{label + " [" + n.What + "]", n.Status, n.Through})
			default:
				if strings.HasSuffix(n.What, "load balancer") {
					public = append(public, item{label + " [" + n.What + "]", n.Status, n.Through})
				}
			}
		}
		for _, e := range r.Encryption {
			if e.What == "EKS Kubernetes secrets" {
				eksSec = append(eksSec, item{e.Stack + "/" + e.Resource + " secrets", e.Status, e.Encryption + " " + e.KeyAlias})
			}
		}
		for _, l := range r.LogSources {
			if l.Source == "EKS control-plane logs" {
				eksSec = append(eksSec, item{l.Stack + "/" + l.Resource + " logs", l.Status, l.Destination + " " + l.Note})
			}
		}
		for _, s := range b.a.Stacks {
			for _, lt := range s.OfType("AWS::EC2::LaunchTemplate") {
				md := lt.Properties["LaunchTemplateData"]
				tokens := render(assembly.Get(md, "MetadataOptions", "HttpTokens"))
				hops := render(assembly.Get(md, "MetadataOptions", "HttpPutResponseHopLimit"))
				st := Pass
				if tokens != "required" || hops != "1" {
					st = Fail
				}
				imds = append(imds, item{s.Name + "/" + lt.Label(), st, "HttpTokens " + dash(tokens) + ", hop limit " + dash(hops)})
			}
		}
		cs = append(cs, control("CMP-1", "Compute", "EKS API endpoint private", soc2Boundary, join(hipaaAccess, hipaaTransmit), "clusters", eks))
		cs = append(cs, control("CMP-2", "Compute", "EKS secrets encrypted with a customer-managed key; all five control-plane log types on", join(soc2Access, soc2Monitor), join(hipaaEncrypt, hipaaAudit), "cluster settings", eksSec))
		cs = append(cs, control("CMP-3", "Compute", "IMDSv2 required with hop limit 1 on every launch template", soc2Access, hipaaAccess, "launch templates", imds))
		c := control("CMP-4", "Compute", "Nothing reachable from the internet but the API front door: no public IPs, subnets or internet-facing load balancers",
			soc2Boundary, hipaaTransmit, "internet-facing resources", public)
		if len(public) == 0 {
			c.Status, c.Evidence = Pass, "no public subnet, IP, gateway or internet-facing load balancer in the templates"
		}
		cs = append(cs, c)
		cs = append(cs, control("CMP-5", "Compute", "No security group allows ingress from 0.0.0.0/0 or ::/0", soc2Boundary, hipaaTransmit, "security groups", sgs))
	}

	// Secrets
	{
		var enc, lit, rot []item
		for _, e := range r.Encryption {
			if e.What == "Secret" {
				enc = append(enc, item{e.Stack + "/" + e.Resource, e.Status, e.Encryption + " " + e.KeyAlias})
			}
		}
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
			for _, f := range s.Resources() {
				for _, leak := range secretLiterals(f) {
					lit = append(lit, item{s.Name + "/" + f.Label(), Fail, leak})
				}
			}
		}
		cs = append(cs, control("SEC-1", "Secrets", "Secrets encrypted with a customer-managed key", soc2Access, hipaaEncrypt, "secrets", enc))
		c := control("SEC-2", "Secrets", "No secret-looking literal in Lambda environment variables or Kubernetes manifests", soc2Access, hipaaAccess, "literal secrets", lit)
		if len(lit) == 0 {
			c.Status, c.Evidence = Pass, "no environment variable or manifest value named like a secret holds a literal"
		}
		cs = append(cs, c)
		cs = append(cs, control("SEC-3", "Secrets", "Secrets rotate (a rotation schedule per secret)", soc2Access, []string{"164.308(a)(5)(ii)(D)"}, "secrets", rot))
	}

	// Monitoring
	{
		var trail, detect, flow, groups, alarms []item
		for _, sv := range r.Services {
			it := item{sv.Environment + " " + sv.Service, sv.Status, sv.Where + " " + sv.Detail}
			if sv.Service == "CloudTrail" {
				trail = append(trail, it)
			} else if sv.Service == "GuardDuty" || sv.Service == "Security Hub" || sv.Service == "AWS Config" {
				detect = append(detect, it)
			}
		}
		for _, t := range r.Trails {
			trail = append(trail, item{t.Stack + "/" + t.Resource, t.Status, fmt.Sprintf("multi-region %s, validation %s, logging %s, KMS %s, data events %s", yesNo(t.MultiRegion), yesNo(t.Validation), yesNo(t.Logging), dash(t.KMS), t.DataEvents)})
		}
		for _, l := range r.LogSources {
			if l.Source == "VPC flow logs" {
				flow = append(flow, item{l.Stack + "/" + l.Resource, l.Status, l.Destination + " " + l.Note})
			}
		}
		for _, g := range r.LogGroups {
			groups = append(groups, item{g.Stack + "/" + g.Resource + " " + g.Name, g.Status, g.Encryption + " " + g.KeyAlias + ", retention " + g.Retention})
		}
		for _, a := range r.Alarms {
			alarms = append(alarms, item{a.Stack + "/" + a.Resource, a.Status, a.Metric + " → " + dash(a.Actions)})
		}
		cs = append(cs, control("MON-1", "Monitoring", "A multi-region CloudTrail trail with log file validation and KMS encryption in every environment",
			join(soc2Monitor, []string{"CC7.3"}), join(hipaaAudit, hipaaReview), "environments and trails", trail))
		cs = append(cs, control("MON-2", "Monitoring", "Threat detection and posture: GuardDuty, Security Hub and AWS Config in every environment", soc2Detect, join(hipaaReview, []string{"164.308(a)(6)(ii)"}), "environment services", detect))
		cs = append(cs, control("MON-3", "Monitoring", "VPC flow logs (all traffic) on every VPC", soc2Monitor, hipaaAudit, "VPCs", flow))
		cs = append(cs, control("MON-4", "Monitoring", "Log groups encrypted with a customer-managed key, with a retention period", join(soc2Monitor, []string{"CC6.1"}), join(hipaaAudit, hipaaEncrypt), "log groups", groups))
		cs = append(cs, control("MON-5", "Monitoring", "Every alarm notifies someone (an alarm action)", soc2Respond, []string{"164.308(a)(6)(ii)"}, "alarms", alarms))
	}

	// Compliance
	{
		var nag, sup, iso, hash []item
		for _, n := range r.NagSummary {
			st := Pass
			if n.NonCompliant+n.Unknown > 0 {
				st = Fail
			}
			nag = append(nag, item{n.Pack + " on " + n.Stack, st, fmt.Sprintf("%d compliant, %d non-compliant, %d suppressed, %d unknown", n.Compliant, n.NonCompliant, n.Suppressed, n.Unknown)})
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
		for _, s := range r.Suppress {
			sup = append(sup, item{s.Stack + "/" + s.Resource + " " + s.Rule + " " + s.Finding, s.Status, s.Reason + " (owner: " + dash(s.Owner) + ")"})
		}
		for _, c := range r.Isolation.Cells {
			st, detail := Pass, "not reachable"
			if c.Reachable {
				st, detail = Fail, strings.Join(c.Evidence, "; ")
			}
			iso = append(iso, item{c.From + " → " + c.To, st, detail})
		}
		for _, s := range r.Stacks {
			hash = append(hash, item{s.Name, Pass, "sha256 " + s.SHA256})
		}
		cs = append(cs, control("CPL-1", "Compliance", "cdk-nag AwsSolutions, HIPAA Security, NIST 800-53 R5 and PCI DSS 3.2.1 ran on every stack with no unsuppressed finding", []string{"CC4.1", "CC8.1"}, hipaaEvaluate, "pack reports", nag))
		c := control("CPL-2", "Compliance", "Every suppression has a reason and an owner (the reviewed registry)", []string{"CC4.1", "CC5.3"}, hipaaEvaluate, "suppressions", sup)
		if len(sup) == 0 {
			c.Status, c.Evidence = Pass, "no suppression"
		}
		cs = append(cs, c)
		cs = append(cs, control("CPL-3", "Compliance", "Tenant isolation: no tenant can reach another tenant's data, keys, roles or namespace", join(soc2Access, []string{"C1.1"}), hipaaInfoAcc, "tenant pairs", iso))
		cs = append(cs, control("CPL-4", "Compliance", "Each template's SHA-256 is recorded, to match a deployed stack to the reviewed template", []string{"CC8.1"}, join(hipaaIntegrity, []string{"164.312(c)(2)"}), "templates", hash))
		var valid []item
		if !r.Validation.Ran {
			valid = append(valid, item{"all templates", Warn, "the CDK's template validation did not run (synthesized with CDK_VALIDATION=false)"})
		} else {
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
		}
		cs = append(cs, control("CPL-5", "Compliance", "Every template passes the CDK's CloudFormation validation (cfn-lint rules: schema, allowed values, best practices), warnings included", []string{"CC8.1"}, hipaaEvaluate, "validation results", valid))
	}
	r.Controls = cs
}

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
