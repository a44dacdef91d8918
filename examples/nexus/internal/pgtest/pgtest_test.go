package pgtest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// stopTB records how a helper ends a test: Fatal or Skip, the way CI and a
// developer's machine see it.
type stopTB struct {
	testing.TB
	how string
}

type stopped struct{}

func (s *stopTB) Helper() {}
func (s *stopTB) Fatalf(format string, args ...any) {
	s.how = "fatal: " + fmt.Sprintf(format, args...)
	panic(stopped{})
}
func (s *stopTB) Skipf(format string, args ...any) {
	s.how = "skip: " + fmt.Sprintf(format, args...)
	panic(stopped{})
}

func outcome(tb *stopTB) (how string) {
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(stopped); !ok {
				panic(v)
			}
			how = tb.how
		}
	}()
	URL(tb)
	return "ran"
}

// TestWithoutDatabase: without a test database the PostgreSQL tests skip
// with instructions locally and fail under CI=true, so CI can never pass by
// skipping them. Not parallel: it sets environment variables.
func TestWithoutDatabase(t *testing.T) {
	t.Setenv(EnvVar, "")
	t.Setenv("CI", "")
	assert.Contains(t, outcome(&stopTB{TB: t}), "skip: PostgreSQL tests skipped: set "+EnvVar)
	t.Setenv("CI", "true")
	assert.Contains(t, outcome(&stopTB{TB: t}), "fatal: "+EnvVar+" is not set: CI must run the PostgreSQL tests")
}
