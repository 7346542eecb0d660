package scaler

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDecide(t *testing.T) {
	// Min 2, max 20, target 2 unless a case says otherwise.
	tests := []struct {
		name    string
		in      Input
		desired int
		reason  Reason
	}{
		// 1. bounds first, whatever the load
		{"below min", Input{Current: 1, Ready: 1, Loads: []float64{2}}, 2, ReasonBelowMin},
		{"scaled to zero", Input{Current: 0}, 2, ReasonBelowMin},
		{"above max", Input{Current: 25, Ready: 25, Loads: []float64{0}}, 20, ReasonAboveMax},
		{"above max even when overloaded", Input{Current: 21, Ready: 21, Loads: []float64{100}}, 20, ReasonAboveMax},

		// 2. no metrics
		{"no ready pods", Input{Current: 3, Ready: 0}, 3, ReasonNoMetrics},
		{"no pod answered", Input{Current: 3, Ready: 3, Loads: nil}, 3, ReasonNoMetrics},
		{"only unusable loads", Input{Current: 3, Ready: 3, Loads: []float64{math.NaN(), math.Inf(1), -1}}, 3, ReasonNoMetrics},

		// 4. tolerance: mean load per ready pod within 10% of target
		{"exactly on target", Input{Current: 4, Ready: 4, Loads: []float64{2, 2, 2, 2}}, 4, ReasonWithinTolerance},
		{"10% over holds", Input{Current: 4, Ready: 4, Loads: []float64{2.2, 2.2, 2.2, 2.2}}, 4, ReasonWithinTolerance},
		{"10% under holds", Input{Current: 20, Ready: 20, Loads: rep(20, 1.8)}, 20, ReasonWithinTolerance},
		{"just over 10% scales up", Input{Current: 4, Ready: 4, Loads: []float64{2.21, 2.21, 2.21, 2.21}}, 5, ReasonScaleUp},
		{"just under 10% scales down", Input{Current: 20, Ready: 20, Loads: rep(20, 1.79)}, 19, ReasonScaleDown},
		{"under 10% but ceil is current holds", Input{Current: 4, Ready: 4, Loads: rep(4, 1.79)}, 4, ReasonWithinTolerance},
		{"outside tolerance but same count", Input{Current: 3, Ready: 3, Loads: []float64{1.6, 1.6, 1.6}}, 3, ReasonWithinTolerance},

		// 5/6. scale up: ceil(total/target), capped at max(2×current, current+4) and max
		{"scale up to ceil", Input{Current: 2, Ready: 2, Loads: []float64{3, 3}}, 3, ReasonScaleUp},
		{"float noise does not round up", Input{Current: 2, Ready: 2, Loads: []float64{3.0000000000000004, 2.9999999999999996, 2}}, 4, ReasonScaleUp},
		{"small: +4 cap", Input{Current: 2, Ready: 2, Loads: []float64{40, 40}}, 6, ReasonScaleUp},
		{"large: doubling cap", Input{Current: 8, Ready: 8, Loads: rep(8, 40)}, 16, ReasonScaleUp},
		{"max cap", Input{Current: 12, Ready: 12, Loads: []float64{100}}, 20, ReasonScaleUp},
		{"at max stays at max", Input{Current: 20, Ready: 20, Loads: []float64{100}}, 20, ReasonScaleUp},
		{"huge load does not overflow", Input{Current: 2, Ready: 2, Loads: []float64{1e300, 1e300}}, 6, ReasonScaleUp},
		{"waiting for pending pods", Input{Current: 6, Ready: 4, Loads: []float64{8, 8, 8, 8}}, 6, ReasonWaitingForPods},

		// 7. scale down: one replica per run, never below min
		{"scale down by one", Input{Current: 10, Ready: 10, Loads: rep(10, 0.5)}, 9, ReasonScaleDown},
		{"idle goes to min one step at a time", Input{Current: 3, Ready: 3, Loads: []float64{0, 0, 0}}, 2, ReasonScaleDown},
		{"idle at min stays at min", Input{Current: 2, Ready: 2, Loads: []float64{0, 0}}, 2, ReasonScaleDown},
		{"scale down while pods start", Input{Current: 6, Ready: 4, Loads: []float64{0, 0, 0, 0}}, 5, ReasonScaleDown},

		// 3. pods without metrics: 0 for scale-up, target for scale-down
		{"missing pods count 0 for scale-up", Input{Current: 4, Ready: 4, Loads: []float64{6, 6}}, 6, ReasonScaleUp},
		{"missing pods hold a scale-down", Input{Current: 4, Ready: 4, Loads: []float64{1.5, 1.5}}, 4, ReasonWithinTolerance},
		{"missing pods count as target when scaling down", Input{Current: 4, Ready: 4, Loads: []float64{0, 0}}, 3, ReasonScaleDown},
		{"missing pods: no scale-up from the down estimate", Input{Current: 4, Ready: 4, Loads: []float64{3.5, 3.5}}, 4, ReasonWithinTolerance},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in.Min == 0 {
				in.Min, in.Max, in.Target = 2, 20, 2
			}
			got := Decide(in)
			assert.Equal(t, tc.desired, got.Desired, "desired")
			assert.Equal(t, tc.reason, got.Reason, "reason")
		})
	}
}

func TestDecideReportsTheMeasuredLoad(t *testing.T) {
	d := Decide(Input{Current: 2, Ready: 3, Loads: []float64{1.5, math.NaN(), 2}, Min: 1, Max: 5, Target: 1})
	assert.InDelta(t, 3.5, d.Load, 1e-9, "NaN is left out")
}

func TestDecideNeverLeavesTheBounds(t *testing.T) {
	for current := 0; current <= 12; current++ {
		for ready := 0; ready <= current+1; ready++ {
			for _, load := range []float64{0, 0.3, 1, 2, 7, 1e9} {
				loads := rep(ready/2+ready%2, load)
				d := Decide(Input{Current: current, Ready: ready, Loads: loads, Min: 2, Max: 10, Target: 1})
				assert.GreaterOrEqual(t, d.Desired, 2, "current %d ready %d load %v", current, ready, load)
				assert.LessOrEqual(t, d.Desired, 10, "current %d ready %d load %v", current, ready, load)
				if current >= 2 && current <= 10 && d.Desired < current {
					assert.Equal(t, current-1, d.Desired, "one replica per run")
				}
				if d.Reason == ReasonScaleUp {
					assert.LessOrEqual(t, d.Desired, max(2*current, current+4))
				}
			}
		}
	}
}

// rep is n loads of v.
func rep(n int, v float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}
