package leakcheck

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// parked starts a goroutine parked on a channel receive and returns the
// func that ends it and waits until it is gone.
func parked(t *testing.T) (release func()) {
	t.Helper()
	stop, started, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		close(started)
		<-stop
	}()
	<-started
	return func() { close(stop); <-done }
}

func reported(leaks []string, name string) bool {
	for _, g := range leaks {
		if strings.Contains(g, name) {
			return true
		}
	}
	return false
}

// TestLeakedDetects proves the check is not vacuous: a parked goroutine is
// reported until it ends.
func TestLeakedDetects(t *testing.T) {
	release := parked(t)
	leaks := Leaked(200 * time.Millisecond)
	assert.True(t, reported(leaks, "leakcheck.parked"), "the parked goroutine is reported: %v", leaks)
	release()
	assert.False(t, reported(Leaked(5*time.Second), "leakcheck.parked"), "and no longer once it ended")
}

// TestLeakedIgnoresFramework: with no goroutine of the test's own, nothing
// is reported although the test framework's goroutines (this test's
// runner, the main goroutine in testing.(*M).Run) are running.
func TestLeakedIgnoresFramework(t *testing.T) {
	assert.Empty(t, Leaked(5*time.Second))
}

// TestLeakedWaitsForGoroutinesOnTheirWayOut: a goroutine that ends within
// the grace period is not reported.
func TestLeakedWaitsForGoroutinesOnTheirWayOut(t *testing.T) {
	release := parked(t)
	time.AfterFunc(100*time.Millisecond, release)
	assert.Empty(t, Leaked(5*time.Second))
}

type fakeM struct {
	code int
	run  func()
}

func (m fakeM) Run() int {
	if m.run != nil {
		m.run()
	}
	return m.code
}

// TestRun: a passing run that leaves a goroutine behind fails (exit code
// 1) with the goroutine's stack; a clean run passes; a failing run keeps
// its own code.
func TestRun(t *testing.T) {
	var release func()
	var out bytes.Buffer
	code := run(fakeM{run: func() { release = parked(t) }}, 100*time.Millisecond, &out)
	release()
	assert.Equal(t, 1, code)
	assert.Contains(t, out.String(), "goroutines leaked by the tests")
	assert.Contains(t, out.String(), "leakcheck.parked")

	out.Reset()
	assert.Equal(t, 0, run(fakeM{}, time.Second, &out))
	assert.Empty(t, out.String())

	assert.Equal(t, 2, run(fakeM{code: 2, run: func() { release = parked(t) }}, time.Second, &out))
	release()
	assert.Empty(t, out.String(), "a failing run is not checked")
}
