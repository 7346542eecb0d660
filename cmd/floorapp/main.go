// Command floorapp is the smallest CDK app: one stack with one resource. cmd/bench runs it
// beside VoiceVault to measure the jsii start-up floor on the same machine in the same run.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/internal/jsiiexit"
)

func main() {
	defer jsiiexit.Close()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("floor"), nil)
	awscdk.NewCfnWaitConditionHandle(stack, jsii.String("One"), &awscdk.CfnWaitConditionHandleProps{})
	app.Synth(nil)
}
