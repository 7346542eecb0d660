package observability

import (
	"fmt"
	"regexp"
	"strings"
)

// TenantLogs routes one tenant namespace's container logs to the tenant's own log group.
type TenantLogs struct {
	Namespace    string // Required. A DNS-1123 label.
	LogGroupName string // Required. Created (encrypted, with retention) by the tenant's stack.
}

// Fluent Bit tags and routing (docs/tenant.md, "Pod logs"). The add-on's Fluent Bit reads every
// container's log file under /var/log/containers as tag application.<path>; the kubernetes filter
// adds the namespace; a rewrite_tag filter then moves the records of tenant namespaces to tag
// TenantTagPrefix<namespace> and drops the original, so each tenant's records reach exactly one
// output (its group) and the cluster's application group holds only the platform's pods.
const (
	ApplicationLogFile = "application-log.conf" // the add-on's Fluent Bit file this replaces
	ApplicationTag     = "application."
	TenantTagPrefix    = "tenant."
)

var reNamespace = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// TenantRule is the rewrite_tag rule's regular expression over the namespace name: exactly the
// tenant namespaces (Fluent Bit's Onigmo and Go's RE2 read it alike: no look-around).
func TenantRule(tenants []TenantLogs) string {
	ns := make([]string, len(tenants))
	for i, t := range tenants {
		ns[i] = regexp.QuoteMeta(t.Namespace)
	}
	return "^(" + strings.Join(ns, "|") + ")$"
}

// ApplicationLogConf is the Fluent Bit configuration of container logs: the add-on's inputs and
// kubernetes filter (amazon-cloudwatch-observability chart, containerLogs.fluentBit.config), then
// the tenant routing. Output groups are never created by Fluent Bit (auto_create_group false):
// the stacks create them encrypted, and the agent's role may not create groups.
func ApplicationLogConf(clusterGroup string, tenants []TenantLogs) (string, error) {
	if len(tenants) == 0 {
		return "", fmt.Errorf("no tenant to route")
	}
	seen := map[string]bool{}
	for _, t := range tenants {
		if !reNamespace.MatchString(t.Namespace) || t.LogGroupName == "" || strings.ContainsAny(t.LogGroupName, " \n\t$") {
			return "", fmt.Errorf("tenant logs %q → %q: namespace must be a DNS-1123 label and the log group a plain name", t.Namespace, t.LogGroupName)
		}
		if seen[t.Namespace] {
			return "", fmt.Errorf("namespace %q routed twice", t.Namespace)
		}
		seen[t.Namespace] = true
	}
	var b strings.Builder
	section := func(name string, kv ...string) {
		fmt.Fprintf(&b, "[%s]\n", name)
		for i := 0; i < len(kv); i += 2 {
			fmt.Fprintf(&b, "    %-22s %s\n", kv[i], kv[i+1])
		}
		b.WriteString("\n")
	}
	// Containers' logs; aws-node and kube-proxy are read by the add-on's dataplane-log.conf.
	section("INPUT", "Name", "tail", "Tag", ApplicationTag+"*",
		"Exclude_Path", "/var/log/containers/aws-node*, /var/log/containers/kube-proxy*",
		"Path", "/var/log/containers/*.log", "multiline.parser", "docker, cri",
		"DB", "/var/fluent-bit/state/flb_container.db", "Mem_Buf_Limit", "50MB", "Skip_Long_Lines", "On",
		"Refresh_Interval", "10", "Rotate_Wait", "30", "storage.type", "filesystem", "Read_from_Head", "${READ_FROM_HEAD}")
	section("FILTER", "Name", "kubernetes", "Match", ApplicationTag+"*",
		"Kube_URL", "https://kubernetes.default.svc:443", "Kube_Tag_Prefix", ApplicationTag+"var.log.containers.",
		"Merge_Log", "On", "Merge_Log_Key", "log_processed", "K8S-Logging.Parser", "On", "K8S-Logging.Exclude", "Off",
		"Labels", "Off", "Annotations", "Off", "Use_Kubelet", "On", "Kubelet_Port", "10250", "Buffer_Size", "0")
	section("FILTER", "Name", "rewrite_tag", "Match", ApplicationTag+"*",
		"Rule", "$kubernetes['namespace_name'] "+TenantRule(tenants)+" "+TenantTagPrefix+"$kubernetes['namespace_name'] false",
		"Emitter_Name", "tenant_router", "Emitter_Storage.type", "filesystem", "Emitter_Mem_Buf_Limit", "50MB")
	output := func(match, group string) {
		section("OUTPUT", "Name", "cloudwatch_logs", "Match", match, "region", "${AWS_REGION}",
			"log_group_name", group, "log_stream_prefix", "${HOST_NAME}-", "auto_create_group", "false", "extra_user_agent", "container-insights")
	}
	output(ApplicationTag+"*", clusterGroup)
	for _, t := range tenants {
		output(TenantTagPrefix+t.Namespace, t.LogGroupName)
	}
	return strings.TrimRight(b.String(), "\n") + "\n", nil
}
