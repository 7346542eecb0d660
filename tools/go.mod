// This module exists only so that `go ./...` in the repository root skips tools/node_modules
// (the CDK CLI ships Go template files that are not valid Go). Nothing here is Go code.
module github.com/voicevault/voicevault/tools

go 1.25
