package alarmtopic_test

import "github.com/aws/jsii-runtime-go"

func jsiiString(s string) *string { return jsii.String(s) }
