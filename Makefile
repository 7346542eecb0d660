# VoiceVault: the commands people and CI use. Each installs what it needs (scripts/setup).
.PHONY: setup synth test ci bench clean diff deploy bootstrap preflight require-env

setup: ## install the pinned npm packages and Go modules
	scripts/setup

synth: ## main job: synthesize config (CONFIG=path, default config/example.yaml) into cdk.out/
	scripts/synth

test: ## the whole test suite
	scripts/test

ci: ## what CI runs: formatting, vet, the whole test suite
	.ci/run

bench: ## performance budgets, measured (SIZES=1,5,10,25,50 RUNS=1)
	scripts/bench

# Delivery: the same scripts the GitHub Actions workflow runs (.github/workflows/voicevault.yml).
# ENV=<environment> selects the environment; TENANT=<name> one tenant; CONFIG=<file> the deployment file.
ENV ?=
TENANT ?=
PART ?= all

diff: require-env ## cdk diff of ENV's stacks (or TENANT's) against the account (read-only)
	scripts/diff "$(ENV)" $(TENANT)

deploy: require-env ## deploy ENV: platform, then tenants in parallel (TENANT=name: one tenant; PART=platform|tenants|delivery)
	scripts/deploy "$(ENV)" $(if $(TENANT),tenant "$(TENANT)",$(PART))

preflight: require-env ## read-only AWS checks of ENV's account before deploying: what would fail and the setting that fixes it
	scripts/preflight "$(ENV)"

bootstrap: require-env ## print the cdk bootstrap command for ENV (RUN=1 runs it, with administrator credentials)
	scripts/bootstrap "$(ENV)"

require-env:
	@test -n "$(ENV)" || { echo "set ENV=<environment>, e.g. make $(MAKECMDGOALS) ENV=prod" >&2; exit 2; }

clean:
	rm -rf cdk.out bin
