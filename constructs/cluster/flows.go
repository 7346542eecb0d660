package cluster

import (
	"github.com/voicevault/voicevault/internal/flowscope"
	"github.com/voicevault/voicevault/internal/review/access"
	"github.com/voicevault/voicevault/naming"
)

// Flows are the requests of the cluster's roles: the EKS service role with the secrets key, the
// kubectl provider (its framework function invokes the handler, the handler finds the cluster),
// and the VPC CNI through Pod Identity. key is the platform key (${STACK/ID}).
func Flows(s flowscope.Scope, key string) []access.Flow {
	e := s.Env
	clusterRole := s.Res("ClusterRole")
	kubectl := s.Res("KubectlRole")
	framework := s.Res("ClusterKubectlProviderframeworkonEventServiceRole")
	cni := s.Res("VPCCNIRole")
	eni := s.ARN("ec2", "network-interface/eni-0123456789abcdef0")
	out := []access.Flow{
		{Owner: "cluster", Name: "EKS assumes the cluster role", Principal: "eks.amazonaws.com", Action: "sts:AssumeRole", Resource: clusterRole, Expect: access.Allow},
		{Owner: "cluster", Name: "EKS encrypts Kubernetes secrets with the platform key", Principal: clusterRole, Action: "kms:Encrypt", Resource: key, Expect: access.Allow},
		{Owner: "cluster", Name: "EKS decrypts Kubernetes secrets with the platform key", Principal: clusterRole, Action: "kms:Decrypt", Resource: key, Expect: access.Allow},
		{Owner: "cluster", Name: "EKS Auto Mode passes the node role to EC2", Principal: clusterRole, Action: "iam:PassRole", Resource: access.In(s.Stack, "SystemNodesNodeRole"),
			Context: map[string]string{"iam:PassedToService": "ec2.amazonaws.com"}, Expect: access.Allow},
		{Owner: "cluster", Name: "EKS Auto Mode adds the node role to its instance profile", Principal: clusterRole, Action: "iam:AddRoleToInstanceProfile",
			Resource: "arn:aws:iam::" + e.Account + ":instance-profile/eks-" + e.Region + "-" + naming.Cluster(e.Name) + "-abc", Expect: access.Allow},
		{Owner: "cluster", Name: "the cluster role passes a role to Lambda", Principal: clusterRole, Action: "iam:PassRole", Resource: kubectl,
			Context: map[string]string{"iam:PassedToService": "lambda.amazonaws.com"}, Expect: access.Deny, Why: "EKS passes roles to EC2 only"},
		{Owner: "cluster", Name: "the kubectl provider framework invokes the handler", Principal: framework, Action: "lambda:InvokeFunction", Resource: s.Res("ClusterKubectlProviderHandler"), Expect: access.Allow},
		{Owner: "cluster", Name: "the kubectl handler finds the cluster", Principal: kubectl, Action: "eks:DescribeCluster", Resource: s.Res("Cluster"), Expect: access.Allow},
		{Owner: "cluster", Name: "the kubectl handler attaches to the VPC", Principal: kubectl, Action: "ec2:CreateNetworkInterface", Resource: eni, Expect: access.Allow},
		{Owner: "cluster", Name: "the kubectl handler writes its logs", Principal: kubectl, Action: "logs:PutLogEvents",
			Resource: s.LogStreamARN(naming.LogGroup(e.Name, "eks/kubectl-handler"), "2026/12/02/[$LATEST]abc"), Expect: access.Allow},
		{Owner: "cluster", Name: "Pod Identity assumes the VPC CNI role for kube-system/aws-node", Principal: "pods.eks.amazonaws.com", Action: "sts:AssumeRole", Resource: cni,
			Context: map[string]string{"aws:RequestTag/eks-cluster-name": naming.Cluster(e.Name), "aws:RequestTag/kubernetes-namespace": "kube-system",
				"aws:RequestTag/kubernetes-service-account": "aws-node"}, Expect: access.Allow},
		{Owner: "cluster", Name: "the VPC CNI assigns pod IP addresses", Principal: cni, Action: "ec2:AssignPrivateIpAddresses", Resource: eni, Expect: access.Allow},
		{Owner: "cluster", Name: "the VPC CNI attaches network interfaces", Principal: cni, Action: "ec2:AttachNetworkInterface", Resource: eni, Expect: access.Allow},
		{Owner: "cluster", Name: "a tenant namespace gets the VPC CNI role", Principal: "pods.eks.amazonaws.com", Action: "sts:AssumeRole", Resource: cni,
			Context: map[string]string{"aws:RequestTag/eks-cluster-name": naming.Cluster(e.Name), "aws:RequestTag/kubernetes-namespace": "tenant-x",
				"aws:RequestTag/kubernetes-service-account": "aws-node"}, Expect: access.Deny, Why: "the CNI role serves kube-system/aws-node only"},
		{Owner: "cluster", Name: "the kubectl handler blinds GuardDuty", Principal: kubectl, Action: "guardduty:DeleteDetector", Resource: s.ARN("guardduty", "detector/abc"), Expect: access.Deny,
			Why: "runtime roles never switch detective controls off"},
	}
	return append(out, s.LogsEncrypt("cluster", "the EKS control-plane log", key, "/aws/eks/"+naming.Cluster(e.Name)+"/cluster")...)
}
