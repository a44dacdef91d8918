package redistest

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestServer(t *testing.T) {
	s := Start(t)
	if err := Ping(s.Addr(), time.Second); err != nil {
		t.Fatalf("PING after Start: %v", err)
	}
	s.Pause()
	if err := Ping(s.Addr(), 300*time.Millisecond); err == nil {
		t.Fatal("a paused server answered")
	}
	s.Resume()
	if err := Ping(s.Addr(), time.Second); err != nil {
		t.Fatalf("PING after Resume: %v", err)
	}
	s.Stop()
	if err := Ping(s.Addr(), 300*time.Millisecond); err == nil {
		t.Fatal("a stopped server answered")
	}
	s.Restart()
	if err := Ping(s.Addr(), time.Second); err != nil {
		t.Fatalf("PING after Restart: %v", err)
	}
	s.Pause()
	s.Restart() // from paused
	if err := Ping(s.Addr(), time.Second); err != nil {
		t.Fatalf("PING after Restart from paused: %v", err)
	}
}

// recorder is a testing.TB that records Skipf and Fatalf instead of
// ending the test.
type recorder struct {
	testing.TB
	skipped, failed string
}

type stop struct{}

func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = format
	panic(stop{})
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = format
	panic(stop{})
}

func (r *recorder) Helper() {}

// TestMissingServer: without redis-server a test is skipped locally and
// fails under CI=true.
func TestMissingServer(t *testing.T) {
	old := lookPath
	lookPath = func(string) (string, error) { return "", errors.New("not found") }
	t.Cleanup(func() { lookPath = old })
	run := func(ci string) *recorder {
		t.Setenv("CI", ci)
		r := &recorder{TB: t}
		func() {
			defer func() {
				if p := recover(); p != nil {
					if _, ok := p.(stop); !ok {
						panic(p)
					}
				}
			}()
			Start(r)
		}()
		return r
	}
	if r := run(""); !strings.Contains(r.skipped, "not installed") || r.failed != "" {
		t.Errorf("locally: skipped %q, failed %q", r.skipped, r.failed)
	}
	if r := run("true"); !strings.Contains(r.failed, "CI=true requires it") || r.skipped != "" {
		t.Errorf("under CI: skipped %q, failed %q", r.skipped, r.failed)
	}
}
