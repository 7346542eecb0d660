// Command bench measures what a synth costs: it synthesizes generated configurations with
// 1, 5, 10, 25 and 50 pooled tenants, the example configuration, and a one-resource CDK app
// (the jsii start-up floor), each in a fresh process, and prints one table:
// wall time, peak memory, templates written, and the largest template's resource count and
// bytes, then checks the budgets (see README, "Performance").
//
//	go run ./cmd/bench [-sizes 1,5,10,25,50] [-runs 1]
//
// It runs the prebuilt app binary (bin/voicevault) and floor binary (bin/floorapp): build them
// first (scripts/bench does).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/voicevault/voicevault/config"
)

// CloudFormation's limits per template, and the share of them a template may use.
const (
	limitResources  = 500
	limitBytes      = 1 << 20 // template uploaded through S3
	limitOutputs    = 200
	limitParameters = 200
	budgetShare     = 0.5
)

type row struct {
	name      string
	tenants   int
	wall      time.Duration
	cpu       time.Duration // user + system time of the synth's processes (Go and Node)
	peakMiB   float64
	templates int
	maxRes    int
	maxBytes  int
	maxOut    int
	maxParams int
	largest   string
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "measure" {
		os.Exit(measure(os.Args[2:]))
	}
	sizesFlag := flag.String("sizes", "1,5,10,25,50", "pooled tenant counts to synthesize")
	runs := flag.Int("runs", 1, "runs per size (the fastest is reported)")
	example := flag.String("config", "config/example.yaml", "the example configuration (also the base of generated ones)")
	autoscale := flag.Bool("autoscale", false, "give every generated tenant model.autoscaling (a pod scaler each): the costliest tenant")
	flag.Parse()
	if err := run(*sizesFlag, *runs, *example, *autoscale); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(sizesFlag string, runs int, example string, autoscale bool) error {
	var sizes []int
	for _, s := range strings.Split(sizesFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("-sizes: %q is not a positive number", s)
		}
		sizes = append(sizes, n)
	}
	for _, bin := range []string{"bin/voicevault", "bin/floorapp"} {
		if _, err := os.Stat(bin); err != nil {
			return fmt.Errorf("%s missing: build it first (scripts/bench does)", bin)
		}
	}
	base, err := config.Load(example)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "voicevault-bench-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	// Every synth of the CDK validates its templates (CloudFormation Validate, cfn-lint rules in
	// WebAssembly): the floor and the example are measured with it (the default, and what the
	// budget compares) and without it (CDK_VALIDATION=false), so the table shows what jsii, the
	// validation and VoiceVault itself each cost.
	noValidation := []string{"CDK_VALIDATION=false"}
	// The rows the breakdown subtracts from each other are short: at least five runs each,
	// so that one disturbed run doesn't make a difference negative.
	small := max(runs, 5)
	var rows []row
	floor, err := best(small, func() (row, error) { return synth(work, "floor (1 resource)", 0, "bin/floorapp", "", nil) })
	if err != nil {
		return err
	}
	jsiiFloor, err := best(small, func() (row, error) {
		return synth(work, "floor, template validation off", 0, "bin/floorapp", "", noValidation)
	})
	if err != nil {
		return err
	}
	ex, err := best(small, func() (row, error) {
		return synth(work, "example config", len(base.Tenants), "bin/voicevault", example, nil)
	})
	if err != nil {
		return err
	}
	exOff, err := best(small, func() (row, error) {
		return synth(work, "example config, template validation off", len(base.Tenants), "bin/voicevault", example, noValidation)
	})
	if err != nil {
		return err
	}
	rows = append(rows, floor, jsiiFloor, ex, exOff)
	var scaled []row
	for _, n := range sizes {
		path := filepath.Join(work, fmt.Sprintf("pooled-%d.yaml", n))
		if err := writePooled(example, base, n, path, autoscale); err != nil {
			return err
		}
		r, err := best(runs, func() (row, error) {
			return synth(work, fmt.Sprintf("%d pooled tenants", n), n, "bin/voicevault", path, nil)
		})
		if err != nil {
			return err
		}
		scaled = append(scaled, r)
	}
	rows = append(rows, scaled...)
	printTable(rows)
	printBreakdown(floor, jsiiFloor, ex, exOff)
	return checkBudgets(floor, ex, scaled)
}

// best runs f runs times and keeps the fastest run (the least disturbed by other load).
func best(runs int, f func() (row, error)) (row, error) {
	var out row
	for i := 0; i < max(runs, 1); i++ {
		r, err := f()
		if err != nil {
			return r, err
		}
		if i == 0 || r.wall < out.wall {
			out = r
		}
	}
	return out, nil
}

// writePooled writes a configuration with the example's first environment and n pooled tenants
// cloned from the example's first pooled tenant; with autoscale each may scale one replica above
// its minimum.
func writePooled(example string, base *config.Config, n int, path string, autoscale bool) error {
	var proto config.Tenant
	for _, t := range base.Tenants {
		if t.Isolation == config.IsolationPooled {
			proto = t
			break
		}
	}
	env := base.Environments[0]
	out := map[string]any{}
	raw, err := os.ReadFile(example)
	if err != nil {
		return err
	}
	var doc struct {
		Environments []map[string]any `yaml:"environments"`
		Tenants      []map[string]any `yaml:"tenants"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return err
	}
	var envDoc, tenantDoc map[string]any
	for _, e := range doc.Environments {
		if e["name"] == env.Name {
			envDoc = e
		}
	}
	for _, t := range doc.Tenants {
		if t["name"] == proto.Name {
			tenantDoc = t
		}
	}
	if envDoc == nil || tenantDoc == nil {
		return errors.New("example config has no pooled tenant to clone")
	}
	var tenants []map[string]any
	for i := 1; i <= n; i++ {
		t := map[string]any{}
		for k, v := range tenantDoc {
			t[k] = v
		}
		t["name"] = fmt.Sprintf("t%03d", i)
		delete(t, "customDomain")
		delete(t, "dedicatedGpuNodes") // the shared GPU nodes: the bench measures pooled tenants
		if autoscale {
			model := map[string]any{}
			if m, ok := t["model"].(map[string]any); ok {
				for k, v := range m {
					model[k] = v
				}
			}
			model["autoscaling"] = map[string]any{"maxReplicas": proto.Model.Replicas + 1}
			t["model"] = model
		}
		tenants = append(tenants, t)
	}
	// The shared GPU node group must hold every clone's minimum replicas and a rolling update
	// (config validation): 4-GPU nodes, as many as a node group may have. Node sizes do not change
	// what is synthesized per tenant.
	gpuNodes := map[string]any{}
	if g, ok := envDoc["gpuNodes"].(map[string]any); ok {
		for k, v := range g {
			gpuNodes[k] = v
		}
	}
	gpuNodes["instanceTypes"] = []string{"g6.12xlarge"}
	gpuNodes["maxSize"] = config.MaxNodeGroupSize
	envDoc["gpuNodes"] = gpuNodes
	out["environments"] = []map[string]any{envDoc}
	out["tenants"] = tenants
	b, err := yaml.Marshal(out)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// synth runs one synth in a fresh measuring process, with env added to the environment, and
// reads what it wrote.
func synth(work, name string, tenants int, bin, cfg string, env []string) (row, error) {
	outdir, err := os.MkdirTemp(work, "out-*")
	if err != nil {
		return row{}, err
	}
	defer os.RemoveAll(outdir)
	self, err := os.Executable()
	if err != nil {
		return row{}, err
	}
	cmd := exec.Command(self, "measure", bin)
	cmd.Env = append(append(os.Environ(), env...), "CDK_OUTDIR="+outdir)
	if cfg != "" {
		cmd.Env = append(cmd.Env, "VOICEVAULT_CONFIG="+cfg)
	}
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return row{}, fmt.Errorf("%s: %w", name, err)
	}
	var m struct {
		WallNS  int64 `json:"wallNs"`
		CPUNS   int64 `json:"cpuNs"`
		PeakKiB int64 `json:"peakKiB"`
	}
	if err := json.Unmarshal(out, &m); err != nil {
		return row{}, fmt.Errorf("%s: measure output: %w", name, err)
	}
	r := row{name: name, tenants: tenants, wall: time.Duration(m.WallNS), cpu: time.Duration(m.CPUNS), peakMiB: float64(m.PeakKiB) / 1024}
	files, _ := filepath.Glob(filepath.Join(outdir, "*.template.json"))
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return r, err
		}
		var tpl struct {
			Resources  map[string]any `json:"Resources"`
			Outputs    map[string]any `json:"Outputs"`
			Parameters map[string]any `json:"Parameters"`
		}
		if err := json.Unmarshal(b, &tpl); err != nil {
			return r, fmt.Errorf("%s: %w", f, err)
		}
		r.templates++
		if len(tpl.Resources) > r.maxRes || (len(tpl.Resources) == r.maxRes && len(b) > r.maxBytes) {
			r.largest = strings.TrimSuffix(filepath.Base(f), ".template.json")
		}
		r.maxRes = max(r.maxRes, len(tpl.Resources))
		r.maxBytes = max(r.maxBytes, len(b))
		r.maxOut = max(r.maxOut, len(tpl.Outputs))
		r.maxParams = max(r.maxParams, len(tpl.Parameters))
	}
	return r, nil
}

// measure runs args as a child and prints its wall time, the CPU time (user + system) of its
// whole process tree, which a busy machine disturbs less than the wall time, and the peak
// resident memory of the largest process in the tree (jsii's node process included: the app
// waits for it).
func measure(args []string) int {
	start := time.Now()
	cmd := exec.Command(args[0], args[1:]...)
	var stderr bytes.Buffer // the synth's notices (bundling, warnings): shown only if it fails
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		os.Stderr.Write(stderr.Bytes())
		fmt.Fprintln(os.Stderr, "measure:", err)
		return 1
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		return 1
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	json.NewEncoder(os.Stdout).Encode(map[string]int64{"wallNs": wall.Nanoseconds(), "cpuNs": cpu.Nanoseconds(), "peakKiB": ru.Maxrss})
	return 0
}

func printTable(rows []row) {
	fmt.Printf("| synth | tenants | wall (s) | CPU (s) | peak memory (MiB) | templates | largest template | resources | bytes | outputs | parameters |\n")
	fmt.Printf("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |\n")
	for _, r := range rows {
		fmt.Printf("| %s | %d | %.2f | %.2f | %.0f | %d | %s | %d | %d | %d | %d |\n",
			r.name, r.tenants, r.wall.Seconds(), r.cpu.Seconds(), r.peakMiB, r.templates, r.largest, r.maxRes, r.maxBytes, r.maxOut, r.maxParams)
	}
}

// printBreakdown splits the example's synth into its parts by difference of the rows.
func printBreakdown(floor, jsiiFloor, ex, exOff row) {
	s := func(d time.Duration) float64 { return d.Seconds() }
	engine := floor.wall - jsiiFloor.wall
	fmt.Println()
	fmt.Println("where the example's synth goes (by difference of the rows above):")
	fmt.Printf("  %5.2fs  jsii start-up (floor, template validation off)\n", s(jsiiFloor.wall))
	fmt.Printf("  %5.2fs  starting the CDK's template validation engine (floor − floor without it)\n", s(engine))
	fmt.Printf("  %5.2fs  VoiceVault: construct tree, four nag packs, synthesis (example − floor, validation off)\n", s(exOff.wall-jsiiFloor.wall))
	fmt.Printf("  %5.2fs  validating the example's %d templates (example − example without validation − engine start)\n", s(ex.wall-exOff.wall-engine), ex.templates)
}

// checkBudgets prints each budget with its measured value and returns an error if one is missed.
func checkBudgets(floor, example row, scaled []row) error {
	var missed []string
	check := func(ok bool, format string, args ...any) {
		status := "ok  "
		if !ok {
			status = "MISS"
			missed = append(missed, fmt.Sprintf(format, args...))
		}
		fmt.Printf("%s "+format+"\n", append([]any{status}, args...)...)
	}
	fmt.Println()
	ratio := example.wall.Seconds() / floor.wall.Seconds()
	check(ratio <= 2, "example config synth %.2fs is %.2f× the floor %.2fs (budget 2×)", example.wall.Seconds(), ratio, floor.wall.Seconds())
	if len(scaled) >= 2 {
		first, last := scaled[0], scaled[len(scaled)-1]
		if dn := float64(last.tenants - first.tenants); dn > 0 {
			perSec := (last.wall.Seconds() - first.wall.Seconds()) / dn
			perMiB := (last.peakMiB - first.peakMiB) / dn
			check(perSec <= 1.5, "each extra tenant costs %.3fs (budget 1.5s), from %d to %d tenants", perSec, first.tenants, last.tenants)
			check(perMiB <= 60, "each extra tenant costs %.1f MiB peak memory (budget 60 MiB)", perMiB)
		}
	}
	all := append([]row{example}, scaled...)
	for _, r := range all {
		check(float64(r.maxRes) <= budgetShare*limitResources, "%s: largest template %s has %d resources (budget %d)", r.name, r.largest, r.maxRes, int(budgetShare*limitResources))
		check(float64(r.maxBytes) <= budgetShare*limitBytes, "%s: largest template is %d bytes (budget %d)", r.name, r.maxBytes, int(budgetShare*limitBytes))
		check(float64(r.maxOut) <= budgetShare*limitOutputs && float64(r.maxParams) <= budgetShare*limitParameters,
			"%s: at most %d outputs and %d parameters per template (budget %d each)", r.name, r.maxOut, r.maxParams, int(budgetShare*limitOutputs))
	}
	if len(missed) > 0 {
		return fmt.Errorf("%d budget(s) missed", len(missed))
	}
	return nil
}
