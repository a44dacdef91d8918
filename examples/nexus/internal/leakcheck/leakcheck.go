// Package leakcheck reports goroutines that tests leave running, for the
// TestMain of the reference server's packages: a WebSocket handler, pinger
// or store goroutine that outlives its test is a leak in production too.
package leakcheck

import (
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"
)

// Run runs the tests (m.Run) and, if they passed, fails the binary when
// goroutines are still running after a grace period, printing their stacks.
func Run(m interface{ Run() int }) int {
	code := m.Run()
	if code == 0 {
		if leaks := Leaked(5 * time.Second); len(leaks) > 0 {
			fmt.Fprintf(os.Stderr, "goroutines leaked by the tests:\n\n%s\n", strings.Join(leaks, "\n\n"))
			code = 1
		}
	}
	return code
}

// Leaked returns the stacks of the goroutines still running, other than the
// runtime's, the test framework's and the caller's, after giving goroutines
// on their way out up to grace to finish.
func Leaked(grace time.Duration) []string {
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	deadline := time.Now().Add(grace)
	for {
		var leaks []string
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		for i, g := range strings.Split(string(buf), "\n\n") {
			if i == 0 || ignorable(g) { // the first is the caller
				continue
			}
			leaks = append(leaks, g)
		}
		if len(leaks) == 0 || time.Now().After(deadline) {
			return leaks
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func ignorable(stack string) bool {
	for _, s := range []string{
		"testing.(*M).",
		"testing.runFuzzing",
		"os/signal.signal_recv",
		"os/signal.loop",
		"runtime.ensureSigM",
		"runtime.goexit0",
		"created by runtime.gc",
		"runtime.MHeap_Scavenger",
		"runtime.ReadTrace",
	} {
		if strings.Contains(stack, s) {
			return true
		}
	}
	return false
}
