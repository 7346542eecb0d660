package podscaler

import (
	"github.com/voicevault/voicevault/internal/flowscope"
	"github.com/voicevault/voicevault/internal/review/access"
	"github.com/voicevault/voicevault/naming"
)

// Flows are the pod scaler's AWS requests: its role and its log group, and nothing of the tenant's
// data, keys or cluster API (its Kubernetes rights come from the access entry and the namespace's
// Role; the cluster's endpoint and CA from the platform's SSM contract). key is the tenant key
// (${STACK/ID}).
func Flows(s flowscope.Scope, key string) []access.Flow {
	e, t := s.Env, s.Tenant
	role := s.Res("Role")
	group := naming.PodScalerLogGroup(e.Name, t.Name)
	bucket := e.Names().AudioBucket(t.Name)
	out := []access.Flow{
		{Owner: "podscaler", Name: "Lambda assumes the pod scaler role", Principal: "lambda.amazonaws.com", Action: "sts:AssumeRole", Resource: role, Expect: access.Allow},
		{Owner: "podscaler", Name: "the pod scaler attaches to the VPC", Principal: role, Action: "ec2:CreateNetworkInterface",
			Resource: s.ARN("ec2", "network-interface/eni-0123456789abcdef0"), Expect: access.Allow},
		{Owner: "podscaler", Name: "the pod scaler writes its logs", Principal: role, Action: "logs:PutLogEvents", Resource: s.LogStreamARN(group, "2026/12/02/[$LATEST]abc"), Expect: access.Allow},
		{Owner: "podscaler", Name: "the pod scaler reads a voice", Principal: role, Action: "s3:GetObject", Resource: access.BucketARN(bucket, "voices/v1.wav"), Expect: access.Deny,
			Why: "it reads the pods' metrics, never the tenant's audio"},
		{Owner: "podscaler", Name: "the pod scaler decrypts with the tenant key", Principal: role, Action: "kms:Decrypt", Resource: key,
			Context: map[string]string{"kms:ViaService": s.Via("s3"), "kms:EncryptionContext:aws:s3:arn": access.BucketARN(bucket)}, Expect: access.Deny, Why: "no key use at all"},
		{Owner: "podscaler", Name: "the pod scaler describes the cluster", Principal: role, Action: "eks:DescribeCluster", Resource: s.ARN("eks", "cluster/"+naming.Cluster(e.Name)), Expect: access.Deny,
			Why: "endpoint and CA come from the platform's SSM contract; Kubernetes rights from the access entry"},
		{Owner: "podscaler", Name: "the pod scaler silences its errors alarm", Principal: role, Action: "cloudwatch:DisableAlarmActions",
			Resource: s.ARN("cloudwatch", "alarm:"+naming.TenantPrefix(e.Name, t.Name)+"-pod-scaler-errors"), Expect: access.Deny,
			Why: "no CloudWatch API at all: the load signal is the pods' own /metrics, read in the VPC"},
		{Owner: "podscaler", Name: "the pod scaler deletes its log group", Principal: role, Action: "logs:DeleteLogGroup", Resource: s.LogGroupARN(group), Expect: access.Deny,
			Why: "it only writes"},
	}
	out = append(out, s.LogsEncrypt("podscaler", "the pod scaler's log group", key, group)...)
	for _, o := range s.Others {
		out = append(out, access.Flow{Owner: "podscaler", Name: "the pod scaler writes to tenant " + o.Name + "'s pod scaler log", Principal: role, Action: "logs:PutLogEvents",
			Resource: s.LogStreamARN(naming.PodScalerLogGroup(e.Name, o.Name), "2026/12/02/[$LATEST]abc"), Expect: access.Deny, Why: "tenant isolation: another tenant's log group"})
	}
	return out
}
