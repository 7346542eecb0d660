package posture

import (
	"github.com/voicevault/voicevault/internal/flowscope"
	"github.com/voicevault/voicevault/internal/review/access"
	"github.com/voicevault/voicevault/naming"
)

// Flows are the requests of the posture services: the AWS Config recorder (its role carries the
// AWS managed AWS_ConfigRole) reads the configuration of every resource type the environment's
// rules evaluate and delivers to its encrypted bucket; Macie (its service-linked role) inventories
// the tenant buckets. recorder and macie say which of them the environment runs.
func Flows(s flowscope.Scope, recorder, macie bool) []access.Flow {
	var out []access.Flow
	if recorder {
		role := s.Res("ConfigRole")
		key := s.Res("ConfigKey")
		reads := []struct{ what, action, resource string }{
			{"IAM roles", "iam:GetRole", "arn:aws:iam::" + s.Env.Account + ":role/" + naming.WorkloadRole(s.Env.Name, "x")},
			{"IAM policies", "iam:GetPolicy", "arn:aws:iam::" + s.Env.Account + ":policy/" + naming.BoundaryPolicy(s.Env.Name)},
			{"CloudTrail trails", "cloudtrail:GetTrailStatus", s.ARN("cloudtrail", "trail/voicevault-"+s.Env.Name)},
			{"API Gateway REST APIs", "apigateway:GET", "arn:aws:apigateway:" + s.Env.Region + "::/restapis/abc123"},
			{"GuardDuty detectors", "guardduty:GetDetector", s.ARN("guardduty", "detector/abc")},
			{"Security Hub", "securityhub:DescribeHub", s.ARN("securityhub", "hub/default")},
			{"Route 53 Resolver firewall rule groups", "route53resolver:GetFirewallRuleGroup", s.ARN("route53resolver", "firewall-rule-group/rslvr-frg-abc")},
			{"EKS clusters", "eks:DescribeCluster", s.ARN("eks", "cluster/"+naming.Cluster(s.Env.Name))},
			{"KMS keys", "kms:GetKeyRotationStatus", access.In(s.Stack, "PlatformKey")},
		}
		out = append(out,
			access.Flow{Owner: "posture", Name: "AWS Config assumes the recorder role", Principal: "config.amazonaws.com", Action: "sts:AssumeRole", Resource: role,
				Context: map[string]string{"aws:SourceAccount": s.Env.Account}, Expect: access.Allow},
			access.Flow{Owner: "posture", Name: "AWS Config delivers a configuration snapshot", Principal: role, Action: "s3:PutObject",
				Resource: s.Res("ConfigBucket") + "/AWSLogs/" + s.Env.Account + "/Config/" + s.Env.Region + "/x.json.gz", Expect: access.Allow},
			access.Flow{Owner: "posture", Name: "AWS Config encrypts a delivery through S3", Principal: role, Action: "kms:GenerateDataKey", Resource: key,
				Context: map[string]string{"kms:ViaService": s.Via("s3")}, Expect: access.Allow},
			access.Flow{Owner: "posture", Name: "the recorder role stops the recorder", Principal: role, Action: "config:StopConfigurationRecorder",
				Resource: s.ARN("config", "configuration-recorder/voicevault-"+s.Env.Name+"/abc"), Expect: access.Deny, Why: "runtime roles never switch detective controls off"},
		)
		for _, r := range reads {
			out = append(out, access.Flow{Owner: "posture", Name: "AWS Config records " + r.what, Principal: role, Action: r.action, Resource: r.resource, Expect: access.Allow})
		}
	}
	if macie {
		var slr string
		for _, r := range access.ServiceLinkedRoles {
			if r.Name == "AWSServiceRoleForAmazonMacie" {
				slr = access.ServiceLinkedRoleARN(s.Env.Account, r)
			}
		}
		out = append(out, access.Flow{Owner: "posture", Name: "Macie lists the buckets", Principal: slr, Action: "s3:ListAllMyBuckets", Resource: "*", Expect: access.Allow})
		for _, t := range s.Others {
			bucket := s.Env.Names().AudioBucket(t.Name)
			out = append(out,
				access.Flow{Owner: "posture", Name: "Macie reads tenant " + t.Name + "'s bucket policy", Principal: slr, Action: "s3:GetBucketPolicy", Resource: access.BucketARN(bucket), Expect: access.Allow},
				// Macie's AWS managed policy allows s3:GetObject on every bucket; the audio stays
				// unreadable to it because the tenant key does not serve it.
				access.Flow{Owner: "posture", Name: "Macie's service role decrypts tenant " + t.Name + "'s audio", Principal: slr, Action: "kms:Decrypt", Resource: access.In(naming.TenantStack(s.Env.Name, t.Name), "TenantKey"),
					Context: map[string]string{"kms:ViaService": s.Via("s3"), "kms:EncryptionContext:aws:s3:arn": access.BucketARN(bucket)}, Expect: access.Deny,
					Why: "only the tenant's roles decrypt its audio"},
			)
		}
	}
	return out
}
