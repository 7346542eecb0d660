package observability

import (
	"strings"

	"github.com/voicevault/voicevault/internal/flowscope"
	"github.com/voicevault/voicevault/internal/review/access"
	"github.com/voicevault/voicevault/naming"
)

// TenantLogFlow is a tenant's pod log group and the tenant key (${STACK/ID}) that encrypts it.
type TenantLogFlow struct{ Group, Key string }

// Flows are the CloudWatch agent's requests: Pod Identity gives it its role only in its own
// namespace and service account, and the role writes its Container Insights groups and the
// tenants' pod log groups, and nothing else. key is the platform key (${STACK/ID}).
func Flows(s flowscope.Scope, clusterName, key string, tenants []TenantLogFlow) []access.Flow {
	role := s.Res("AgentRole")
	tags := func(ns, sa string) map[string]string {
		return map[string]string{"aws:RequestTag/eks-cluster-name": clusterName, "aws:RequestTag/kubernetes-namespace": ns, "aws:RequestTag/kubernetes-service-account": sa}
	}
	out := []access.Flow{
		{Owner: "observability", Name: "Pod Identity assumes the CloudWatch agent role for amazon-cloudwatch/cloudwatch-agent", Principal: "pods.eks.amazonaws.com", Action: "sts:AssumeRole", Resource: role,
			Context: tags(Namespace, ServiceAccount), Expect: access.Allow},
		{Owner: "observability", Name: "a tenant pod gets the CloudWatch agent role", Principal: "pods.eks.amazonaws.com", Action: "sts:AssumeRole", Resource: role,
			Context: tags("tenant-x", "tts"), Expect: access.Deny, Why: "the agent role serves amazon-cloudwatch/cloudwatch-agent only"},
		{Owner: "observability", Name: "the CloudWatch agent writes Container Insights performance logs", Principal: role, Action: "logs:PutLogEvents",
			Resource: s.LogStreamARN(naming.ContainerInsightsLogGroup(clusterName, "performance"), "ip-10-0-0-1"), Expect: access.Allow},
		{Owner: "observability", Name: "the CloudWatch agent creates a log group", Principal: role, Action: "logs:CreateLogGroup",
			Resource: s.LogGroupARN(naming.ContainerInsightsLogGroup(clusterName, "other")), Expect: access.Deny, Why: "its groups are created encrypted by the stack"},
		{Owner: "observability", Name: "the CloudWatch agent writes the trail's log group", Principal: role, Action: "logs:PutLogEvents",
			Resource: s.LogStreamARN("/voicevault/"+s.Env.Name+"/cloudtrail", "x"), Expect: access.Deny, Why: "the agent writes its own groups only"},
	}
	for _, t := range tenants {
		out = append(out, access.Flow{Owner: "observability", Name: "Fluent Bit writes a tenant's pod logs to " + t.Group, Principal: role, Action: "logs:PutLogEvents",
			Resource: s.LogStreamARN(t.Group, "ip-10-0-0-1-application.var.log.containers.tts"), Expect: access.Allow})
		out = append(out, access.Flow{Owner: "observability", Name: "Fluent Bit creates a tenant's pod log group " + t.Group, Principal: role, Action: "logs:CreateLogGroup",
			Resource: s.LogGroupARN(t.Group), Expect: access.Deny, Why: "the tenant stack creates it encrypted with the tenant key"})
		out = append(out, access.Flow{Owner: "observability", Name: "Fluent Bit writes the tenant's authorizer log beside " + t.Group, Principal: role, Action: "logs:PutLogEvents",
			Resource: s.LogStreamARN(strings.TrimSuffix(t.Group, "/pods")+"/authorizer", "x"), Expect: access.Deny, Why: "the pattern admits the tenants' pod groups only"})
		out = append(out, s.LogsEncrypt("observability", "the pod logs "+t.Group, t.Key, t.Group)...)
	}
	for _, kind := range LogGroupKinds {
		out = append(out, s.LogsEncrypt("observability", "the Container Insights "+kind, key, naming.ContainerInsightsLogGroup(clusterName, kind))...)
	}
	return out
}
