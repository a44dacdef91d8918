package store_test

import (
	"os"
	"testing"

	"github.com/nexuskit/nexus/examples/nexus/internal/leakcheck"
)

func TestMain(m *testing.M) { os.Exit(leakcheck.Run(m)) }
