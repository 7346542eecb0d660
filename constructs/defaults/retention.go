package defaults

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

// DefaultLogRetentionDays is the retention of a log group whose props leave it zero.
const DefaultLogRetentionDays = 365

// byDays maps a CloudWatch Logs retention in days to the CDK's RetentionDays enum, whose Go values
// are names ("ONE_YEAR"), not numbers.
var byDays = map[int]awslogs.RetentionDays{
	1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS, 5: awslogs.RetentionDays_FIVE_DAYS,
	7: awslogs.RetentionDays_ONE_WEEK, 14: awslogs.RetentionDays_TWO_WEEKS, 30: awslogs.RetentionDays_ONE_MONTH,
	60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS, 120: awslogs.RetentionDays_FOUR_MONTHS,
	150: awslogs.RetentionDays_FIVE_MONTHS, 180: awslogs.RetentionDays_SIX_MONTHS, 365: awslogs.RetentionDays_ONE_YEAR,
	400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS, 731: awslogs.RetentionDays_TWO_YEARS,
	1096: awslogs.RetentionDays_THREE_YEARS, 1827: awslogs.RetentionDays_FIVE_YEARS, 2192: awslogs.RetentionDays_SIX_YEARS,
	2557: awslogs.RetentionDays_SEVEN_YEARS, 2922: awslogs.RetentionDays_EIGHT_YEARS, 3288: awslogs.RetentionDays_NINE_YEARS,
	3653: awslogs.RetentionDays_TEN_YEARS,
}

// RetentionLookup returns the retention of n days, and whether CloudWatch Logs accepts n.
func RetentionLookup(n int) (awslogs.RetentionDays, bool) {
	r, ok := byDays[n]
	return r, ok
}

// Retention returns the retention of n days, DefaultLogRetentionDays for 0. It panics on a value
// CloudWatch Logs does not accept (the configuration's validation rejects those first).
func Retention(n int) awslogs.RetentionDays {
	if n == 0 {
		n = DefaultLogRetentionDays
	}
	r, ok := byDays[n]
	if !ok {
		panic(fmt.Errorf("log retention %d days is not a CloudWatch Logs retention", n))
	}
	return r
}
