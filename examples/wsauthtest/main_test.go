package wsauthtest

import (
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the run when goroutines outlive the tests: a WebSocket
// handler that never returns after its client left (it waited on the
// request context, which a hijacked connection never cancels) shows up
// here.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaks := leakedGoroutines(5 * time.Second); len(leaks) > 0 {
			fmt.Fprintf(os.Stderr, "goroutines leaked by the tests:\n\n%s\n", strings.Join(leaks, "\n\n"))
			code = 1
		}
	}
	os.Exit(code)
}

// leakedGoroutines returns the stacks of goroutines still running, ignoring
// the runtime's and the test framework's own, after giving goroutines on
// their way out up to wait to finish.
func leakedGoroutines(wait time.Duration) []string {
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	var leaks []string
	for deadline := time.Now().Add(wait); ; {
		leaks = leaks[:0]
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		for i, g := range strings.Split(string(buf), "\n\n") {
			if i == 0 || ignorable(g) { // the first is this goroutine
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
		"testing.(*T).Run",
		"testing.tRunner.func1",
		"testing.runFuzzing",
		"os/signal.signal_recv",
		"os/signal.loop",
		"runtime.ensureSigM",
		"runtime.goexit0",
		"created by runtime.gc",
		"runtime.ReadTrace",
	} {
		if strings.Contains(stack, s) {
			return true
		}
	}
	return false
}

// TestLeakCheckDetects proves the leak check is not vacuous: a goroutine
// parked on a channel is reported until it ends.
func TestLeakCheckDetects(t *testing.T) {
	release, started := make(chan struct{}), make(chan struct{})
	go func() {
		close(started)
		<-release
	}()
	<-started
	found := false
	for deadline := time.Now().Add(10 * time.Second); !found && time.Now().Before(deadline); {
		for _, g := range leakedGoroutines(0) {
			found = found || strings.Contains(g, "TestLeakCheckDetects") && strings.Contains(g, "chan receive")
		}
		if !found {
			time.Sleep(5 * time.Millisecond)
		}
	}
	close(release)
	if !found {
		t.Fatal("the leak check would not see a parked goroutine")
	}
}
