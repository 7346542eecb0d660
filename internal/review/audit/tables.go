package audit

import (
	"fmt"
	"sort"
	"strings"
)

// section is one part of the report, rendered the same way in Markdown and HTML.
type section struct {
	ID     string
	Title  string
	Intro  string
	Tables []table
}

// table is one table; CSV names the file it is also written to ("" for none).
type table struct {
	Title string
	Note  string
	CSV   string
	Head  []string
	Rows  [][]cell
}

// cell is one table cell: text, a status badge, or a list.
type cell struct {
	Text   string
	Status Status
	List   []string
	Mono   bool // code-like text (ARNs, hashes, actions)
}

func txt(s string) cell    { return cell{Text: s} }
func mono(s string) cell   { return cell{Text: s, Mono: true} }
func st(s Status) cell     { return cell{Status: s, Text: string(s)} }
func list(l []string) cell { return cell{List: l, Text: strings.Join(l, "; ")} }
func num(n int) cell       { return cell{Text: fmt.Sprint(n)} }
func boolCell(b bool) cell { return cell{Text: yesNo(b)} }
func statusCount(m map[Status]int) string {
	var parts []string
	for _, s := range []Status{Pass, Fail, Warn, NA} {
		parts = append(parts, fmt.Sprintf("%d %s", m[s], s))
	}
	return strings.Join(parts, ", ")
}

// sections lays the report out.
func (r *Report) sections() []section {
	var out []section

	// Summary and templates
	{
		head := []string{"Stack", "Kind", "Environment", "Tenant", "Account", "Region", "Resources", "Bytes", "Template", "SHA-256"}
		var rows [][]cell
		for _, s := range r.Stacks {
			rows = append(rows, []cell{txt(s.Name), txt(s.Kind), txt(s.Environment), txt(dash(s.Tenant)), mono(s.Account), txt(s.Region), num(s.Resources), num(s.Bytes), mono(s.File), mono(s.SHA256)})
		}
		intro := fmt.Sprintf("%s, %s, %s, from %s. Controls: %s. Tenant isolation: %s. cdk-nag: %d unsuppressed, %d suppressed. IAM policy check: %s.",
			plural(r.Summary.Stacks, "stack", "stacks"), plural(r.Summary.Resources, "resource", "resources"), plural(r.Summary.Tenants, "tenant", "tenants"), r.Assembly,
			statusCount(r.Summary.Controls), map[bool]string{true: "no tenant reaches another", false: "BREACHED"}[r.Summary.IsolationOK],
			r.Summary.NagNonCompl, r.Summary.NagSuppressed, plural(r.Summary.PolicyFails, "failure", "failures"))
		out = append(out, section{ID: "templates", Title: "Templates and hashes", Intro: intro + " Match a deployed stack to this review by comparing the SHA-256 of its template (aws cloudformation get-template) with the table.",
			Tables: []table{{CSV: "templates.csv", Head: head, Rows: rows}}})
	}

	// Controls
	{
		var rows [][]cell
		for _, c := range r.Controls {
			rows = append(rows, []cell{mono(c.ID), txt(c.Area), txt(c.Check), list(c.SOC2), list(c.HIPAA), txt(c.Evidence), list(c.Failing), list(c.Satisfied), st(c.Status)})
		}
		out = append(out, section{ID: "controls", Title: "Control mapping", Intro: "Each checklist row, the SOC 2 (Trust Services Criteria) and HIPAA Security Rule (45 CFR 164) controls it supports, and the resources and properties that satisfy it — computed from the templates. A row fails if any resource fails; n/a means the templates hold nothing it applies to.",
			Tables: []table{{CSV: "controls.csv", Head: []string{"ID", "Area", "Check", "SOC 2", "HIPAA", "Evidence", "Failing or to review", "Satisfied by", "Status"}, Rows: rows}}})
	}

	// Encryption
	{
		var rows, krows [][]cell
		for _, e := range r.Encryption {
			rows = append(rows, []cell{txt(e.Stack), txt(e.Resource), txt(e.What), mono(dash(e.Name)), txt(e.Encryption), mono(dash(e.KeyAlias)), mono(dash(e.Key)), txt(dash(e.Rotation)), txt(e.Note), st(e.Status)})
		}
		for _, k := range r.Keys {
			krows = append(krows, []cell{txt(k.Stack), txt(k.Path), mono(strings.Join(k.Aliases, ", ")), txt(k.Description), txt(yesNo(k.Rotation) + ", " + k.RotationDays + " days"), txt(k.PendingDays + " days"), boolCell(k.Retained), list(k.PolicyUsers), list(k.GrantedTo), list(k.Protects), txt(k.Note), st(k.Status)})
		}
		out = append(out, section{ID: "encryption", Title: "Encryption inventory", Intro: "Every data store and log, the KMS key that encrypts it (references resolved to the key's logical ID and alias, across stacks by alias) and whether the key rotates. Anything unencrypted, AWS-managed or AWS-owned is flagged.",
			Tables: []table{
				{Title: "Data stores and logs", CSV: "encryption.csv", Head: []string{"Stack", "Resource", "What", "Name", "Encryption", "Key alias", "Key", "Rotation", "Note", "Status"}, Rows: rows},
				{Title: "Customer-managed keys", CSV: "keys.csv", Head: []string{"Stack", "Key", "Aliases", "Description", "Rotation", "Deletion window", "Retained", "Key policy: data-plane principals", "Granted through IAM policies to", "Protects", "Note", "Status"}, Rows: krows},
			}})
	}

	// IAM
	{
		var rrows, srows, vrows [][]cell
		for _, ro := range r.Roles {
			rrows = append(rrows, []cell{txt(ro.Stack), txt(ro.Principal), txt(ro.Kind), mono(ro.Name), list(ro.Trust), list(ro.Managed), num(ro.Statements), list(ro.Flags), st(ro.Status)})
		}
		for _, s := range r.IAM {
			srows = append(srows, []cell{txt(s.Stack), txt(s.Principal), mono(s.Source), txt(s.Effect), mono(s.Actions), mono(s.Resources), mono(s.Condition), txt(s.Flags), st(s.Status)})
		}
		for _, v := range r.Violations {
			s := Warn
			if v.Severity == "fail" {
				s = Fail
			}
			vrows = append(vrows, []cell{txt(v.Stack), txt(v.Resource), mono(v.Policy), num(v.Statement), mono(v.Rule), txt(v.Detail), st(s)})
		}
		out = append(out, section{ID: "iam", Title: "IAM: roles, actions, resources", Intro: "Every role with who may assume it, then every statement that applies to it — inline policies, AWS::IAM::Policy and customer-managed policies attached to it, and AWS-managed policies by name — flagged by the policy checker (fail: wildcard actions, write on \"*\", NotAction/NotResource, public principals; warn: broad but allowed, e.g. partial wildcards or data reads on \"*\").",
			Tables: []table{
				{Title: "Roles", CSV: "roles.csv", Head: []string{"Stack", "Role", "Kind", "Name", "Trusted principals", "Managed policies", "Statements", "Flags", "Status"}, Rows: rrows},
				{Title: "Role → actions → resources", CSV: "iam.csv", Head: []string{"Stack", "Role", "Source", "Effect", "Actions", "Resources", "Condition", "Flags", "Status"}, Rows: srows},
				{Title: "Policy checker findings (every policy: identity, trust and resource policies)", CSV: "policy-findings.csv", Head: []string{"Stack", "Resource", "Policy", "Statement", "Rule", "Detail", "Severity"}, Rows: vrows},
			}})
	}

	// Network
	{
		var nrows, arows, mrows [][]cell
		for _, n := range r.Network {
			nrows = append(nrows, []cell{txt(n.Stack), txt(n.Resource), txt(n.What), txt(n.Exposure), mono(n.Through), txt(n.Note), st(n.Status)})
		}
		for _, a := range r.APIs {
			var stages []string
			for _, s := range a.Stages {
				stages = append(stages, fmt.Sprintf("%s: WAF %s, access logs %s, tracing %s, throttling %s", s.Name, dash(s.WAF), dash(s.AccessLogs), yesNo(s.Tracing), dash(s.Throttling)))
			}
			arows = append(arows, []cell{txt(a.Stack), txt(a.Resource), mono(a.Name), txt(a.Endpoint), txt(a.DefaultURL), list(stages), list(a.Domains), txt(fmt.Sprintf("%d of %d", a.Authorized, len(a.Methods))), st(a.Status)})
			for _, m := range a.Methods {
				mrows = append(mrows, []cell{txt(a.Stack + "/" + a.Resource), mono(m.HTTPMethod + " " + m.Path), txt(m.Authorization), txt(dash(m.Authorizer)), boolCell(m.APIKey), boolCell(m.Validator), txt(m.Integration), st(m.Status)})
			}
		}
		out = append(out, section{ID: "network", Title: "Network exposure", Intro: "What can be reached from the internet, and through what: REST APIs (endpoint type, WAF per stage, authorizer per method), load balancers, security groups with 0.0.0.0/0 or ::/0 ingress, the EKS endpoint, public IPs, gateways.",
			Tables: []table{
				{Title: "Exposure", CSV: "network.csv", Head: []string{"Stack", "Resource", "What", "Exposure", "Through", "Note", "Status"}, Rows: nrows},
				{Title: "REST APIs", Head: []string{"Stack", "API", "Name", "Endpoint", "execute-api endpoint", "Stages", "Custom domains", "Methods with authorizer", "Status"}, Rows: arows},
				{Title: "Methods", CSV: "api-methods.csv", Head: []string{"API", "Method", "Authorization", "Authorizer", "API key", "Request validator", "Integration", "Status"}, Rows: mrows},
			}})
	}

	// Logging and monitoring
	{
		var svc, tr, src, lg, al [][]cell
		for _, s := range r.Services {
			svc = append(svc, []cell{txt(s.Environment), txt(s.Service), boolCell(s.Present), txt(dash(s.Where)), txt(s.Detail), st(s.Status)})
		}
		for _, t := range r.Trails {
			tr = append(tr, []cell{txt(t.Stack), txt(t.Resource), boolCell(t.MultiRegion), boolCell(t.Validation), boolCell(t.GlobalEvents), boolCell(t.Logging), mono(dash(t.KMS)), txt(dash(t.CloudWatch)), txt(dash(t.Bucket)), mono(t.DataEvents), txt(dash(t.Insights)), st(t.Status)})
		}
		for _, l := range r.LogSources {
			src = append(src, []cell{txt(l.Stack), txt(l.Source), txt(l.Resource), mono(dash(l.Destination)), txt(l.Note), st(l.Status)})
		}
		for _, g := range r.LogGroups {
			lg = append(lg, []cell{txt(g.Stack), txt(g.Resource), mono(dash(g.Name)), txt(g.Retention), txt(g.Encryption), mono(dash(g.KeyAlias)), boolCell(g.Retained), st(g.Status)})
		}
		for _, a := range r.Alarms {
			al = append(al, []cell{txt(a.Stack), txt(a.Resource), mono(dash(a.Name)), mono(a.Metric), txt(a.Condition), txt(dash(a.Actions)), st(a.Status)})
		}
		out = append(out, section{ID: "logging", Title: "Logging and monitoring coverage", Intro: "Per environment: the audit trail and detective services; then every source that should log and where it logs; log groups with retention and encryption; alarms and their actions.",
			Tables: []table{
				{Title: "Services per environment", CSV: "monitoring.csv", Head: []string{"Environment", "Service", "Present", "Stacks", "Detail", "Status"}, Rows: svc},
				{Title: "CloudTrail trails", Head: []string{"Stack", "Trail", "Multi-region", "Log file validation", "Global events", "Logging", "KMS key", "CloudWatch Logs", "Bucket", "Data events", "Insights", "Status"}, Rows: tr},
				{Title: "Log sources", CSV: "log-sources.csv", Head: []string{"Stack", "Source", "Resource", "Destination", "Note", "Status"}, Rows: src},
				{Title: "Log groups", CSV: "log-groups.csv", Head: []string{"Stack", "Log group", "Name", "Retention (days)", "Encryption", "Key alias", "Retained", "Status"}, Rows: lg},
				{Title: "Alarms", CSV: "alarms.csv", Head: []string{"Stack", "Alarm", "Name", "Metric", "Condition", "Actions", "Status"}, Rows: al},
			}})
	}

	// Audit queries
	{
		var rows [][]cell
		for _, q := range r.AuditQueries {
			rows = append(rows, []cell{txt(q.Stack), mono(q.Name), txt(q.Answers), mono(q.WorkGroup), mono(q.Database), txt(q.Run), mono(q.SQL)})
		}
		out = append(out, section{ID: "audit-queries", Title: "Audit queries over CloudTrail (Athena)",
			Intro:  "Saved queries an auditor runs as they are, in each environment's Athena workgroup (configuration enforced, results encrypted with the workgroup's KMS key, kept 30 days). Who may run them: a role with the managed policy voicevault-<env>-audit-queries attached (the workgroup, the CloudTrail table, the trail bucket's CloudTrail prefix and key, the results bucket and key), or an administrator. Each query looks back 90 days (its partition filter on day); copy it and change the number to look further, up to the trail bucket's retention.",
			Tables: []table{{CSV: "audit-queries.csv", Head: []string{"Stack", "Query", "Answers", "Workgroup", "Database", "How to run", "SQL"}, Rows: rows}}})
	}

	// Data lifecycle
	{
		var rows [][]cell
		for _, b := range r.Buckets {
			retention := []string{"current: " + days(b.ExpireDays), "noncurrent: " + days(b.NoncurrentDays), "incomplete uploads: " + days(b.AbortDays)}
			protection := []string{"public access blocked: " + yesNo(b.PublicBlock), "TLS only: " + yesNo(b.TLSOnly), "object lock: " + b.ObjectLock, "encryption: " + dash(b.Encryption)}
			status := st(b.Status)
			if b.Problems != "" {
				status.List = strings.Split(b.Problems, "; ")
			}
			rows = append(rows, []cell{txt(b.Stack + "/" + b.Resource), mono(b.Name), txt(dash(b.Tenant)), txt(b.Versioning), list(retention), txt(dash(b.DeletionPolicy)), mono(dash(b.AccessLogs)), list(protection), txt(b.Erasure), status})
		}
		out = append(out, section{ID: "lifecycle", Title: "Data lifecycle", Intro: "Per bucket: retention (lifecycle expiry of current and noncurrent versions), versioning, deletion policy, where its access logs go, public access block, TLS-only policy, object lock, encryption, and the erasure path.",
			Tables: []table{{CSV: "buckets.csv", Head: []string{"Bucket", "Name", "Tenant", "Versioning", "Retention", "Deletion policy", "Access logs", "Protection", "Erasure", "Status"}, Rows: rows}}})
	}

	// Isolation
	{
		head := []string{"From ↓ can reach → "}
		for _, t := range r.Isolation.Tenants {
			head = append(head, t.Name+" ("+t.Environment+")")
		}
		var rows [][]cell
		for _, from := range r.Isolation.Tenants {
			row := []cell{txt(from.Name + " (" + from.Environment + ")")}
			for _, to := range r.Isolation.Tenants {
				if from.Stack == to.Stack {
					row = append(row, txt("—"))
					continue
				}
				c, _ := r.Isolation.Cell(from.Name, to.Name)
				if c.Reachable {
					row = append(row, cell{Status: Fail, Text: fmt.Sprintf("YES (%d)", len(c.Evidence))})
				} else {
					row = append(row, cell{Status: Pass, Text: "no"})
				}
			}
			rows = append(rows, row)
		}
		var pairs [][]cell
		for _, c := range r.Isolation.Cells {
			pairs = append(pairs, []cell{txt(c.From), txt(c.To), txt(map[bool]string{true: "yes", false: "no"}[c.Reachable]), list(c.Evidence)})
		}
		out = append(out, section{ID: "isolation", Title: "Tenant isolation matrix", Intro: fmt.Sprintf("For each pair of tenants, whether anything of the column tenant (bucket, key, role, namespace) is reachable by the row tenant: named in its template, covered by its wildcards, or admitted by the column tenant's resource policies. Every cell must be \"no\". Checker: %s.", r.Isolation.Checker),
			Tables: []table{{Head: head, Rows: rows}, {Title: "Pairs and evidence", CSV: "isolation.csv", Head: []string{"From", "To", "Reachable", "Evidence"}, Rows: pairs}}})
	}

	// Runtime access
	{
		ra := r.Access
		intro := "Not evaluated: the pack was built without the runtime flows (cdk.out/voicevault-flows.json)."
		var rows [][]cell
		if ra.Evaluated {
			intro = fmt.Sprintf("Every request the platform makes at run time (must-allow) and every request that must never succeed (must-deny), as the constructs declare them (flows.go in each construct package), evaluated by @cloud-copilot/iam-simulate with every policy layer IAM applies: the role's inline, customer managed and AWS managed policies (pinned copies), its permissions boundary, and the resource, key or trust policy. %d must-allow and %d must-deny flows, %d not as they must (fail), evaluated in %s. Deciding statements are layer, effect, policy[Sid].",
				ra.MustAllow, ra.MustDeny, ra.Failures, ra.Elapsed)
			for _, a := range ra.Rows {
				rows = append(rows, []cell{txt(a.Environment), txt(a.Owner), txt(a.Flow), txt(a.Expect), mono(a.Principal), mono(a.Action), mono(a.Resource), txt(a.Verdict), st(a.Status), list(a.Deciding)})
			}
		}
		out = append(out, section{ID: "access", Title: "Runtime access", Intro: intro,
			Tables: []table{{CSV: "runtime-access.csv", Head: []string{"Environment", "Construct", "Flow", "Must", "Principal", "Action", "Resource", "Verdict", "Status", "Deciding statements"}, Rows: rows}}})
	}

	// Compliance results
	{
		packs := map[string]*NagCount{}
		var order []string
		for i := range r.NagSummary {
			n := r.NagSummary[i]
			if packs[n.Pack] == nil {
				packs[n.Pack] = &NagCount{Pack: n.Pack}
				order = append(order, n.Pack)
			}
			p := packs[n.Pack]
			p.Compliant += n.Compliant
			p.NonCompliant += n.NonCompliant
			p.Suppressed += n.Suppressed
			p.Unknown += n.Unknown
		}
		sort.Strings(order)
		var totals, rows, frows, srows [][]cell
		for _, p := range order {
			n := packs[p]
			s := Pass
			if n.NonCompliant+n.Unknown > 0 {
				s = Fail
			}
			totals = append(totals, []cell{txt(p), num(n.Compliant), num(n.NonCompliant), num(n.Suppressed), num(n.Unknown), st(s)})
		}
		for _, n := range r.NagSummary {
			s := Pass
			if n.NonCompliant+n.Unknown > 0 {
				s = Fail
			}
			rows = append(rows, []cell{txt(n.Pack), txt(n.Stack), num(n.Rules), num(n.Compliant), num(n.NonCompliant), num(n.Suppressed), num(n.Unknown), st(s)})
		}
		for _, f := range r.NagFindings {
			frows = append(frows, []cell{txt(f.Pack), txt(f.Stack), txt(f.Resource), mono(f.Rule), txt(f.Compliance + " (" + f.Level + ")"), txt(f.Info)})
		}
		for _, s := range r.Suppress {
			srows = append(srows, []cell{txt(s.Stack), txt(s.Resource), mono(s.Rule), mono(dash(s.Finding)), txt(strings.Join(s.Packs, ", ")), txt(s.Reason), txt(dash(s.Owner)), st(s.Status)})
		}
		tables := []table{
			{Title: "Per pack", Head: []string{"Pack", "Compliant", "Non-compliant", "Suppressed", "Unknown", "Status"}, Rows: totals},
			{Title: "Per pack and stack", CSV: "nag-summary.csv", Head: []string{"Pack", "Stack", "Rules applied", "Compliant", "Non-compliant", "Suppressed", "Unknown", "Status"}, Rows: rows},
			{Title: "Suppressions", Note: "Suppressions are made only through stacks/compliance/registry.go, whose entries carry a reason and an owner; a suppression without an owner did not come from it and fails.", CSV: "suppressions.csv", Head: []string{"Stack", "Resource", "Rule", "Finding", "Packs", "Reason", "Owner", "Status"}, Rows: srows},
		}
		tables = append(tables, table{Title: "Unsuppressed findings", CSV: "nag-findings.csv", Head: []string{"Pack", "Stack", "Resource", "Rule", "Result", "Rule info"}, Rows: frows})
		if len(r.Errors) > 0 {
			var erows [][]cell
			for _, e := range r.Errors {
				erows = append(erows, []cell{txt(e)})
			}
			tables = append(tables, table{Title: "Synth errors", Head: []string{"Error"}, Rows: erows})
		}
		out = append(out, section{ID: "compliance", Title: "Compliance results", Intro: "cdk-nag results from the reports in the cloud assembly (a row is one rule applied to one resource): the four packs run on every synth, and any unsuppressed finding — error or warning — fails the synth.", Tables: tables})
	}
	return out
}

func days(d string) string {
	if d == "" {
		return "never expires"
	}
	return d + " days"
}
