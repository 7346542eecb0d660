package checks

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/voicevault/voicevault/config"
)

// checkIdentity compares the caller's account (sts GetCallerIdentity, which needs no permission)
// with the environment's. An error means no credentials work at all.
func checkIdentity(ctx context.Context, c *clients, e *config.Environment) (Group, error) {
	g := Group{Name: "caller identity"}
	out, err := c.sts().GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		_, text := apiError(err)
		return g, fmt.Errorf("%w: sts GetCallerIdentity: %s", ErrIdentity, text)
	}
	row := Row{Check: "account", Subject: aws.ToString(out.Arn), Verdict: OK, Found: "account " + aws.ToString(out.Account)}
	if aws.ToString(out.Account) != e.Account {
		row.Verdict = Blocker
		row.Found = fmt.Sprintf("credentials of account %s, but environment %s is account %s", aws.ToString(out.Account), e.Name, e.Account)
		row.Fix = fmt.Sprintf("use credentials of account %s (AWS_PROFILE), or correct environments[%s].account", e.Account, e.Name)
	}
	g.Rows = append(g.Rows, row)
	return g, nil
}
