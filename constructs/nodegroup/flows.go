package nodegroup

import (
	"github.com/voicevault/voicevault/internal/flowscope"
	"github.com/voicevault/voicevault/internal/review/access"
)

// Flows are the requests of a node group: its nodes (AWS managed worker and ECR pull policies)
// join the cluster, pull the model image and run the Pod Identity agent; EC2 Auto Scaling, through
// its service-linked role, launches them with volumes encrypted with the platform key. key is
// the platform key (${STACK/ID}), cluster the cluster (${STACK/ID}), repository an ECR repository
// ARN the nodes pull from.
func Flows(s flowscope.Scope, key, cluster, repository string) []access.Flow {
	role := s.Res("NodeRole")
	var autoscaling string
	for _, r := range access.ServiceLinkedRoles {
		if r.Name == "AWSServiceRoleForAutoScaling" {
			autoscaling = access.ServiceLinkedRoleARN(s.Env.Account, r)
		}
	}
	viaEC2 := map[string]string{"kms:ViaService": s.Via("ec2")}
	out := []access.Flow{
		{Owner: "nodegroup", Name: s.ID + ": EC2 assumes the node role", Principal: "ec2.amazonaws.com", Action: "sts:AssumeRole", Resource: role, Expect: access.Allow},
		{Owner: "nodegroup", Name: s.ID + ": nodes find the cluster", Principal: role, Action: "eks:DescribeCluster", Resource: cluster, Expect: access.Allow},
		{Owner: "nodegroup", Name: s.ID + ": the Pod Identity agent exchanges a pod's token", Principal: role, Action: "eks-auth:AssumeRoleForPodIdentity", Resource: cluster, Expect: access.Allow},
		{Owner: "nodegroup", Name: s.ID + ": nodes get an ECR token", Principal: role, Action: "ecr:GetAuthorizationToken", Resource: "*", Expect: access.Allow},
		{Owner: "nodegroup", Name: s.ID + ": nodes pull the model image", Principal: role, Action: "ecr:BatchGetImage", Resource: repository, Expect: access.Allow},
		{Owner: "nodegroup", Name: s.ID + ": nodes push images", Principal: role, Action: "ecr:PutImage", Resource: repository, Expect: access.Deny, Why: "nodes only pull"},
		{Owner: "nodegroup", Name: s.ID + ": nodes stop the trail", Principal: role, Action: "cloudtrail:StopLogging", Resource: s.ARN("cloudtrail", "trail/voicevault-"+s.Env.Name), Expect: access.Deny,
			Why: "runtime roles never switch detective controls off"},
		{Owner: "nodegroup", Name: s.ID + ": Auto Scaling creates the grant for an encrypted node volume", Principal: autoscaling, Action: "kms:CreateGrant", Resource: key,
			Context: map[string]string{"kms:ViaService": s.Via("ec2"), "kms:GrantIsForAWSResource": "true"}, Expect: access.Allow},
		{Owner: "nodegroup", Name: s.ID + ": Auto Scaling generates a node volume's data key", Principal: autoscaling, Action: "kms:GenerateDataKeyWithoutPlaintext", Resource: key, Context: viaEC2, Expect: access.Allow},
		{Owner: "nodegroup", Name: s.ID + ": Auto Scaling decrypts a node volume's data key", Principal: autoscaling, Action: "kms:Decrypt", Resource: key, Context: viaEC2, Expect: access.Allow},
	}
	for _, t := range s.Others {
		out = append(out, access.Flow{Owner: "nodegroup", Name: s.ID + ": nodes read tenant " + t.Name + "'s audio", Principal: role, Action: "s3:GetObject",
			Resource: access.BucketARN(s.Env.Names().AudioBucket(t.Name), "voices/v1.wav"), Expect: access.Deny, Why: "only a tenant's Pod Identity role reaches its audio"})
	}
	return out
}
