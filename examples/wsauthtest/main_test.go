package wsauthtest

import (
	"os"
	"testing"

	"github.com/nexuskit/nexus/internal/leakcheck"
)

// TestMain fails the run when goroutines outlive the tests: a WebSocket
// handler that never returns after its client left (it waited on the
// request context, which a hijacked connection never cancels) shows up
// here.
func TestMain(m *testing.M) { os.Exit(leakcheck.Run(m)) }
