package shutdown_test

import (
	"os"
	"testing"

	"github.com/nexuskit/nexus/internal/leakcheck"
)

// TestMain runs childMain in the load test's child process and otherwise
// fails the run when goroutines outlive the tests: a drain, a hook or a
// server that never stops shows up here.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain())
	}
	os.Exit(leakcheck.Run(m))
}
