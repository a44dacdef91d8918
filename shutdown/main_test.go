package shutdown_test

import (
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain())
	}
	code := m.Run()
	if code == 0 {
		if leaks := leakedGoroutines(); len(leaks) > 0 {
			fmt.Fprintf(os.Stderr, "goroutines leaked by the tests:\n\n%s\n", strings.Join(leaks, "\n\n"))
			code = 1
		}
	}
	os.Exit(code)
}

// leakedGoroutines returns the stacks of goroutines still running after the
// tests, ignoring the runtime's and the test framework's own, after giving
// goroutines that are on their way out up to five seconds to finish.
func leakedGoroutines() []string {
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	var leaks []string
	for range 100 {
		leaks = leaks[:0]
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		for i, g := range strings.Split(string(buf), "\n\n") {
			if i == 0 || ignorable(g) { // the first is this goroutine
				continue
			}
			leaks = append(leaks, g)
		}
		if len(leaks) == 0 {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return leaks
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

// TestLeakCheckDetects proves the leak check is not vacuous: a goroutine
// parked on a channel is reported until it ends.
func TestLeakCheckDetects(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	go func() {
		close(started)
		<-release
	}()
	<-started
	// The goroutine parks on <-release shortly after close(started); on a
	// loaded machine that can take a while, so look again until it shows.
	found := false
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(10 * time.Second); !found && time.Now().Before(deadline); {
		dump := string(buf[:runtime.Stack(buf, true)])
		for _, g := range strings.Split(dump, "\n\n") {
			if strings.Contains(g, "TestLeakCheckDetects") && strings.Contains(g, "chan receive") && !ignorable(g) {
				found = true
			}
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
