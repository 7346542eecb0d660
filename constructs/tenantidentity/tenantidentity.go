// Package tenantidentity gives a tenant's pods an AWS identity through EKS Pod Identity: an IAM
// role that only the Pod Identity service can assume, only for one service account in one
// namespace of one cluster in this account, and the association that binds them.
//
// The association is the L1 awseksv2.CfnPodIdentityAssociation because no L2 fits:
// awseksv2.ServiceAccount (IdentityType POD_IDENTITY) would also create the Kubernetes
// ServiceAccount itself, without automountServiceAccountToken: false and with an IRSA
// role-arn annotation, in a manifest of its own outside the namespace's guardrails; its role
// trusts pods.eks.amazonaws.com with no condition; and it reaches for the cluster's Pod
// Identity Agent add-on, which an imported cluster does not have. Here the ServiceAccount is
// part of constructs/tenantworkload's manifest, and this package owns only the AWS side.
package tenantidentity

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ServicePrincipal is the principal EKS Pod Identity assumes roles as.
const ServicePrincipal = "pods.eks.amazonaws.com"

// Session tags EKS Pod Identity sets when it assumes the role; the trust policy requires them.
const (
	TagCluster        = "eks-cluster-name"
	TagNamespace      = "kubernetes-namespace"
	TagServiceAccount = "kubernetes-service-account"
)

// Props configures a workload identity.
type Props struct {
	ClusterName    string // Required. The EKS cluster the pods run on.
	Namespace      string // Required. The pods' namespace.
	ServiceAccount string // Required. The pods' Kubernetes service account.
	RoleName       string // Default: a name CloudFormation generates.
	Description    string // Default: "EKS Pod Identity role for <namespace>/<service account> on <cluster>".
}

func (p Props) validate() error {
	switch {
	case p.ClusterName == "":
		return fmt.Errorf("cluster name is required")
	case p.Namespace == "":
		return fmt.Errorf("namespace is required")
	case p.ServiceAccount == "":
		return fmt.Errorf("service account is required")
	case len(p.RoleName) > 64:
		return fmt.Errorf("role name %q is longer than 64 characters", p.RoleName)
	}
	return nil
}

// Identity is a Pod Identity role and its association.
type Identity struct {
	constructs.Construct
	role        awsiam.Role
	association awseksv2.CfnPodIdentityAssociation
}

// New creates the role and the association. Props errors are programmer errors and panic.
func New(scope constructs.Construct, id string, props Props) *Identity {
	if err := props.validate(); err != nil {
		panic(fmt.Errorf("tenant identity %q: %w", id, err))
	}
	p := props
	if p.Description == "" {
		p.Description = fmt.Sprintf("EKS Pod Identity role for %s/%s on %s", p.Namespace, p.ServiceAccount, p.ClusterName)
	}
	x := &Identity{Construct: constructs.NewConstruct(scope, jsii.String(id))}
	stack := awscdk.Stack_Of(x.Construct)
	trusted := awsiam.NewSessionTagsPrincipal(awsiam.NewPrincipalWithConditions(
		awsiam.NewServicePrincipal(jsii.String(ServicePrincipal), nil),
		&map[string]interface{}{
			"StringEquals": map[string]interface{}{
				"aws:SourceAccount":                   *stack.Account(),
				"aws:RequestTag/" + TagCluster:        p.ClusterName,
				"aws:RequestTag/" + TagNamespace:      p.Namespace,
				"aws:RequestTag/" + TagServiceAccount: p.ServiceAccount,
			},
		}))
	var roleName *string
	if p.RoleName != "" {
		roleName = jsii.String(p.RoleName)
	}
	x.role = awsiam.NewRole(x.Construct, jsii.String("Role"), &awsiam.RoleProps{
		RoleName:    roleName,
		Description: jsii.String(p.Description),
		AssumedBy:   trusted,
	})
	// L1: see the package comment for why no L2 fits.
	x.association = awseksv2.NewCfnPodIdentityAssociation(x.Construct, jsii.String("Association"), &awseksv2.CfnPodIdentityAssociationProps{
		ClusterName:    jsii.String(p.ClusterName),
		Namespace:      jsii.String(p.Namespace),
		ServiceAccount: jsii.String(p.ServiceAccount),
		RoleArn:        x.role.RoleArn(),
	})
	return x
}

// Role is the role the pods get. Grant it what the workload needs (e.g. audiostore's GrantReadWrite).
func (x *Identity) Role() awsiam.IRole { return x.role }

// Association is the Pod Identity association.
func (x *Identity) Association() awseksv2.CfnPodIdentityAssociation { return x.association }
