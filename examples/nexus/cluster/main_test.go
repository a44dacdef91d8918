package cluster_test

import (
	"log/slog"
	"os"
	"testing"

	"github.com/nexuskit/nexus/examples/nexus/cluster"
	"github.com/nexuskit/nexus/internal/leakcheck"
)

// TestMain keeps go-redis quiet and fails the run when a test leaves
// goroutines behind (a reader, a publisher, a heartbeat).
func TestMain(m *testing.M) {
	cluster.LogRedisTo(slog.New(slog.DiscardHandler))
	os.Exit(leakcheck.Run(m))
}
