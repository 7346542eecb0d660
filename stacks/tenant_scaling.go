package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/podscaler"
	"github.com/voicevault/voicevault/naming"
)

// scalerGroup is the Kubernetes group of the tenant's pod scaler, or "" when it does not autoscale.
func scalerGroup(t config.Tenant) string {
	if t.Model.Autoscaling == nil {
		return ""
	}
	return naming.PodScalerGroup(t.Name)
}

// addPodScaler gives an autoscaled tenant its pod scaler (docs/tenant.md, "Pod autoscaling"): the
// cluster's endpoint, CA and private subnets come from the platform's SSM contract.
func addPodScaler(tn *Tenant) {
	t, env, stack := tn.Config, tn.Platform.Env, tn.Stack
	a := t.Model.Autoscaling
	if a == nil {
		return
	}
	param := func(key string) string { return platformParam(stack, env, key) }
	// One token per zone: Fn::Select(i, Fn::Split(",", parameter)).
	var subnetIDs []string
	for _, id := range *awscdk.Fn_Split(jsii.String(","), jsii.String(param(naming.ParamPrivateSubnetIDs)), jsii.Number(float64(len(env.AZs)))) {
		subnetIDs = append(subnetIDs, *id)
	}
	tn.PodScaler = podscaler.New(stack, "PodScaler", podscaler.Props{
		Environment: env.Name, Tenant: t.Name,
		AlarmName:    naming.TenantPrefix(env.Name, t.Name) + "-pod-scaler-errors",
		LogGroupName: naming.PodScalerLogGroup(env.Name, t.Name), Key: tn.Key, LogRetentionDays: env.LogRetentionDays,
		ClusterName: naming.Cluster(env.Name), ClusterEndpoint: param(naming.ParamClusterEndpoint), ClusterCA: param(naming.ParamClusterCA),
		SecurityGroupID: param(naming.ParamPodScalerSGID),
		VPC:             tn.VPC, SubnetIDs: subnetIDs,
		KubernetesGroup: naming.PodScalerGroup(t.Name),
		Namespace:       naming.Namespace(t.Name), Deployment: naming.ServiceName, Service: naming.ServiceName, Port: t.Model.Port,
		MinReplicas: t.Model.Replicas, MaxReplicas: a.MaxReplicas, TargetInFlight: a.TargetInFlight,
		AlarmTopic: tn.AlarmTopic,
	})
}
