package ingress

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"

	"github.com/voicevault/voicevault/constructs/constructtest"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

func synth(t *testing.T, tls bool) *constructtest.Template {
	t.Helper()
	stack := constructtest.NewStackWith(t, nil)
	vpc := awsec2.NewVpc(stack, jsii.String("VPC"), &awsec2.VpcProps{
		IpAddresses:       awsec2.IpAddresses_Cidr(jsii.String("10.40.0.0/16")),
		AvailabilityZones: jsii.Strings("eu-west-1a", "eu-west-1b"),
		NatGateways:       jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("private"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(20)},
		},
	})
	p := Props{
		Name: "voicevault-prod", VPC: vpc,
		AccessLogBucket: awss3.Bucket_FromBucketName(stack, jsii.String("Logs"), jsii.String("vv-access-logs-prod-111111111111-eu-west-1")),
	}
	if tls {
		p.Certificate = awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("Cert"), jsii.String("arn:aws:acm:eu-west-1:111111111111:certificate/x"))
	}
	New(stack, "Ingress", p)
	return constructtest.StackTemplate(t, stack)
}

func TestLoadBalancerIsInternalHardenedAndLogged(t *testing.T) {
	tpl := synth(t, false)
	tpl.HasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", map[string]any{
		"Scheme": "internal",
		"Type":   "application",
		"LoadBalancerAttributes": assertions.Match_ArrayWith(&[]any{
			map[string]any{"Key": "deletion_protection.enabled", "Value": "false"}, // a failed first create must roll back (see New),
			map[string]any{"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
			map[string]any{"Key": "routing.http.desync_mitigation_mode", "Value": "strictest"},
			map[string]any{"Key": "access_logs.s3.enabled", "Value": "true"},
			map[string]any{"Key": "access_logs.s3.bucket", "Value": "vv-access-logs-prod-111111111111-eu-west-1"},
		}),
	})
}

func TestOnlyTheVPCLinkReachesTheLoadBalancer(t *testing.T) {
	for _, tls := range []bool{false, true} {
		tpl := synth(t, tls)
		port := 80
		if tls {
			port = 443
		}
		ingress := 0
		for id, sg := range tpl.Resources("AWS::EC2::SecurityGroup") {
			props := sg["Properties"].(map[string]any)
			for _, r := range asSlice(props["SecurityGroupIngress"]) {
				t.Errorf("%s: inline ingress rule %v (only the VPC link rule is expected)", id, r)
			}
			for _, r := range asSlice(props["SecurityGroupEgress"]) {
				assert.NotEqual(t, "0.0.0.0/0", r.(map[string]any)["CidrIp"], "%s: no egress to anywhere", id)
			}
		}
		for id, r := range tpl.Resources("AWS::EC2::SecurityGroupIngress") {
			props := r["Properties"].(map[string]any)
			assert.Nil(t, props["CidrIp"], id)
			assert.Contains(t, props["SourceSecurityGroupId"], "Fn::GetAtt", id)
			assert.Contains(t, props["SourceSecurityGroupId"].(map[string]any)["Fn::GetAtt"].([]any)[0], "IngressVPCLinkSecurityGroup", id)
			assert.Equal(t, float64(port), props["FromPort"], id)
			assert.Equal(t, float64(port), props["ToPort"], id)
			ingress++
		}
		assert.Equal(t, 1, ingress, "one ingress rule: from the VPC link")
	}
}

func TestListenerIsHTTPSWithATLS13PolicyWhenACertificateIsGiven(t *testing.T) {
	synth(t, true).HasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", map[string]any{
		"Port": 443, "Protocol": "HTTPS", "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
		"Certificates": []any{map[string]any{"CertificateArn": "arn:aws:acm:eu-west-1:111111111111:certificate/x"}},
	})
	synth(t, false).HasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", map[string]any{"Port": 80, "Protocol": "HTTP"})
}

func TestListenerForwardsNothingByDefault(t *testing.T) {
	synth(t, false).HasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", map[string]any{
		"DefaultActions": []any{map[string]any{"Type": "fixed-response", "FixedResponseConfig": assertions.Match_ObjectLike(&map[string]any{"StatusCode": "404"})}},
	})
}

func TestVPCLinkIsV2WithItsOwnSecurityGroup(t *testing.T) {
	synth(t, false).HasResourceProperties("AWS::ApiGatewayV2::VpcLink", map[string]any{
		"Name":             "voicevault-prod-ingress",
		"SecurityGroupIds": []any{map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^IngressVPCLinkSecurityGroup")), "GroupId"}}},
	})
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}
