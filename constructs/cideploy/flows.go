package cideploy

import (
	"github.com/voicevault/voicevault/internal/flowscope"
	"github.com/voicevault/voicevault/internal/review/access"
	"github.com/voicevault/voicevault/naming"
)

// ExecutionRole is the CloudFormation execution role `cdk bootstrap` creates for the environment:
// its policies are the delivery stack's execution policies, its boundary the environment's.
func ExecutionRole(e Target) access.ExternalRole {
	r := access.ExternalRole{ARN: e.ExecutionRoleARN(), Label: naming.BootstrapRole(e.Qualifier, naming.BootstrapExecutionRole, e.Account, e.Region),
		Boundary: naming.BoundaryPolicy(e.Name)}
	for n := 1; n <= naming.ExecutionPolicyCount; n++ {
		r.Policies = append(r.Policies, naming.ExecutionPolicy(e.Name, n))
	}
	return r
}

// Flows are the requests the delivery roles must never succeed in: the GitHub deploy and diff
// roles and the CloudFormation execution role deploy and read templates, never tenant data
// (audio objects, decryption with a tenant key, a tenant's API key secret) — and the one
// data-plane-adjacent call the execution role does make: encrypting a tenant's new API key
// secret through Secrets Manager when it creates it. tenants are the environment's tenants.
func Flows(s flowscope.Scope, e Target, tenants []flowscope.Tenant) []access.Flow {
	exec := e.ExecutionRoleARN()
	names := naming.Env{Name: e.Name, Account: e.Account, Region: e.Region}
	roles := []struct{ name, arn string }{
		{"the GitHub deploy role", s.Res("DeployRole")},
		{"the GitHub diff role", s.Res("DiffRole")},
		{"the CloudFormation execution role", exec},
	}
	var out []access.Flow
	for _, t := range tenants {
		stack := naming.TenantStack(e.Name, t.Name)
		bucket := names.AudioBucket(t.Name)
		key := access.In(stack, "TenantKey")
		secret := s.ARN("secretsmanager", "secret:"+naming.APIKeySecret(e.Name, t.Name)+"-"+access.SecretSuffix)
		for _, r := range roles {
			out = append(out,
				access.Flow{Owner: "cideploy", Name: r.name + " reads tenant " + t.Name + "'s audio", Principal: r.arn, Action: "s3:GetObject",
					Resource: access.BucketARN(bucket, "voices/v1.wav"), Expect: access.Deny, Why: "deploy roles never touch tenant data"},
				access.Flow{Owner: "cideploy", Name: r.name + " decrypts with tenant " + t.Name + "'s key through S3", Principal: r.arn, Action: "kms:Decrypt", Resource: key,
					Context: map[string]string{"kms:ViaService": s.Via("s3"), "kms:EncryptionContext:aws:s3:arn": access.BucketARN(bucket)}, Expect: access.Deny,
					Why: "deploy roles never touch tenant data"},
			)
			if t.APIKeys {
				out = append(out, access.Flow{Owner: "cideploy", Name: r.name + " decrypts tenant " + t.Name + "'s API key secret", Principal: r.arn, Action: "kms:Decrypt", Resource: key,
					Context: map[string]string{"kms:ViaService": s.Via("secretsmanager"), "kms:EncryptionContext:SecretARN": secret}, Expect: access.Deny,
					Why: "only the tenant's authorizer reads its API key secret"})
			}
		}
		if t.APIKeys {
			out = append(out, access.Flow{Owner: "cideploy", Name: "CloudFormation encrypts tenant " + t.Name + "'s new API key secret", Principal: exec, Action: "kms:GenerateDataKey", Resource: key,
				Context: map[string]string{"kms:ViaService": s.Via("secretsmanager"), "kms:EncryptionContext:SecretARN": secret}, Expect: access.Allow})
		}
	}
	return out
}
