// Package leakcheck is a test helper shared by nexuskit's tests and the
// examples module's: it fails a test binary when goroutines outlive its
// tests. A WebSocket handler that never returns after its client left (it
// waited on the request context, which a hijacked connection never
// cancels), a pinger, a drain or a store goroutine that outlives its test
// is a leak in production too. Library code never imports it.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(leakcheck.Run(m)) }
//
// The goroutines of the runtime (GC, signal handling, tracing) and of the
// test framework are not reported. Goroutines on their way out (a
// connection closing, a handler returning after its test ended) get a
// grace period of five seconds before they count as leaked; idle
// connections of http.DefaultTransport are closed first, since their
// read and write loops would otherwise count.
package leakcheck

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"
)

// Grace is how long Run waits for goroutines on their way out to finish
// before it reports them.
const Grace = 5 * time.Second

// Run runs the tests (m.Run, m usually a *testing.M) and, if they passed,
// returns 1 when goroutines are still running after Grace, printing their
// stacks to standard error. Otherwise it returns the tests' exit code.
func Run(m interface{ Run() int }) int {
	return run(m, Grace, os.Stderr)
}

func run(m interface{ Run() int }, grace time.Duration, w io.Writer) int {
	code := m.Run()
	if code == 0 {
		if leaks := Leaked(grace); len(leaks) > 0 {
			fmt.Fprintf(w, "goroutines leaked by the tests:\n\n%s\n", strings.Join(leaks, "\n\n"))
			code = 1
		}
	}
	return code
}

// Leaked returns the stacks of the goroutines still running, other than the
// runtime's, the test framework's and the caller's, after giving goroutines
// on their way out up to grace to finish (none with grace 0: one look).
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

// ignored are the marks of goroutines that are not the tests' own: the
// test framework's (including tests still running or waiting on parallel
// subtests, when Leaked is called from inside a test), the signal
// handler's, the garbage collector's and the tracer's.
var ignored = []string{
	"testing.(*M).",
	"testing.(*T).Run",
	"testing.tRunner.func1",
	"testing.runFuzzing",
	"os/signal.signal_recv",
	"os/signal.loop",
	"runtime.ensureSigM",
	"runtime.goexit0",
	"created by runtime.gc",
	"runtime.MHeap_Scavenger",
	"runtime.ReadTrace",
}

func ignorable(stack string) bool {
	for _, s := range ignored {
		if strings.Contains(stack, s) {
			return true
		}
	}
	return false
}
