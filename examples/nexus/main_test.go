package main

import (
	"os"
	"testing"

	"github.com/nexuskit/nexus/examples/nexus/internal/leakcheck"
)

// TestMain fails the run when a test leaves goroutines behind: a WebSocket
// handler that does not return when its client leaves, a pinger, a store.
func TestMain(m *testing.M) { os.Exit(leakcheck.Run(m)) }
