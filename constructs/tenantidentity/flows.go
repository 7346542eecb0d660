package tenantidentity

import (
	"github.com/voicevault/voicevault/internal/flowscope"
	"github.com/voicevault/voicevault/internal/review/access"
	"github.com/voicevault/voicevault/naming"
)

// Flows are the requests of the tenant's TTS pods (through Pod Identity): read, write and delete
// the voices under the tenant's prefix, through the tenant key by S3 only — and never another
// tenant's bucket, key or namespace. key is the tenant key (${STACK/ID}).
func Flows(s flowscope.Scope, key string) []access.Flow {
	t, e := s.Tenant, s.Env
	role := s.Res("Role")
	bucket := e.Names().AudioBucket(t.Name)
	obj := access.BucketARN(bucket, "voices/v1.wav")
	viaS3 := map[string]string{"kms:ViaService": s.Via("s3"), "kms:EncryptionContext:aws:s3:arn": access.BucketARN(bucket)}
	// Pods reach S3 through the VPC's gateway endpoint: their requests carry aws:SourceVpc, the
	// platform's VPC (the SSM parameter tenant stacks read it from), which the audio bucket
	// requires for data access.
	vpc := access.SSMParam(naming.Param(e.Name, naming.ParamVPCID))
	inVPC := func(extra map[string]string) map[string]string {
		out := map[string]string{"aws:SourceVpc": vpc}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	out := []access.Flow{
		{Owner: "tenantidentity", Name: "Pod Identity assumes the TTS role for " + naming.Namespace(t.Name) + "/tts", Principal: "pods.eks.amazonaws.com", Action: "sts:AssumeRole", Resource: role,
			Context: map[string]string{"aws:SourceAccount": e.Account, "aws:RequestTag/eks-cluster-name": naming.Cluster(e.Name),
				"aws:RequestTag/kubernetes-namespace": naming.Namespace(t.Name), "aws:RequestTag/kubernetes-service-account": "tts"}, Expect: access.Allow},
		{Owner: "tenantidentity", Name: "TTS pods read a voice", Principal: role, Action: "s3:GetObject", Resource: obj, Context: inVPC(nil), Expect: access.Allow},
		{Owner: "tenantidentity", Name: "TTS pods write a voice, SSE-KMS with the tenant key", Principal: role, Action: "s3:PutObject", Resource: obj,
			Context: inVPC(map[string]string{"s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": key}), Expect: access.Allow},
		{Owner: "tenantidentity", Name: "TTS pods delete a voice", Principal: role, Action: "s3:DeleteObject", Resource: obj, Context: inVPC(nil), Expect: access.Allow},
		{Owner: "tenantidentity", Name: "TTS pods list their voices", Principal: role, Action: "s3:ListBucket", Resource: access.BucketARN(bucket),
			Context: inVPC(map[string]string{"s3:prefix": "voices/"}), Expect: access.Allow},
		{Owner: "tenantidentity", Name: "the TTS role's credentials read a voice from outside the VPC", Principal: role, Action: "s3:GetObject", Resource: obj, Expect: access.Deny,
			Why: "audio data only through the environment's VPC (bucket policy)"},
		{Owner: "tenantidentity", Name: "TTS pods decrypt a voice through S3", Principal: role, Action: "kms:Decrypt", Resource: key, Context: viaS3, Expect: access.Allow},
		{Owner: "tenantidentity", Name: "TTS pods encrypt a voice through S3", Principal: role, Action: "kms:GenerateDataKey", Resource: key, Context: viaS3, Expect: access.Allow},
		{Owner: "tenantidentity", Name: "TTS pods read outside their prefix", Principal: role, Action: "s3:GetObject", Resource: access.BucketARN(bucket, "other/x"), Context: inVPC(nil), Expect: access.Deny,
			Why: "the role is scoped to the voices/ prefix"},
		{Owner: "tenantidentity", Name: "TTS pods write without SSE-KMS", Principal: role, Action: "s3:PutObject", Resource: obj,
			Context: inVPC(map[string]string{"s3:x-amz-server-side-encryption": "AES256"}), Expect: access.Deny, Why: "the bucket policy requires the tenant key"},
		{Owner: "tenantidentity", Name: "TTS pods read over plain HTTP", Principal: role, Action: "s3:GetObject", Resource: obj,
			Context: inVPC(map[string]string{"aws:SecureTransport": "false"}), Expect: access.Deny, Why: "the bucket policy denies insecure transport"},
		{Owner: "tenantidentity", Name: "TTS pods decrypt with the tenant key directly", Principal: role, Action: "kms:Decrypt", Resource: key,
			Context: map[string]string{"kms:EncryptionContext:aws:s3:arn": access.BucketARN(bucket)}, Expect: access.Deny, Why: "the key serves the role through S3 only"},
		{Owner: "tenantidentity", Name: "TTS pods blind the trail", Principal: role, Action: "cloudtrail:StopLogging", Resource: s.ARN("cloudtrail", "trail/voicevault-"+e.Name), Expect: access.Deny,
			Why: "runtime roles never switch detective controls off"},
	}
	for _, o := range s.Others {
		ob := e.Names().AudioBucket(o.Name)
		other := naming.TenantStack(e.Name, o.Name)
		out = append(out,
			access.Flow{Owner: "tenantidentity", Name: "TTS pods read tenant " + o.Name + "'s voice", Principal: role, Action: "s3:GetObject", Resource: access.BucketARN(ob, "voices/v1.wav"),
				Context: inVPC(nil), Expect: access.Deny, Why: "tenant isolation: another tenant's bucket"},
			access.Flow{Owner: "tenantidentity", Name: "TTS pods delete tenant " + o.Name + "'s voice", Principal: role, Action: "s3:DeleteObject", Resource: access.BucketARN(ob, "voices/v1.wav"),
				Context: inVPC(nil), Expect: access.Deny, Why: "tenant isolation: another tenant's bucket"},
			access.Flow{Owner: "tenantidentity", Name: "TTS pods decrypt with tenant " + o.Name + "'s key", Principal: role, Action: "kms:Decrypt", Resource: access.In(other, "TenantKey"),
				Context: map[string]string{"kms:ViaService": s.Via("s3"), "kms:EncryptionContext:aws:s3:arn": access.BucketARN(ob), "kms:ResourceAliases": "alias/" + naming.TenantKeyAlias(e.Name, o.Name)},
				Expect:  access.Deny, Why: "tenant isolation: another tenant's key"},
			access.Flow{Owner: "tenantidentity", Name: "Pod Identity gives tenant " + o.Name + "'s pods this tenant's role", Principal: "pods.eks.amazonaws.com", Action: "sts:AssumeRole", Resource: role,
				Context: map[string]string{"aws:SourceAccount": e.Account, "aws:RequestTag/eks-cluster-name": naming.Cluster(e.Name),
					"aws:RequestTag/kubernetes-namespace": naming.Namespace(o.Name), "aws:RequestTag/kubernetes-service-account": "tts"}, Expect: access.Deny, Why: "tenant isolation: another tenant's namespace"},
		)
	}
	return out
}
