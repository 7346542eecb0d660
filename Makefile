# VoiceVault: the commands people and CI use. Each installs what it needs (scripts/setup).
.PHONY: setup synth test ci clean

setup: ## install the pinned npm packages and Go modules
	scripts/setup

synth: ## main job: synthesize config (CONFIG=path, default config/example.yaml) into cdk.out/
	scripts/synth

test: ## the whole test suite
	scripts/test

ci: ## what CI runs: formatting, vet, the whole test suite
	.ci/run

clean:
	rm -rf cdk.out bin
