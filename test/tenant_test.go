package test

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/audiostore"
	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/naming"
	"github.com/voicevault/voicevault/stacks"
	"github.com/voicevault/voicevault/test/apptest"
)

// tenantStack is one tenant of the example and its synthesized stack.
type tenantStack struct {
	cfg   config.Tenant
	env   *config.Environment
	name  string
	props func(typ string) map[string]any // the properties of the only resource of typ
}

func tenants(t *testing.T, r *apptest.Result) []tenantStack {
	t.Helper()
	var out []tenantStack
	for _, tn := range r.Config.Tenants {
		env, _ := r.Config.Environment(tn.Environment)
		name := naming.TenantStack(env.Name, tn.Name)
		out = append(out, tenantStack{cfg: tn, env: env, name: name, props: func(typ string) map[string]any {
			t.Helper()
			res := withoutAPI(r.Resources(t, name, typ))
			require.Len(t, res, 1, "%s: one %s", name, typ)
			for _, v := range res {
				return v["Properties"].(map[string]any)
			}
			return nil
		}})
	}
	return out
}

// manifestObjects returns the Kubernetes objects a stack applies, in order, with CloudFormation
// intrinsics inside the manifest text replaced by "<token>".
func manifestObjects(t *testing.T, r *apptest.Result, stack string) []map[string]any {
	t.Helper()
	res := r.Resources(t, stack, "Custom::AWSCDK-EKS-KubernetesResource")
	var ids []string
	for id := range res {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	// Apply order: a manifest that depends on nothing (the guardrails) before one that depends on it.
	sort.SliceStable(ids, func(i, j int) bool { return res[ids[i]]["DependsOn"] == nil && res[ids[j]]["DependsOn"] != nil })
	var out []map[string]any
	for _, id := range ids {
		var objs []map[string]any
		require.NoError(t, json.Unmarshal([]byte(flatten(res[id]["Properties"].(map[string]any)["Manifest"])), &objs), id)
		out = append(out, objs...)
	}
	return out
}

func flatten(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if j, ok := x["Fn::Join"].([]any); ok {
			var parts []string
			for _, p := range j[1].([]any) {
				if s, ok := p.(string); ok {
					parts = append(parts, s)
				} else {
					parts = append(parts, "<token>")
				}
			}
			return strings.Join(parts, j[0].(string))
		}
	}
	return "<token>"
}

func object(objs []map[string]any, kind, name string) map[string]any {
	for _, o := range objs {
		if o["kind"] == kind && o["metadata"].(map[string]any)["name"] == name {
			return o
		}
	}
	return nil
}

func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func TestEveryTenantStackHoldsExactlyItsKeyBucketRoleAndWorkload(t *testing.T) {
	r := example(t)
	for _, ts := range tenants(t, r) {
		tpl := r.Template(t, ts.name)
		for typ, n := range map[string]int{
			"AWS::KMS::Key": 1, "AWS::KMS::Alias": 1, "AWS::S3::Bucket": 1, "AWS::S3::BucketPolicy": 1,
			// The workload's role and the malware scan's, each with a customer-managed policy and
			// no inline one (the HIPAA, NIST and PCI packs' IAMNoInlinePolicy).
			"AWS::IAM::Role": 2, "AWS::IAM::ManagedPolicy": 2, "AWS::IAM::Policy": 0,
			"AWS::EKS::PodIdentityAssociation": 1, "AWS::GuardDuty::MalwareProtectionPlan": 1,
			"Custom::AWSCDK-EKS-KubernetesResource": 2,
		} {
			assert.Len(t, withoutAPI(r.Resources(t, ts.name, typ)), n, "%s: %s", ts.name, typ)
		}
		// The API front door adds its authorizer's role and managed policy and the TargetGroupBinding;
		// the pod scaler (autoscaled tenants) its role and managed policy.
		scaler := 0
		if ts.cfg.Model.Autoscaling != nil {
			scaler = 1
		}
		tpl.ResourceCountIs("AWS::IAM::Role", 3+scaler)
		tpl.ResourceCountIs("AWS::IAM::Policy", 0)
		tpl.ResourceCountIs("AWS::IAM::ManagedPolicy", 3+scaler)
		tpl.ResourceCountIs("Custom::AWSCDK-EKS-KubernetesResource", 3)
		tpl.ResourceCountIs("AWS::KMS::Key", 1)
	}
}

func TestTenantKeyRotatesHasItsAliasAndServesOnlyItsWorkloadRoleThroughS3(t *testing.T) {
	r := example(t)
	for _, ts := range tenants(t, r) {
		key := ts.props("AWS::KMS::Key")
		assert.Equal(t, true, key["EnableKeyRotation"], ts.name)
		assert.Equal(t, "alias/"+naming.TenantKeyAlias(ts.env.Name, ts.cfg.Name), ts.props("AWS::KMS::Alias")["AliasName"], ts.name)
		var data []any
		for _, s := range key["KeyPolicy"].(map[string]any)["Statement"].([]any) {
			sid, _ := s.(map[string]any)["Sid"].(string)
			switch {
			case sid == "KeyAdministrationByAccount", sid == "GuardDutyMalwareScanDecrypts":
			case strings.HasPrefix(sid, "CloudWatchLogsForVoiceVaultLogGroups"):
				// CloudWatch Logs for the tenant's own log groups (API, authorizer, WAF), by name.
				assert.NotNil(t, dig(s, "Condition", "ArnLike", "kms:EncryptionContext:aws:logs:arn"), "%s %s", ts.name, sid)
			case sid == "AuthorizerReadsItsAPIKeySecret" || sid == "DeployerWritesAPIKeySecretThroughSecretsManager" || sid == "OperatorsManageAPIKeySecretThroughSecretsManager":
				// Secrets Manager, for the tenant's API key secret only; the account's principals
				// by ARN, never the account as a whole.
				assert.Equal(t, "secretsmanager."+ts.env.Region+".amazonaws.com", dig(s, "Condition", "StringEquals", "kms:ViaService"), "%s %s", ts.name, sid)
				assert.NotNil(t, dig(s, "Condition", "StringLike", "kms:EncryptionContext:SecretARN"), "%s %s", ts.name, sid)
				if sid != "AuthorizerReadsItsAPIKeySecret" {
					assert.NotNil(t, dig(s, "Condition", "ArnEquals", "aws:PrincipalArn"), "%s %s", ts.name, sid)
				}
			default:
				data = append(data, s)
			}
		}
		require.Len(t, data, 1, "%s: one data-plane principal", ts.name)
		st := data[0].(map[string]any)
		roleID := idWithPrefix(t, r, ts.name, "AWS::IAM::Role", "IdentityRole")
		assert.Equal(t, map[string]any{"AWS": map[string]any{"Fn::GetAtt": []any{roleID, "Arn"}}}, st["Principal"], ts.name)
		assert.Equal(t, "s3."+ts.env.Region+".amazonaws.com", dig(st, "Condition", "StringEquals", "kms:ViaService"), ts.name)
		arn, ok := constructtest.Plain(dig(st, "Condition", "StringEquals", "kms:EncryptionContext:aws:s3:arn"))
		assert.True(t, ok, ts.name)
		assert.Equal(t, "arn:aws:s3:::"+ts.env.Names().AudioBucket(ts.cfg.Name), arn, ts.name)
	}
}

// apiConstructs are the tenant stack's API front door constructs (stacks/tenant_api.go; tested
// in api_test.go) and its pod scaler (stacks/tenant_scaling.go; tested in fleet_test.go), whose
// resources these workload tests leave out.
var apiConstructs = []string{"Authorizer", "API", "WAF", "IngressRoute", "PodScaler"}

func withoutAPI(res map[string]map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, v := range res {
		api := false
		for _, p := range apiConstructs {
			api = api || strings.HasPrefix(id, p)
		}
		if !api {
			out[id] = v
		}
	}
	return out
}

// idWithPrefix is the logical ID of the one resource of typ whose ID starts with prefix.
func idWithPrefix(t *testing.T, r *apptest.Result, stack, typ, prefix string) string {
	t.Helper()
	var ids []string
	for id := range r.Resources(t, stack, typ) {
		if strings.HasPrefix(id, prefix) {
			ids = append(ids, id)
		}
	}
	require.Len(t, ids, 1, "%s: one %s named %s*", stack, typ, prefix)
	return ids[0]
}

func onlyID(t *testing.T, r *apptest.Result, stack, typ string) string {
	t.Helper()
	res := withoutAPI(r.Resources(t, stack, typ))
	require.Len(t, res, 1)
	for id := range res {
		return id
	}
	return ""
}

func TestTenantBucketFollowsItsTenantsConfiguration(t *testing.T) {
	r := example(t)
	for _, ts := range tenants(t, r) {
		b := ts.props("AWS::S3::Bucket")
		assert.Equal(t, ts.env.Names().AudioBucket(ts.cfg.Name), b["BucketName"], ts.name)
		assert.Equal(t, map[string]any{"DestinationBucketName": ts.env.Names().AccessLogBucket(), "LogFilePrefix": "audio/" + ts.cfg.Name + "/"}, b["LoggingConfiguration"], ts.name)
		assert.Equal(t, map[string]any{"Fn::GetAtt": []any{onlyID(t, r, ts.name, "AWS::KMS::Key"), "Arn"}}, dig(b, "BucketEncryption", "ServerSideEncryptionConfiguration", 0, "ServerSideEncryptionByDefault", "KMSMasterKeyID"), ts.name)
		for _, rule := range dig(b, "LifecycleConfiguration", "Rules").([]any) {
			if dig(rule, "Id") == audiostore.RuleRetention {
				assert.EqualValues(t, ts.cfg.AudioRetentionDays, dig(rule, "ExpirationInDays"), ts.name)
				assert.EqualValues(t, ts.cfg.AudioRetentionDays, dig(rule, "NoncurrentVersionExpiration", "NoncurrentDays"), ts.name)
			}
		}
		r.Template(t, ts.name).HasResource("AWS::S3::Bucket", map[string]any{"DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain"})
	}
	// The example's retentions differ, so the test would see a tenant given another's.
	assert.ElementsMatch(t, []int{90, 30, 180}, []int{r.Config.Tenants[0].AudioRetentionDays, r.Config.Tenants[1].AudioRetentionDays, r.Config.Tenants[2].AudioRetentionDays})
}

func TestWorkloadRoleIsAssumableOnlyByItsTenantsServiceAccountOnItsCluster(t *testing.T) {
	r := example(t)
	for _, ts := range tenants(t, r) {
		role := r.Resources(t, ts.name, "AWS::IAM::Role")[idWithPrefix(t, r, ts.name, "AWS::IAM::Role", "IdentityRole")]["Properties"].(map[string]any)
		assert.Equal(t, naming.WorkloadRole(ts.env.Name, ts.cfg.Name), role["RoleName"])
		assert.Equal(t, map[string]any{
			"aws:SourceAccount":                         ts.env.Account,
			"aws:RequestTag/eks-cluster-name":           naming.Cluster(ts.env.Name),
			"aws:RequestTag/kubernetes-namespace":       naming.Namespace(ts.cfg.Name),
			"aws:RequestTag/kubernetes-service-account": naming.ServiceName,
		}, dig(role, "AssumeRolePolicyDocument", "Statement", 0, "Condition", "StringEquals"), ts.name)
		a := ts.props("AWS::EKS::PodIdentityAssociation")
		assert.Equal(t, naming.Cluster(ts.env.Name), a["ClusterName"], ts.name)
		assert.Equal(t, naming.Namespace(ts.cfg.Name), a["Namespace"], ts.name)
		assert.Equal(t, naming.ServiceName, a["ServiceAccount"], ts.name)
	}
}

func TestTenantReachesItsPlatformByNameAndSSMWithoutExports(t *testing.T) {
	r := example(t)
	for _, ts := range tenants(t, r) {
		tpl := r.JSON(t, ts.name)
		raw, _ := json.Marshal(tpl)
		assert.NotContains(t, string(raw), "Fn::ImportValue", ts.name)
		params := tpl["Parameters"].(map[string]any)
		var tokenParam string
		for id, p := range params {
			if dig(p, "Default") == naming.Param(ts.env.Name, naming.ParamKubectlServiceToken) {
				assert.Equal(t, "AWS::SSM::Parameter::Value<String>", dig(p, "Type"))
				tokenParam = id
			}
		}
		require.NotEmpty(t, tokenParam, "%s reads the kubectl service token from SSM", ts.name)
		for id, m := range r.Resources(t, ts.name, "Custom::AWSCDK-EKS-KubernetesResource") {
			p := m["Properties"].(map[string]any)
			assert.Equal(t, map[string]any{"Ref": tokenParam}, p["ServiceToken"], id)
			assert.Equal(t, naming.Cluster(ts.env.Name), p["ClusterName"], id)
		}
	}
	for _, e := range r.Config.Environments {
		for name, o := range asMap(r.JSON(t, naming.PlatformStack(e.Name))["Outputs"]) {
			assert.Nil(t, dig(o, "Export"), "platform output %s must not be exported", name)
		}
	}
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }

// Dedicated tenants get an environment (account, region, VPC, cluster) of their own; pooled
// tenants share their environment's cluster.
func TestDedicatedTenantRunsAloneInItsEnvironmentAndPooledTenantsShareTheirs(t *testing.T) {
	r := example(t)
	byName := map[string]tenantStack{}
	for _, ts := range tenants(t, r) {
		byName[ts.cfg.Name] = ts
	}
	initech, acme, globex := byName["initech"], byName["acme"], byName["globex"]
	require.Equal(t, config.IsolationDedicated, initech.cfg.Isolation)
	require.Equal(t, config.IsolationPooled, acme.cfg.Isolation)
	require.Equal(t, config.IsolationPooled, globex.cfg.Isolation)

	assert.Equal(t, "initech", initech.env.Name)
	assert.Equal(t, "initech", initech.env.DedicatedTo())
	assert.Len(t, r.Config.TenantsIn("initech"), 1)
	assert.Equal(t, "prod", acme.env.Name)
	assert.Equal(t, "prod", globex.env.Name)
	assert.Equal(t, "", acme.env.DedicatedTo())

	cluster := func(ts tenantStack) any { return ts.props("AWS::EKS::PodIdentityAssociation")["ClusterName"] }
	assert.Equal(t, "voicevault-initech", cluster(initech))
	assert.Equal(t, "voicevault-prod", cluster(acme))
	assert.Equal(t, cluster(acme), cluster(globex), "pooled tenants share the cluster")
	assert.NotEqual(t, initech.env.Account, acme.env.Account, "the dedicated tenant has its own account")
	assert.NotEqual(t, initech.env.VPCCIDR, acme.env.VPCCIDR)

	// Each stack targets its environment's account and region, and its pods' network policy
	// names its own VPC.
	for _, ts := range []tenantStack{initech, acme, globex} {
		np := object(manifestObjects(t, r, ts.name), "NetworkPolicy", "allow-ingress-from-load-balancer")
		require.NotNil(t, np, ts.name)
		assert.Equal(t, ts.env.VPCCIDR, dig(np, "spec", "ingress", 0, "from", 0, "ipBlock", "cidr"), ts.name)
	}
}

func TestTenantWorkloadRunsTheConfiguredModelHardenedOnGPUNodes(t *testing.T) {
	r := example(t)
	acme := r.Config.Tenants[0]
	require.Equal(t, "acme", acme.Name)
	require.NotNil(t, acme.DedicatedGPUNodes, "the example's pooled biometric tenant has GPU nodes of its own")
	for _, ts := range tenants(t, r) {
		objs := manifestObjects(t, r, ts.name)
		m := ts.cfg.Model
		ns := object(objs, "Namespace", naming.Namespace(ts.cfg.Name))
		require.NotNil(t, ns, ts.name)
		assert.Equal(t, "restricted", dig(ns, "metadata", "labels", "pod-security.kubernetes.io/enforce"))
		assert.Equal(t, "v"+ts.env.KubernetesVersion, dig(ns, "metadata", "labels", "pod-security.kubernetes.io/enforce-version"))

		d := object(objs, "Deployment", naming.ServiceName)
		require.NotNil(t, d, ts.name)
		if m.Autoscaling != nil {
			assert.Nil(t, dig(d, "spec", "replicas"), "%s: the pod scaler owns the count", ts.name)
		} else {
			assert.EqualValues(t, m.Replicas, dig(d, "spec", "replicas"), ts.name)
		}
		pod := dig(d, "spec", "template", "spec")
		c := dig(pod, "containers", 0)
		assert.Equal(t, m.Image, dig(c, "image"), ts.name)
		assert.Contains(t, dig(c, "image"), "@sha256:", ts.name)
		assert.Equal(t, map[string]any{"nvidia.com/gpu": itoa(m.GPUs), "cpu": m.CPU, "memory": m.Memory, "ephemeral-storage": dig(c, "resources", "limits", "ephemeral-storage")}, dig(c, "resources", "limits"), ts.name)
		assert.Equal(t, dig(c, "resources", "limits"), dig(c, "resources", "requests"), ts.name)
		selector := map[string]any{naming.GPUNodeLabelKey: naming.GPUNodeLabelValue}
		tolerations := []any{map[string]any{"key": naming.GPUTaintKey, "operator": "Exists", "effect": "NoSchedule"}}
		if ts.cfg.DedicatedGPUNodes != nil {
			// Only the tenant's own GPU nodes: its label selected, its taint tolerated by value.
			selector[naming.TenantNodeKey] = ts.cfg.Name
			tolerations = append(tolerations, map[string]any{"key": naming.TenantNodeKey, "operator": "Equal", "value": ts.cfg.Name, "effect": "NoSchedule"})
		}
		assert.Equal(t, selector, dig(pod, "nodeSelector"), ts.name)
		assert.Equal(t, tolerations, dig(pod, "tolerations"), ts.name)
		assert.Equal(t, false, dig(pod, "automountServiceAccountToken"), ts.name)
		assert.Equal(t, m.HealthPath, dig(c, "livenessProbe", "httpGet", "path"), ts.name)
		assert.Equal(t, m.ReadyPath, dig(c, "readinessProbe", "httpGet", "path"), ts.name)
		assert.Equal(t, map[string]any{
			"allowPrivilegeEscalation": false, "privileged": false, "readOnlyRootFilesystem": true, "runAsNonRoot": true,
			"runAsUser": 65532.0, "runAsGroup": 65532.0, "capabilities": map[string]any{"drop": []any{"ALL"}},
			"seccompProfile": map[string]any{"type": "RuntimeDefault"},
		}, dig(c, "securityContext"), ts.name)
		env := map[string]any{}
		for _, e := range dig(c, "env").([]any) {
			env[dig(e, "name").(string)] = dig(e, "value")
		}
		assert.Equal(t, ts.env.Names().AudioBucket(ts.cfg.Name), env["AUDIO_BUCKET"], ts.name)
		assert.Equal(t, "<token>", env["AUDIO_KMS_KEY_ARN"], "%s: the key's ARN, resolved at deploy time", ts.name)
		assert.Equal(t, ts.env.Region, env["AWS_REGION"], ts.name)

		q := object(objs, "ResourceQuota", naming.ServiceName)
		assert.Equal(t, itoa(m.MaxReplicas()+1), dig(q, "spec", "hard", "pods"), ts.name)
		assert.Equal(t, itoa((m.MaxReplicas()+1)*m.GPUs), dig(q, "spec", "hard", "requests.nvidia.com/gpu"), ts.name)

		svc := object(objs, "Service", naming.ServiceName)
		assert.Equal(t, "ClusterIP", dig(svc, "spec", "type"), ts.name)
		assert.EqualValues(t, m.Port, dig(svc, "spec", "ports", 0, "port"), ts.name)

		sa := object(objs, "ServiceAccount", naming.ServiceName)
		assert.Equal(t, false, dig(sa, "automountServiceAccountToken"), ts.name)

		pdb := object(objs, "PodDisruptionBudget", naming.ServiceName)
		if m.Replicas > 1 {
			assert.EqualValues(t, 1, dig(pdb, "spec", "maxUnavailable"), ts.name)
		} else {
			assert.Nil(t, pdb, "%s: one replica, no PDB", ts.name)
		}
		for _, o := range objs {
			if o["kind"] != "Namespace" {
				assert.Equal(t, naming.Namespace(ts.cfg.Name), dig(o, "metadata", "namespace"), "%s %s", ts.name, o["kind"])
			}
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// With egress "none" there is no route to the Internet, so HTTPS to public addresses reaches
// only the S3 gateway endpoint; with "nat" it would reach the Internet and is not allowed.
func TestHTTPSEgressToPublicAddressesOnlyWhereThereIsNoRouteToTheInternet(t *testing.T) {
	none := &config.Environment{VPCCIDR: "10.40.0.0/16", Egress: config.EgressNone}
	nat := &config.Environment{VPCCIDR: "10.40.0.0/16", Egress: config.EgressNAT}
	require.Len(t, stacks.HTTPSEgress(none), 2)
	assert.Equal(t, "0.0.0.0/0", stacks.HTTPSEgress(none)[1].CIDR)
	assert.Contains(t, stacks.HTTPSEgress(none)[1].Except, "169.254.0.0/16", "not the metadata service")
	assert.Contains(t, stacks.HTTPSEgress(none)[1].Except, "10.0.0.0/8", "not other private networks")
	require.Len(t, stacks.HTTPSEgress(nat), 1)
	assert.Equal(t, "10.40.0.0/16", stacks.HTTPSEgress(nat)[0].CIDR)

	r := example(t)
	for _, ts := range tenants(t, r) {
		require.Equal(t, config.EgressNone, ts.env.Egress, "the example has no NAT")
		np := object(manifestObjects(t, r, ts.name), "NetworkPolicy", "allow-egress-aws-apis")
		assert.Len(t, dig(np, "spec", "egress", 0, "to"), 2, ts.name)
	}
}

// The cdk-nag CSV reports are read directly: they list every rule evaluated per resource.
func TestTenantStacksHaveNoUnsuppressedNagFindings(t *testing.T) {
	r := example(t)
	for _, ts := range tenants(t, r) {
		f, err := os.Open(filepath.Join(r.Outdir, "AwsSolutions-"+ts.name+"-NagReport.csv"))
		if os.IsNotExist(err) {
			f, err = os.Open(filepath.Join(r.Outdir, "AwsSolutions--"+ts.name+"-NagReport.csv"))
		}
		require.NoError(t, err)
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		require.NoError(t, err)
		require.Greater(t, len(rows), 5, "%s: the report lists the rules evaluated", ts.name)
		for _, row := range rows[1:] {
			assert.NotEqual(t, "Non-Compliant", row[2], "%s: %s on %s", ts.name, row[0], row[1])
		}
	}
}

// TestTenantTemplatesStayFarBelowCloudFormationLimits reports each tenant stack's size: at
// 200+ tenants per environment the per-tenant template must stay small. The byte budget is a
// sixth of CloudFormation's 1 MB (it was a tenth until the tenant's misuse monitoring — an alarm
// per watched authorizer denial reason, ~1 KB each, and its saved audit query — came in, then an
// eighth until the pod scaler — function, role and policy, access entry, schedule, log group,
// metric filters and alarm, ~18 KB — came in for autoscaled tenants: 130 KB).
func TestTenantTemplatesStayFarBelowCloudFormationLimits(t *testing.T) {
	r := example(t)
	for _, ts := range tenants(t, r) {
		b := r.TemplateBytes(t, ts.name)
		n := len(r.JSON(t, ts.name)["Resources"].(map[string]any))
		t.Logf("%s: %d bytes, %d resources", ts.name, len(b), n)
		assert.Less(t, n, 500/5, "%s: resources (CloudFormation allows 500)", ts.name)
		assert.Less(t, len(b), 1_000_000/6, "%s: bytes (CloudFormation allows 1 MB from S3)", ts.name)
	}
}
