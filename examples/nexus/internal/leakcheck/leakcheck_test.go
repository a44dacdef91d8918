package leakcheck

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestLeakedDetects proves the check is not vacuous: a parked goroutine is
// reported until it ends.
func TestLeakedDetects(t *testing.T) {
	release, started := make(chan struct{}), make(chan struct{})
	go func() {
		close(started)
		<-release
	}()
	<-started
	leaks := Leaked(200 * time.Millisecond)
	assert.True(t, strings.Contains(strings.Join(leaks, "\n"), "TestLeakedDetects"), "the parked goroutine is reported: %v", leaks)
	close(release)
	assert.Empty(t, Leaked(5*time.Second), "and no longer once it ended")
}
