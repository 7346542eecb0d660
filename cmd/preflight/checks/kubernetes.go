package checks

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/voicevault/voicevault/config"
)

// checkKubernetesVersion asks EKS (DescribeClusterVersions) whether the configured
// kubernetesVersion can create a cluster in this region: standard support is ok, extended support
// works at an extra hourly charge (EKS User Guide, "Understand the Kubernetes version lifecycle on
// EKS"), anything else fails the cluster's create.
func checkKubernetesVersion(ctx context.Context, c *clients, e *config.Environment) Group {
	g := Group{Name: "EKS Kubernetes version"}
	subject := "kubernetesVersion " + e.KubernetesVersion
	var versions []ekstypes.ClusterVersionInformation
	p := eks.NewDescribeClusterVersionsPaginator(c.eks(), &eks.DescribeClusterVersionsInput{IncludeAll: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			g.Rows = append(g.Rows, couldNotCheck("eks version", subject, "eks:DescribeClusterVersions", err))
			return g
		}
		versions = append(versions, page.ClusterVersions...)
	}
	var standard []string
	var status ekstypes.VersionStatus
	for _, v := range versions {
		if v.VersionStatus == ekstypes.VersionStatusStandardSupport {
			standard = append(standard, aws.ToString(v.ClusterVersion))
		}
		if aws.ToString(v.ClusterVersion) == e.KubernetesVersion {
			status = v.VersionStatus
		}
	}
	row := Row{Check: "eks version", Subject: subject}
	switch status {
	case ekstypes.VersionStatusStandardSupport:
		row.Verdict, row.Found = OK, "standard support"
	case ekstypes.VersionStatusExtendedSupport:
		row.Verdict, row.Found = Warning, "extended support only (an extra hourly charge per cluster)"
		row.Fix = fmt.Sprintf("set environments[%s].kubernetesVersion to a version in standard support (%s)", e.Name, strings.Join(standard, ", "))
	default:
		row.Verdict = Blocker
		row.Found = "not supported by EKS in " + e.Region
		if status != "" {
			row.Found += " (" + strings.ToLower(string(status)) + ")"
		}
		row.Fix = fmt.Sprintf("set environments[%s].kubernetesVersion to a supported version (standard support: %s)", e.Name, strings.Join(standard, ", "))
	}
	g.Rows = append(g.Rows, row)
	return g
}
