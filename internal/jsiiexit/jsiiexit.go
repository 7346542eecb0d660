// Package jsiiexit shuts the jsii runtime down without its spurious shutdown message.
//
// jsii-runtime-go v1.140.0 waits for the node child process twice: in a goroutine started with
// the process, and again in Close. Whichever Wait loses the race gets ECHILD, and when that is
// the goroutine it prints "Runtime process exited abnormally: waitid: no child processes" although
// node exited cleanly. The message goes to os.Stderr as it is when printed, so Close points
// os.Stderr at /dev/null first; everything the program means to say must be written before.
package jsiiexit

import (
	"os"

	"github.com/aws/jsii-runtime-go"
)

// Close ends the jsii runtime quietly. Call it last (e.g. deferred first in main).
func Close() {
	if null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		os.Stderr = null
	}
	jsii.Close()
}
