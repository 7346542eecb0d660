package checks

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/voicevault/voicevault/config"
)

// checkZones asks EC2 which of the GPU node group's instance types each configured availability
// zone offers (DescribeInstanceTypeOfferings, location type availability-zone). A zone that offers
// none of them gets subnets but can never run a GPU node; one that offers only some narrows the
// node group's choice there. A zone name that does not exist in the account offers nothing either.
func checkZones(ctx context.Context, c *clients, e *config.Environment) Group {
	g := Group{Name: "GPU instance types per availability zone"}
	offered := map[string]map[string]bool{}
	p := ec2.NewDescribeInstanceTypeOfferingsPaginator(c.ec2(), &ec2.DescribeInstanceTypeOfferingsInput{
		LocationType: ec2types.LocationTypeAvailabilityZone,
		Filters: []ec2types.Filter{
			{Name: aws.String("location"), Values: e.AZs},
			{Name: aws.String("instance-type"), Values: e.GPUNodes.InstanceTypes},
		},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			g.Rows = append(g.Rows, couldNotCheck("zone", strings.Join(e.AZs, ", "), "ec2:DescribeInstanceTypeOfferings", err))
			return g
		}
		for _, o := range page.InstanceTypeOfferings {
			z := aws.ToString(o.Location)
			if offered[z] == nil {
				offered[z] = map[string]bool{}
			}
			offered[z][string(o.InstanceType)] = true
		}
	}
	types := strings.Join(e.GPUNodes.InstanceTypes, ", ")
	for _, z := range e.AZs {
		var have, missing []string
		for _, t := range e.GPUNodes.InstanceTypes {
			if offered[z][t] {
				have = append(have, t)
			} else {
				missing = append(missing, t)
			}
		}
		row := Row{Check: "zone", Subject: z, Verdict: OK, Found: "offers " + strings.Join(have, ", ")}
		switch {
		case len(have) == 0:
			row.Verdict = Blocker
			row.Found = "offers none of " + types + " (or is not a zone of this account)"
			row.Fix = fmt.Sprintf("set environments[%s].availabilityZones to zones that offer them (aws ec2 describe-instance-type-offerings --location-type availability-zone), or add an offered type to gpuNodes.instanceTypes", e.Name)
		case len(missing) > 0:
			row.Verdict = Warning
			row.Found = "offers " + strings.Join(have, ", ") + "; not " + strings.Join(missing, ", ")
			row.Fix = "nodes in " + z + " can only be " + strings.Join(have, ", ") + ": fine if capacity suffices, else choose other zones"
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}
