package ai

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Target is one provider watched by a Monitor.
type Target struct {
	Provider Provider
	// Variable is the environment variable that configures it.
	Variable string
	// Configured says the operator set it up (the variable is set), as
	// opposed to a default.
	Configured bool
	// Active says it answers the insights endpoint.
	Active bool
}

// Status is what /api/system reports about one provider. It never holds a
// secret or a URL.
type Status struct {
	Name       string `json:"name"`
	Variable   string `json:"variable"`
	Model      string `json:"model"`
	Configured bool   `json:"configured"`
	Active     bool   `json:"active"`
	// Reachable is the result of the last probe; null until a probe
	// completed, and for a provider neither configured nor active (never
	// probed).
	Reachable *bool `json:"reachable"`
	// CheckedAt is when the last probe completed.
	CheckedAt *time.Time `json:"checkedAt,omitempty"`
	// Problem says why the last probe failed ("unreachable", "status 401").
	Problem string `json:"problem,omitempty"`
}

// Monitor keeps a cached reachability probe of each provider that is
// configured or active. Statuses never waits for a probe: it returns what
// is cached and starts a probe in the background when the result is older
// than the TTL. Nothing here gates readiness: an AI service that is down
// makes insights fail with 502, not the server unready.
type Monitor struct {
	ttl, timeout time.Duration
	now          func() time.Time
	mu           sync.Mutex
	entries      []*monitorEntry
}

type monitorEntry struct {
	target  Target
	probing bool
	checked time.Time
	ok      bool
	problem string
}

// NewMonitor returns a Monitor of targets whose probes are cached for ttl
// and each bounded by timeout. It panics unless both are positive.
func NewMonitor(ttl, timeout time.Duration, targets ...Target) *Monitor {
	if ttl <= 0 {
		panic(fmt.Sprintf("ai: NewMonitor: ttl %v is not positive", ttl))
	}
	if timeout <= 0 {
		panic(fmt.Sprintf("ai: NewMonitor: timeout %v is not positive", timeout))
	}
	m := &Monitor{ttl: ttl, timeout: timeout, now: time.Now}
	for _, t := range targets {
		if t.Provider == nil {
			panic("ai: NewMonitor: a Target has no Provider")
		}
		m.entries = append(m.entries, &monitorEntry{target: t})
	}
	return m
}

// Statuses returns the cached status of every target, in the order given,
// and starts a background probe of each stale one. It never blocks on the
// network.
func (m *Monitor) Statuses() []Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	out := make([]Status, 0, len(m.entries))
	for _, e := range m.entries {
		t := e.target
		st := Status{Name: t.Provider.Name(), Variable: t.Variable, Model: t.Provider.Model(),
			Configured: t.Configured, Active: t.Active}
		if !e.checked.IsZero() {
			ok, at := e.ok, e.checked
			st.Reachable, st.CheckedAt, st.Problem = &ok, &at, e.problem
		}
		if (t.Configured || t.Active) && !e.probing && (e.checked.IsZero() || now.Sub(e.checked) >= m.ttl) {
			e.probing = true
			go m.probe(context.Background(), e)
		}
		out = append(out, st)
	}
	return out
}

// Refresh probes every configured or active target now and waits for the
// answers (or ctx). The server calls it in the background at start.
func (m *Monitor) Refresh(ctx context.Context) {
	var wg sync.WaitGroup
	m.mu.Lock()
	for _, e := range m.entries {
		if e.target.Configured || e.target.Active {
			e.probing = true
			wg.Go(func() { m.probe(ctx, e) })
		}
	}
	m.mu.Unlock()
	wg.Wait()
}

func (m *Monitor) probe(ctx context.Context, e *monitorEntry) {
	ctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	err := e.target.Provider.Probe(ctx)
	m.mu.Lock()
	defer m.mu.Unlock()
	e.probing = false
	e.checked = m.now()
	e.ok = err == nil
	e.problem = ""
	if err != nil {
		var ae *Error
		switch {
		case errors.As(err, &ae) && ae.Kind == KindStatus:
			e.problem = fmt.Sprintf("status %d", ae.StatusCode)
		case errors.As(err, &ae):
			e.problem = ae.Kind.String()
		case errors.Is(err, context.DeadlineExceeded):
			e.problem = KindTimeout.String()
		default:
			e.problem = "unreachable"
		}
	}
}
