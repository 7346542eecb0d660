package gpunodepool

import (
	"github.com/voicevault/voicevault/internal/flowscope"
	"github.com/voicevault/voicevault/internal/review/access"
)

// Flows are the requests around a GPU node pool: EC2 assumes the node role, the nodes pull the
// model image and exchange pod tokens through Pod Identity (nothing else), and EKS Auto Mode,
// with the cluster role, encrypts the node volumes with the platform key. key is the platform
// key, clusterRole the cluster's role, cluster the cluster, repository the model repository
// (all ${STACK/ID} or ARNs).
func Flows(s flowscope.Scope, key, clusterRole, cluster, repository string) []access.Flow {
	role := s.Res("NodeRole")
	grant := map[string]string{"kms:GrantIsForAWSResource": "true"}
	return []access.Flow{
		{Owner: "gpunodepool", Name: s.ID + ": EC2 assumes the Auto Mode node role", Principal: "ec2.amazonaws.com", Action: "sts:AssumeRole", Resource: role, Expect: access.Allow},
		{Owner: "gpunodepool", Name: s.ID + ": Auto Mode nodes get an ECR token", Principal: role, Action: "ecr:GetAuthorizationToken", Resource: "*", Expect: access.Allow},
		{Owner: "gpunodepool", Name: s.ID + ": Auto Mode nodes pull the model image", Principal: role, Action: "ecr:BatchGetImage", Resource: repository, Expect: access.Allow},
		{Owner: "gpunodepool", Name: s.ID + ": the Pod Identity agent of Auto Mode nodes exchanges a pod's token", Principal: role, Action: "eks-auth:AssumeRoleForPodIdentity", Resource: cluster, Expect: access.Allow},
		{Owner: "gpunodepool", Name: s.ID + ": Auto Mode nodes push images", Principal: role, Action: "ecr:PutImage", Resource: repository, Expect: access.Deny, Why: "nodes only pull"},
		{Owner: "gpunodepool", Name: s.ID + ": Auto Mode nodes describe EC2", Principal: role, Action: "ec2:DescribeInstances", Resource: "*", Expect: access.Deny,
			Why: "the minimal node policy: networking runs in Auto Mode's managed capability, not with the node's credentials"},
		{Owner: "gpunodepool", Name: s.ID + ": Auto Mode generates a node volume's data key", Principal: clusterRole, Action: "kms:GenerateDataKeyWithoutPlaintext", Resource: key,
			Context: map[string]string{"kms:ViaService": s.Via("ec2")}, Expect: access.Allow},
		{Owner: "gpunodepool", Name: s.ID + ": Auto Mode creates the grant for a node volume", Principal: clusterRole, Action: "kms:CreateGrant", Resource: key, Context: grant, Expect: access.Allow},
		{Owner: "gpunodepool", Name: s.ID + ": the cluster role grants the key to a principal", Principal: clusterRole, Action: "kms:CreateGrant", Resource: key,
			Context: map[string]string{"kms:GrantIsForAWSResource": "false"}, Expect: access.Deny, Why: "grants only for AWS resources (the volumes)"},
	}
}
