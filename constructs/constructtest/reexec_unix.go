//go:build unix

package constructtest

import "syscall"

// reexec replaces the process with exe; it returns only if that fails.
func reexec(exe string, args, env []string) { _ = syscall.Exec(exe, args, env) }
