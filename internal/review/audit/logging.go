package audit

import (
	"fmt"
	"sort"
	"strings"

	"github.com/voicevault/voicevault/internal/review/assembly"
)

// Trail is one CloudTrail trail.
type Trail struct {
	Stack        string `json:"stack"`
	Resource     string `json:"resource"`
	Name         string `json:"name"`
	MultiRegion  bool   `json:"multiRegion"`
	Validation   bool   `json:"logFileValidation"`
	GlobalEvents bool   `json:"globalServiceEvents"`
	Logging      bool   `json:"isLogging"`
	KMS          string `json:"kmsKey"`
	CloudWatch   string `json:"cloudWatchLogs"`
	Bucket       string `json:"bucket"`
	DataEvents   string `json:"dataEvents"`
	Insights     string `json:"insights"`
	Status       Status `json:"status"`
}

// LogGroup is one CloudWatch Logs log group.
type LogGroup struct {
	Stack      string `json:"stack"`
	Resource   string `json:"resource"`
	Name       string `json:"name"`
	Retention  string `json:"retentionDays"` // "never expires" when unset
	Encryption string `json:"encryption"`
	KeyAlias   string `json:"keyAlias"`
	Retained   bool   `json:"retained"`
	Status     Status `json:"status"`
}

// LogSource is one thing that should log, and where it logs to.
type LogSource struct {
	Stack       string `json:"stack"`
	Source      string `json:"source"`
	Resource    string `json:"resource"`
	Destination string `json:"destination"`
	Status      Status `json:"status"`
	Note        string `json:"note"`
}

// Alarm is one CloudWatch alarm.
type Alarm struct {
	Stack     string `json:"stack"`
	Resource  string `json:"resource"`
	Name      string `json:"name"`
	Metric    string `json:"metric"`
	Condition string `json:"condition"`
	Actions   string `json:"actions"`
	Status    Status `json:"status"`
}

// ServiceRow says whether an environment runs a monitoring service, and where.
type ServiceRow struct {
	Environment string `json:"environment"` // account/region
	Service     string `json:"service"`
	Present     bool   `json:"present"`
	Where       string `json:"where"`
	Detail      string `json:"detail"`
	Status      Status `json:"status"`
}

// EKSLogTypes are the control-plane log types a cluster must send.
var EKSLogTypes = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}

func (b *builder) logging() {
	for _, s := range b.a.Stacks {
		for _, r := range s.OfType("AWS::CloudTrail::Trail") {
			p := r.Properties
			t := Trail{Stack: s.Name, Resource: r.Label(), Name: render(p["TrailName"])}
			t.MultiRegion, _ = assembly.Bool(p["IsMultiRegionTrail"])
			t.Validation, _ = assembly.Bool(p["EnableLogFileValidation"])
			var set bool
			if t.GlobalEvents, set = assembly.Bool(p["IncludeGlobalServiceEvents"]); !set {
				t.GlobalEvents = true
			}
			t.Logging, _ = assembly.Bool(p["IsLogging"])
			if v, ok := p["KMSKeyId"]; ok {
				t.KMS = b.keyLabel(s, v)
			}
			t.CloudWatch = b.label(s, p["CloudWatchLogsLogGroupArn"])
			t.Bucket = b.label(s, p["S3BucketName"])
			t.DataEvents = dataEvents(p)
			for _, in := range assembly.List(p["InsightSelectors"]) {
				t.Insights = strings.TrimPrefix(t.Insights+", "+render(assembly.Get(in, "InsightType")), ", ")
			}
			t.Status = Pass
			if !t.MultiRegion || !t.Validation || !t.Logging || t.KMS == "" {
				t.Status = Fail
			}
			b.r.Trails = append(b.r.Trails, t)
			dest := t.Bucket
			if t.CloudWatch != "" {
				dest += " and " + t.CloudWatch
			}
			b.r.LogSources = append(b.r.LogSources, LogSource{Stack: s.Name, Source: "CloudTrail trail", Resource: r.Label(), Destination: dest, Status: t.Status})
		}
		for _, r := range s.OfType("AWS::Logs::LogGroup") {
			p := r.Properties
			lg := LogGroup{Stack: s.Name, Resource: r.Label(), Name: render(p["LogGroupName"]), Retention: render(p["RetentionInDays"]), Retained: r.Retained()}
			if lg.Retention == "" {
				lg.Retention = "never expires"
			}
			lg.Encryption = EncAWSOwned
			st := Fail
			if v, ok := p["KmsKeyId"]; ok {
				k := b.resolveKey(s, v)
				lg.Encryption = k.class
				if k.key != nil && len(k.key.Aliases) > 0 {
					lg.KeyAlias = k.key.Aliases[0]
				}
				switch {
				case k.class == EncCMK && k.key.Rotation:
					st = Pass
				case k.class == EncExtCMK:
					st = Warn
				}
			}
			if lg.Retention == "never expires" {
				st = worst(st, Warn)
			}
			lg.Status = st
			b.r.LogGroups = append(b.r.LogGroups, lg)
		}
		b.logSources(s)
		for _, r := range s.OfType("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm") {
			p := r.Properties
			a := Alarm{Stack: s.Name, Resource: r.Label(), Name: render(p["AlarmName"])}
			if ns := render(p["Namespace"]); ns != "" || p["MetricName"] != nil {
				a.Metric = ns + " " + render(p["MetricName"])
			} else if p["Metrics"] != nil {
				var ids []string
				for _, m := range assembly.List(p["Metrics"]) {
					if e := render(assembly.Get(m, "Expression")); e != "" {
						ids = append(ids, e)
					} else {
						ids = append(ids, render(assembly.Get(m, "MetricStat", "Metric", "Namespace"))+" "+render(assembly.Get(m, "MetricStat", "Metric", "MetricName")))
					}
				}
				a.Metric = strings.Join(ids, "; ")
			} else if rule := render(p["AlarmRule"]); rule != "" {
				a.Metric = "composite: " + rule
			}
			if op := render(p["ComparisonOperator"]); op != "" {
				a.Condition = fmt.Sprintf("%s %s for %s × %ss", op, render(p["Threshold"]), render(p["EvaluationPeriods"]), render(p["Period"]))
			}
			var acts []string
			for _, v := range assembly.List(p["AlarmActions"]) {
				acts = append(acts, b.label(s, v))
			}
			a.Actions = strings.Join(acts, ", ")
			a.Status = Pass
			if len(acts) == 0 {
				a.Status = Fail
			}
			b.r.Alarms = append(b.r.Alarms, a)
		}
	}
	b.services()
}

// label names what a value points at: the referenced resource's stack/label, else the value.
func (b *builder) label(s *assembly.Stack, v any) string {
	if v == nil {
		return ""
	}
	s, v = b.follow(s, v) // a value passed through an SSM parameter names the writer's resource
	if r, ok := s.Resource(assembly.RefTarget(v)); ok {
		return s.Name + "/" + r.Label()
	}
	return render(v)
}

// keyLabel names a key value: its alias (or stack/logical ID), else the value.
func (b *builder) keyLabel(s *assembly.Stack, v any) string {
	k := b.resolveKey(s, v)
	if k.key != nil {
		if len(k.key.Aliases) > 0 {
			return k.key.Aliases[0]
		}
		return k.key.Stack + "/" + k.key.ID
	}
	return k.raw
}

func dataEvents(p map[string]any) string {
	var out []string
	for _, es := range assembly.List(p["EventSelectors"]) {
		for _, dr := range assembly.List(assembly.Get(es, "DataResources")) {
			out = append(out, render(assembly.Get(dr, "Type"))+" "+render(assembly.Get(dr, "Values")))
		}
	}
	for _, as := range assembly.List(p["AdvancedEventSelectors"]) {
		var fs []string
		for _, f := range assembly.List(assembly.Get(as, "FieldSelectors")) {
			for _, op := range []string{"Equals", "StartsWith", "NotEquals", "NotStartsWith", "EndsWith", "NotEndsWith"} {
				if v := assembly.Get(f, op); v != nil {
					fs = append(fs, render(assembly.Get(f, "Field"))+" "+op+" "+render(v))
				}
			}
		}
		name := render(assembly.Get(as, "Name"))
		if name != "" {
			name += ": "
		}
		out = append(out, name+strings.Join(fs, " and "))
	}
	if len(out) == 0 {
		return "none (management events only)"
	}
	return strings.Join(out, "; ")
}

func (b *builder) logSources(s *assembly.Stack) {
	add := func(src string, r *assembly.Resource, dest string, st Status, note string) {
		b.r.LogSources = append(b.r.LogSources, LogSource{Stack: s.Name, Source: src, Resource: r.Label(), Destination: dest, Status: st, Note: note})
	}
	for _, r := range s.OfType("AWS::ApiGateway::Stage") {
		dest := b.label(s, assembly.Get(r.Properties, "AccessLogSetting", "DestinationArn"))
		st := Pass
		if dest == "" {
			st = Fail
		}
		note := "JSON access log format"
		if f := render(assembly.Get(r.Properties, "AccessLogSetting", "Format")); f != "" && !strings.HasPrefix(strings.TrimSpace(f), "{") {
			note = "access log format is not JSON"
			st = worst(st, Warn)
		}
		add("API Gateway stage access logs", r, dest, st, note)
	}
	for _, r := range s.OfType("AWS::WAFv2::WebACL") {
		dest := ""
		for _, lc := range s.OfType("AWS::WAFv2::LoggingConfiguration") {
			if assembly.RefTarget(lc.Properties["ResourceArn"]) == r.ID {
				var ds []string
				for _, d := range assembly.List(lc.Properties["LogDestinationConfigs"]) {
					ds = append(ds, b.label(s, d))
				}
				dest = strings.Join(ds, ", ")
			}
		}
		st := Pass
		if dest == "" {
			st = Fail
		}
		add("WAF web ACL logging", r, dest, st, "")
	}
	for _, r := range s.OfType("AWS::EKS::Cluster") {
		var on []string
		for _, t := range assembly.List(assembly.Get(r.Properties, "Logging", "ClusterLogging", "EnabledTypes")) {
			on = append(on, render(assembly.Get(t, "Type")))
		}
		var missing []string
		for _, t := range EKSLogTypes {
			if !contains(on, t) {
				missing = append(missing, t)
			}
		}
		st, note := Pass, ""
		if len(missing) > 0 {
			st, note = Fail, "missing: "+strings.Join(missing, ", ")
		}
		add("EKS control-plane logs", r, "CloudWatch Logs /aws/eks/"+render(r.Properties["Name"])+"/cluster: "+strings.Join(on, ", "), st, note)
	}
	for _, r := range s.OfType("AWS::EC2::VPC") {
		var fl []string
		all := false
		for _, f := range s.OfType("AWS::EC2::FlowLog") {
			ids := append(assembly.List(f.Properties["ResourceId"]), assembly.List(f.Properties["ResourceIds"])...)
			for _, id := range ids {
				if assembly.RefTarget(id) != r.ID {
					continue
				}
				tt := render(f.Properties["TrafficType"])
				dest := render(f.Properties["LogDestinationType"])
				if dest == "" {
					dest = "cloud-watch-logs"
				}
				target := b.label(s, f.Properties["LogDestination"])
				if target == "" {
					target = b.label(s, f.Properties["LogGroupName"])
				}
				fl = append(fl, tt+" → "+dest+" "+target)
				if tt == "ALL" {
					all = true
				}
			}
		}
		st, note := Pass, ""
		if len(fl) == 0 {
			st, note = Fail, "no flow log"
		} else if !all {
			st, note = Warn, "not all traffic"
		}
		add("VPC flow logs", r, strings.Join(fl, "; "), st, note)
	}
	for _, r := range s.OfType("AWS::Lambda::Function") {
		dest := b.label(s, assembly.Get(r.Properties, "LoggingConfig", "LogGroup"))
		st, note := Pass, ""
		if dest == "" {
			dest, st, note = "/aws/lambda/"+render(r.Properties["FunctionName"]), Warn, "default log group, created on first run: no retention or KMS key from the template"
		}
		add("Lambda function logs", r, dest, st, note)
	}
	for _, r := range s.OfType("AWS::ElasticLoadBalancingV2::LoadBalancer") {
		on, dest := false, ""
		for _, a := range assembly.List(r.Properties["LoadBalancerAttributes"]) {
			switch render(assembly.Get(a, "Key")) {
			case "access_logs.s3.enabled":
				on, _ = assembly.Bool(assembly.Get(a, "Value"))
			case "access_logs.s3.bucket":
				dest = render(assembly.Get(a, "Value"))
			}
		}
		st := Pass
		if !on {
			st, dest = Warn, "access logs off"
		}
		add("Load balancer access logs", r, dest, st, "")
	}
}

// monitoring services by resource type
var serviceTypes = []struct {
	name   string
	types  []string
	absent Status
}{
	{"CloudTrail", []string{"AWS::CloudTrail::Trail"}, Fail},
	{"GuardDuty", []string{"AWS::GuardDuty::Detector"}, Warn},
	{"Security Hub", []string{"AWS::SecurityHub::Hub", "AWS::SecurityHub::HubV2"}, Warn},
	{"AWS Config", []string{"AWS::Config::ConfigurationRecorder", "AWS::Config::ConfigRule"}, Warn},
	{"IAM Access Analyzer", []string{"AWS::AccessAnalyzer::Analyzer"}, Warn},
	{"Macie", []string{"AWS::Macie::Session"}, Warn},
	{"Findings to alarms (EventBridge)", []string{"AWS::Events::Rule"}, Warn},
	{"Alarm notifications (SNS)", []string{"AWS::SNS::Subscription", "AWS::SNS::Topic"}, Warn},
}

func (b *builder) services() {
	envs := map[string][]*assembly.Stack{}
	var order []string
	for _, s := range b.a.Stacks {
		e := s.Account + "/" + s.Region
		if envs[e] == nil {
			order = append(order, e)
		}
		envs[e] = append(envs[e], s)
	}
	sort.Strings(order)
	for _, e := range order {
		name := ""
		for _, s := range envs[e] {
			if k, env, _ := stackKind(s); k == "platform" {
				name = env + " (" + e + ")"
			}
		}
		if name == "" {
			// No environment lives here, only a companion stack of one in another Region (the
			// <env>-costs stack in us-east-1): the environment's multi-region trail and its
			// account-level services watch it; it is not an environment of its own.
			continue
		}
		for _, svc := range serviceTypes {
			row := ServiceRow{Environment: name, Service: svc.name}
			var where, detail []string
			for _, s := range envs[e] {
				for _, r := range s.OfType(svc.types...) {
					d := serviceDetail(svc.name, r)
					if d == "-" {
						continue
					}
					row.Present = true
					if !contains(where, s.Name) {
						where = append(where, s.Name)
					}
					if d != "" {
						detail = append(detail, d)
					}
				}
			}
			row.Where, row.Detail = strings.Join(where, ", "), strings.Join(detail, "; ")
			row.Status = Pass
			if !row.Present {
				row.Status = svc.absent
				row.Detail = "not in these templates"
				if svc.absent == Warn {
					row.Detail += " (an organization's delegated administrator may run it: verify outside the templates)"
				}
			}
			b.r.Services = append(b.r.Services, row)
		}
	}
}

// serviceDetail describes one monitoring resource; "-" means it does not count.
func serviceDetail(service string, r *assembly.Resource) string {
	p := r.Properties
	switch service {
	case "GuardDuty":
		var on []string
		for _, f := range assembly.List(p["Features"]) {
			if render(assembly.Get(f, "Status")) == "ENABLED" {
				on = append(on, render(assembly.Get(f, "Name")))
			}
		}
		if len(on) == 0 {
			return r.Label()
		}
		return r.Label() + ": " + strings.Join(on, ", ")
	case "AWS Config":
		if r.Type == "AWS::Config::ConfigRule" {
			return "rule " + render(assembly.Get(p, "Source", "SourceIdentifier"))
		}
		return "recorder " + r.Label()
	case "Findings to alarms (EventBridge)":
		src := render(assembly.Get(p, "EventPattern", "source"))
		if src == "" || len(assembly.List(p["Targets"])) == 0 {
			return "-"
		}
		return src
	case "Alarm notifications (SNS)":
		if r.Type == "AWS::SNS::Topic" {
			if len(assembly.List(p["Subscription"])) == 0 {
				return "-"
			}
			return r.Label()
		}
		return render(p["Protocol"]) + " subscription"
	}
	return r.Label()
}
