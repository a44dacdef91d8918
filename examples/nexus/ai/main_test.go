package ai_test

import (
	"os"
	"testing"

	"github.com/nexuskit/nexus/examples/nexus/internal/leakcheck"
)

// TestMain fails the run when a test leaves goroutines behind: a stream
// reader or a monitor probe that outlives its context.
func TestMain(m *testing.M) { os.Exit(leakcheck.Run(m)) }
