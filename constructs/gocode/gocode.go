// Package gocode is the code of VoiceVault's Go Lambda functions: a main package of this module,
// built during synth with the local Go toolchain (no Docker) into a reproducible provided.al2023
// arm64 bootstrap, with an asset hash that changes exactly when the binary can.
package gocode

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/jsii-runtime-go"
)

// ModulePath is the Go module whose root holds the functions' source.
const ModulePath = "github.com/voicevault/voicevault"

// BuildEnv and BuildArgs are exactly how the bootstrap binary is built: static (no cgo), Linux
// arm64 for provided.al2023 on Graviton, without the RPC mode of aws-lambda-go, and reproducible
// (no file paths, VCS stamp or build ID in the binary), so one source gives one binary.
var (
	BuildEnv  = []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64", "GOFLAGS="}
	BuildArgs = []string{"build", "-tags", "lambda.norpc", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w -buildid="}
)

// hashVersion changes when the way the hash is computed changes. (It keeps the name of the
// package the code came from: renaming it would redeploy every function for nothing.)
const hashVersion = "voicevault-authorizerfn-1"

// Source is the Go main package built into the function's bootstrap, with the local Go
// toolchain: no Docker.
type Source struct {
	Package    string // Required. The main package, relative to the module root (e.g. "./lambda/authorizer").
	ModuleRoot string // Default: the nearest directory at or above the working directory whose go.mod declares ModulePath.
}

func (s Source) withDefaults() (Source, error) {
	if s.Package == "" {
		return s, errors.New("gocode: the main package is required")
	}
	if s.ModuleRoot == "" {
		root, err := findModuleRoot()
		if err != nil {
			return s, err
		}
		s.ModuleRoot = root
	}
	return s, nil
}

// Dir is the package's directory.
func (s Source) Dir() string { return filepath.Join(s.ModuleRoot, filepath.FromSlash(s.Package)) }

func findModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && declaresModule(b, ModulePath) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of module %s at or above the working directory: run from the repository", ModulePath)
		}
		dir = parent
	}
}

func declaresModule(gomod []byte, module string) bool {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "module" && f[1] == module {
			return true
		}
	}
	return false
}

var hashes sync.Map // Source -> string

// Hash is the asset hash of the binary Build makes: SHA-256 over the Go version, the build
// environment and flags, go.mod, go.sum and every file of the module's own packages that the
// binary compiles (as `go list -deps` lists them for linux/arm64). The same source, toolchain and
// flags give the same hash; a change to any of them (a Go security release included) gives a new
// one, so the function is redeployed exactly when its binary can differ.
func (s Source) Hash() (string, error) {
	s, err := s.withDefaults()
	if err != nil {
		return "", err
	}
	if h, ok := hashes.Load(s); ok {
		return h.(string), nil
	}
	files, err := s.files()
	if err != nil {
		return "", err
	}
	version, err := s.goCmd("env", "GOVERSION")
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\nenv %q\nargs %q\npackage %s\n", hashVersion, strings.TrimSpace(version), BuildEnv, BuildArgs, s.Package)
	for _, rel := range files {
		b, err := os.ReadFile(filepath.Join(s.ModuleRoot, rel))
		if err != nil {
			return "", err
		}
		sum := sha256.Sum256(b)
		fmt.Fprintf(h, "file %s %s\n", filepath.ToSlash(rel), hex.EncodeToString(sum[:]))
	}
	sum := hex.EncodeToString(h.Sum(nil))
	hashes.Store(s, sum)
	return sum, nil
}

// files lists, relative to the module root and sorted, go.mod, go.sum and the Go and embedded
// files of every package of this module that the binary depends on.
func (s Source) files() ([]string, error) {
	out, err := s.goCmd("list", "-deps", "-tags", "lambda.norpc", "-f",
		`{{if and .Module .Module.Main}}{{.Dir}}{{range .GoFiles}}{{"\t"}}{{.}}{{end}}{{range .EmbedFiles}}{{"\t"}}{{.}}{{end}}{{end}}`, s.Package)
	if err != nil {
		return nil, err
	}
	files := []string{"go.mod", "go.sum"}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(strings.TrimSpace(line), "\t")
		if len(f) < 2 {
			continue
		}
		dir, err := filepath.Rel(s.ModuleRoot, f[0])
		if err != nil || strings.HasPrefix(dir, "..") {
			return nil, fmt.Errorf("package directory %s is outside the module root %s", f[0], s.ModuleRoot)
		}
		for _, name := range f[1:] {
			files = append(files, filepath.Join(dir, name))
		}
	}
	if len(files) == 2 {
		return nil, fmt.Errorf("go list %s: no Go files of module %s", s.Package, ModulePath)
	}
	sort.Strings(files)
	return files, nil
}

// Build compiles the package into outputDir/bootstrap.
func (s Source) Build(outputDir string) error {
	s, err := s.withDefaults()
	if err != nil {
		return err
	}
	args := append(append([]string{}, BuildArgs...), "-o", filepath.Join(outputDir, "bootstrap"), s.Package)
	_, err = s.goCmd(args...)
	return err
}

func (s Source) goCmd(args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = s.ModuleRoot
	cmd.Env = append(os.Environ(), BuildEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("go %s: %s", args[0], strings.TrimSpace(stderr.String()))
		}
		return "", fmt.Errorf("go %s: %w (Lambda functions are built with the local Go toolchain)", args[0], err)
	}
	return stdout.String(), nil
}

// localBundler builds the binary during synth (awscdk.ILocalBundling), so the asset never needs
// Docker. It returns true or panics: a false would make the CDK fall back to Docker, which must
// not happen here.
type localBundler struct{ src Source }

// TryBundle implements awscdk.ILocalBundling.
func (b *localBundler) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	if err := b.src.Build(*outputDir); err != nil {
		panic(fmt.Errorf("bundling %s: %w", b.src.Package, err))
	}
	return jsii.Bool(true)
}

var (
	bundlersMu sync.Mutex
	bundlers   = map[Source]*localBundler{}
)

// bundlerFor returns one bundler per source for the whole process: the CDK folds the bundling
// options into the asset hash and its staging cache, so the same source must always present the
// same object.
func bundlerFor(s Source) *localBundler {
	bundlersMu.Lock()
	defer bundlersMu.Unlock()
	b, ok := bundlers[s]
	if !ok {
		b = &localBundler{src: s}
		bundlers[s] = b
	}
	return b
}

// Code is the function code of s, built during synth, and its asset hash (Hash).
func (s Source) Code() (awslambda.Code, string, error) {
	s, err := s.withDefaults()
	if err != nil {
		return nil, "", err
	}
	hash, err := s.Hash()
	if err != nil {
		return nil, "", err
	}
	return awslambda.Code_FromAsset(jsii.String(s.Dir()), &awss3assets.AssetOptions{
		AssetHash:     jsii.String(hash),
		AssetHashType: awscdk.AssetHashType_CUSTOM,
		Bundling: &awscdk.BundlingOptions{
			// Never pulled: the local bundler builds with the Go toolchain and never returns false.
			Image:      awscdk.DockerImage_FromRegistry(jsii.String("none")),
			Local:      bundlerFor(s),
			OutputType: awscdk.BundlingOutput_NOT_ARCHIVED,
		},
	}), hash, nil
}
