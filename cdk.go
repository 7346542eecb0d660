// Command voicevault is the VoiceVault CDK app: it reads the deployment file named by the
// `config` context value (default in cdk.json: config/example.yaml), builds one platform stack
// per environment and one stack per tenant, runs the compliance packs and synthesizes.
//
// Exit codes: 0 synthesized with no findings; 1 unsuppressed compliance findings or synth
// errors; 2 the configuration is missing or invalid; 3 an internal error.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/voicevault/voicevault/internal/jsiiexit"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/stacks"
	"github.com/voicevault/voicevault/stacks/compliance"
)

// defaultConfig is used when neither -c config=PATH nor cdk.json names a file.
const defaultConfig = "config/example.yaml"

func main() {
	os.Exit(run())
}

func run() (code int) {
	defer jsiiexit.Close()
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "voicevault: internal error: %s\n", firstLine(fmt.Sprint(r)))
			code = 3
		}
	}()

	path := configPath()
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "voicevault: %v\n", err)
		if errors.Is(err, config.ErrInvalid) {
			fmt.Fprintln(os.Stderr, "voicevault: nothing synthesized; fix the file and run again (reference: README.md, \"Configuration reference\")")
		}
		return 2
	}

	app, _ := stacks.NewApp(cfg, stacks.AppOptions{CDKJSON: cdkJSON()})
	outdir := *app.Outdir()
	synthErr := catch(func() { app.Synth(nil) })
	// The runtime flows go beside the templates: the audit evaluates them from the assembly alone.
	if err := stacks.WriteFlows(cfg, outdir); err != nil && synthErr == nil {
		fmt.Fprintf(os.Stderr, "voicevault: write the runtime flows: %v\n", err)
		return 3
	}
	// With the current feature flags the CDK itself refuses to finish a synth whose constructs
	// carry error annotations (nag findings): the assembly is written, then Synth raises
	// ValidationFailed. Either way the findings are read from the assembly.
	findings, err := compliance.FindErrors(outdir)
	if err != nil && synthErr == nil {
		fmt.Fprintf(os.Stderr, "voicevault: %v\n", err)
		return 3
	}
	if len(findings) > 0 {
		fmt.Fprintf(os.Stderr, "voicevault: %d unsuppressed finding(s); fix them or add a reviewed entry to stacks/compliance/registry.go:\n", len(findings))
		for _, f := range findings {
			fmt.Fprintf(os.Stderr, "  - [%s] %s\n", f.Level, firstLine(f.String()))
		}
		return 1
	}
	if synthErr != nil {
		fmt.Fprintf(os.Stderr, "voicevault: synth failed: %s\n", firstLine(synthErr.Error()))
		return 3
	}
	return 0
}

// catch runs f and returns a panic (jsii raises JavaScript errors as panics) as an error.
func catch(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	f()
	return nil
}

// configPath reads the `config` context value the CDK CLI passes in CDK_CONTEXT_JSON (from
// cdk.json or -c config=PATH), without starting the jsii runtime: a bad file is then reported
// in milliseconds.
func configPath() string {
	if p := os.Getenv("VOICEVAULT_CONFIG"); p != "" {
		return p
	}
	if p := contextValue(os.Getenv("CDK_CONTEXT_JSON"), "config"); p != "" {
		return p
	}
	return defaultConfig
}

// cdkJSON is cdk.json in the working directory when the app runs there (the CLI, scripts/app),
// so the feature flags apply with or without the CLI; "" elsewhere.
func cdkJSON() string {
	if _, err := os.Stat("cdk.json"); err == nil {
		return "cdk.json"
	}
	return ""
}

// firstLine keeps a jsii error's message and drops the JavaScript stack trace under it.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// contextValue returns the string value of key in the CLI's context JSON, reading the overflow
// file the CLI uses when the context is too large for the environment.
func contextValue(raw, key string) string {
	if raw == "" {
		if f := os.Getenv("CONTEXT_OVERFLOW_LOCATION_ENV"); f != "" {
			if b, err := os.ReadFile(f); err == nil {
				raw = string(b)
			}
		}
	}
	var ctx map[string]any
	if raw == "" || json.Unmarshal([]byte(raw), &ctx) != nil {
		return ""
	}
	s, _ := ctx[key].(string)
	return s
}
