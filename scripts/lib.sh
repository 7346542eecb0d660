# Sourced by the delivery scripts (diff, deploy, bootstrap, pr-comment): the pinned toolchain, the
# deployment file (CONFIG, else $VOICEVAULT_CONFIG, else config/example.yaml) and, through
# bin/vvconfig, what the file says about an environment. No YAML is parsed here.
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$root"
CONFIG="${CONFIG:-${VOICEVAULT_CONFIG:-config/example.yaml}}"
export VOICEVAULT_CONFIG="$CONFIG"
CGO_ENABLED=0 go build -o bin/vvconfig ./cmd/vvconfig

# vv_load ENV sets VV_* (account, region, qualifier, stack names, roles) for ENV.
vv_load() {
  local out
  out=$(bin/vvconfig -config "$CONFIG" env "$1") || exit 2
  eval "$out"
}

# vv_cdk runs the pinned CDK CLI on the deployment file, without notices or version reporting.
vv_cdk() {
  cdk --no-notices --no-version-reporting -c "config=$CONFIG" "$@"
}
