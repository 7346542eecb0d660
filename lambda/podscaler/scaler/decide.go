package scaler

import "math"

// Reason says why [Decide] chose its replica count. Every run logs one.
type Reason string

// The reasons, in the order Decide checks them.
const (
	ReasonBelowMin        Reason = "below-min"        // current < min: set min
	ReasonAboveMax        Reason = "above-max"        // current > max: set max
	ReasonNoMetrics       Reason = "no-metrics"       // no ready pod answered with metrics: hold
	ReasonWithinTolerance Reason = "within-tolerance" // load within 10% of target, or no change: hold
	ReasonWaitingForPods  Reason = "waiting-for-pods" // more needed but not every replica is ready yet: hold
	ReasonScaleUp         Reason = "scale-up"         // at most doubled (or +4), at most max
	ReasonScaleDown       Reason = "scale-down"       // one replica per run, never below min
)

// Tolerance is how far the mean load per ready pod may be from the target
// (as a fraction of it) before the scaler acts, as the Kubernetes HPA's
// default 0.1.
const Tolerance = 0.1

// Input is what one reconcile observed.
type Input struct {
	Current int       // the scale subresource's spec.replicas
	Ready   int       // ready pods behind the Service
	Loads   []float64 // loads of the ready pods that had metrics (len ≤ Ready)
	Min     int
	Max     int
	Target  float64 // load one pod should carry (TARGET_IN_FLIGHT)
}

// Decision is the replica count Decide wants and why.
type Decision struct {
	Desired int
	Reason  Reason
	Load    float64 // sum of Loads
}

// Decide is the scaling rule, a pure function of what was observed:
//
//  1. current < min → min ("below-min"); current > max → max ("above-max").
//  2. No pod with metrics → hold ("no-metrics").
//  3. Pods without metrics count as 0 for a scale-up and as exactly Target
//     for a scale-down, so a silent pod never causes either (like the HPA).
//  4. If the mean load per ready pod (scale-up total / ready) is within
//     Tolerance of Target → hold ("within-tolerance").
//  5. desired = ceil(total / Target), with the scale-up total when it is
//     above current and the scale-down total when it is below; otherwise
//     hold ("within-tolerance").
//  6. Scale up only when every replica is ready ("waiting-for-pods"
//     otherwise), to at most max(2×current, current+4) and at most max
//     ("scale-up").
//  7. Scale down by one replica per run, never below min ("scale-down").
//
// At max (or min) the reason is still scale-up (scale-down) with Desired
// equal to Current: the load asks for more (fewer) than the bounds allow.
func Decide(in Input) Decision {
	var sum float64
	measured := 0
	for _, l := range in.Loads {
		if l >= 0 && !math.IsInf(l, 0) { // NaN fails l >= 0; such a pod counts as unmeasured
			sum += l
			measured++
		}
	}
	d := Decision{Desired: in.Current, Load: sum}
	switch {
	case in.Current < in.Min:
		d.Desired, d.Reason = in.Min, ReasonBelowMin
		return d
	case in.Current > in.Max:
		d.Desired, d.Reason = in.Max, ReasonAboveMax
		return d
	case measured == 0 || !(in.Target > 0):
		d.Reason = ReasonNoMetrics
		return d
	}
	ready := max(in.Ready, measured)
	upTotal := sum
	downTotal := sum + in.Target*float64(ready-measured)

	ratio := upTotal / float64(ready) / in.Target
	if math.Abs(ratio-1) <= Tolerance+1e-9 { // 4×2.2 over 4 pods is 1.1000000000000003 × target
		d.Reason = ReasonWithinTolerance
		return d
	}
	up, down := replicasFor(upTotal, in.Target, in.Max), replicasFor(downTotal, in.Target, in.Max)
	switch {
	case up > in.Current:
		if ready < in.Current {
			d.Reason = ReasonWaitingForPods
			return d
		}
		d.Desired, d.Reason = min(up, max(2*in.Current, in.Current+4), in.Max), ReasonScaleUp
	case down < in.Current:
		d.Desired, d.Reason = max(down, in.Current-1, in.Min), ReasonScaleDown
	default:
		d.Reason = ReasonWithinTolerance
	}
	return d
}

// replicasFor is ceil(total/target), at most limit+1 (so a huge load cannot
// overflow an int) and at least 0. A hair over a whole number (floating
// point noise) does not round up.
func replicasFor(total, target float64, limit int) int {
	f := math.Ceil(total/target - 1e-9)
	switch {
	case !(f > 0): // also NaN
		return 0
	case f > float64(limit):
		return limit + 1
	}
	return int(f)
}
