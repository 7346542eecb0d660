# Sourced by the delivery scripts (diff, deploy, bootstrap, pr-comment): the pinned toolchain, the
# deployment file (CONFIG, else $VOICEVAULT_CONFIG, else config/example.yaml), through
# bin/vvconfig what the file says about an environment (no YAML is parsed here), and the cloud
# assembly the CDK CLI acts on (ASSEMBLY, see vv_assembly).
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

# CDK_CLI is the CDK CLI to run (tests put a recorder here); default: the pinned one on PATH.
CDK_CLI="${CDK_CLI:-cdk}"

# vv_assembly (after vv_load) settles the cloud assembly every later vv_cdk acts on, so a script synthesizes at
# most once however many commands it runs. ASSEMBLY names an existing one: CI passes the synth
# job's artifact, so what is diffed and deployed is byte for byte what was synthesized, tested and
# audited in that run. Without it the deployment file is synthesized here, once, into a
# temporary directory.
vv_assembly() {
  if [ -n "${ASSEMBLY:-}" ]; then
    if [ ! -f "$ASSEMBLY/manifest.json" ]; then
      echo "$(basename "$0"): ASSEMBLY=$ASSEMBLY is not a cloud assembly (no manifest.json); unset it to synthesize $CONFIG" >&2
      exit 2
    fi
    # The environment's stacks (vv_load) must be in it: an assembly of another deployment file
    # would otherwise fail later, stack by stack, or deploy something else.
    local s
    for s in ${VV_PLATFORM_STACK:-} ${VV_COSTS_STACK:-} ${VV_TENANT_STACKS:-} ${VV_DELIVERY_STACK:-}; do
      if [ ! -f "$ASSEMBLY/$s.template.json" ]; then
        echo "$(basename "$0"): ASSEMBLY=$ASSEMBLY has no stack $s of $CONFIG: synthesized from another deployment file?" >&2
        exit 2
      fi
    done
    # A Lambda custom runtime's bootstrap must be executable; copies that drop file modes (CI
    # artifacts without tar) would deploy a function that cannot start.
    local b
    while IFS= read -r b; do
      if [ ! -x "$b" ]; then
        echo "$(basename "$0"): $b is not executable: the assembly lost its file modes (copy it as a tar)" >&2
        exit 2
      fi
    done < <(find "$ASSEMBLY" -path "$ASSEMBLY/asset.*" -type f -name bootstrap)
  else
    vv_tmp=$(mktemp -d)
    trap 'rm -rf "$vv_tmp"' EXIT
    ASSEMBLY="$vv_tmp/cdk.out"
    "$CDK_CLI" synth --quiet --no-notices --no-version-reporting -c "config=$CONFIG" -o "$ASSEMBLY" >/dev/null
  fi
  export ASSEMBLY
}

# vv_cdk runs the CDK CLI on the assembly (vv_assembly first), without notices or version reporting.
vv_cdk() {
  "$CDK_CLI" --no-notices --no-version-reporting --app "$ASSEMBLY" "$@"
}
