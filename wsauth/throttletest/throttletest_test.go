package throttletest_test

import (
	"testing"

	"github.com/nexuskit/nexus/wsauth"
	"github.com/nexuskit/nexus/wsauth/throttletest"
)

// TestMemoryStore runs the suite against wsauth's in-memory default.
func TestMemoryStore(t *testing.T) {
	throttletest.Run(t, func(*testing.T) wsauth.ThrottleStore { return wsauth.NewMemoryThrottleStore(1000) })
}
