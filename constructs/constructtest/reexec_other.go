//go:build !unix

package constructtest

// reexec does nothing where a process can't replace itself: the tests run validated.
func reexec(string, []string, []string) {}
