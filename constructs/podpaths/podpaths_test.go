package podpaths

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/constructtest"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

const clusterSG = "sg-0123456789abcdef0"

func synth(t *testing.T, ports []int, scalers bool) (*constructtest.Template, *PodPaths) {
	t.Helper()
	stack := constructtest.NewStackWith(t, nil)
	vpc := awsec2.Vpc_FromVpcAttributes(stack, jsii.String("VPC"), &awsec2.VpcAttributes{VpcId: jsii.String("vpc-0abc"), AvailabilityZones: jsii.Strings("eu-west-1a")})
	lb := awsec2.NewSecurityGroup(stack, jsii.String("LB"), &awsec2.SecurityGroupProps{Vpc: vpc, AllowAllOutbound: jsii.Bool(false)})
	p := New(stack, "PodPaths", Props{Name: "voicevault-prod", VPC: vpc, ClusterSecurityGroupID: clusterSG, LoadBalancer: lb, Ports: ports, Scalers: scalers})
	return constructtest.StackTemplate(t, stack), p
}

type rule struct {
	from string
	port float64
}

func ingress(t *testing.T, tpl *constructtest.Template) []rule {
	var out []rule
	for _, r := range tpl.Resources("AWS::EC2::SecurityGroupIngress") {
		p := constructtest.Props(r)
		assert.Equal(t, clusterSG, p["GroupId"], "every rule is on the cluster security group")
		assert.Equal(t, "tcp", p["IpProtocol"])
		assert.Equal(t, p["FromPort"], p["ToPort"], "single ports, no ranges")
		assert.NotContains(t, p, "CidrIp", "from security groups only")
		src := p["SourceSecurityGroupId"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
		out = append(out, rule{src[:2], p["FromPort"].(float64)})
	}
	return out
}

// TestOneRulePerModelPortWhateverTheTenantCount: tenants sharing a port share one rule (EC2
// refuses a duplicate, so per-tenant rules would fail the second tenant's create).
func TestOneRulePerModelPortWhateverTheTenantCount(t *testing.T) {
	tpl, p := synth(t, []int{8080, 8080, 9000, 8080}, false)
	assert.Equal(t, []int{8080, 9000}, p.Ports())
	assert.ElementsMatch(t, []rule{{"LB", 8080}, {"LB", 9000}}, ingress(t, tpl))
	assert.Nil(t, p.ScalerSecurityGroup())
	tpl.ResourceCountIs("AWS::EC2::SecurityGroup", 1) // the test's load balancer group only
}

// TestScalersReachTheAPIServerAndTheModelPortsOnly: the pod scalers' group goes out only to the
// cluster security group on 443 and the model ports, which admits exactly those from it.
func TestScalersReachTheAPIServerAndTheModelPortsOnly(t *testing.T) {
	tpl, p := synth(t, []int{8080, 9000}, true)
	require.NotNil(t, p.ScalerSecurityGroup())
	assert.ElementsMatch(t, []rule{{"LB", 8080}, {"LB", 9000}, {"Po", 443}, {"Po", 8080}, {"Po", 9000}}, ingress(t, tpl))
	var egress []any
	for id, sg := range tpl.Resources("AWS::EC2::SecurityGroup") {
		if id[:2] == "Po" {
			egress = constructtest.Props(sg)["SecurityGroupEgress"].([]any)
		}
	}
	var ports []float64
	for _, e := range egress {
		e := e.(map[string]any)
		assert.Equal(t, clusterSG, e["DestinationSecurityGroupId"])
		assert.Equal(t, e["FromPort"], e["ToPort"])
		ports = append(ports, e["FromPort"].(float64))
	}
	assert.ElementsMatch(t, []float64{443, 8080, 9000}, ports)
}

func TestBadPropsPanicWithTheReason(t *testing.T) {
	assert.ErrorContains(t, constructtest.Catch(func() { synth(t, nil, false) }), "ports are required")
	assert.ErrorContains(t, constructtest.Catch(func() { synth(t, []int{443}, false) }), "model port 443 is not a port the pods may use")
}
