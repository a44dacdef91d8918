package wsauth

import (
	"context"
	"net/http"
	"net/netip"
)

// EventKind tells what an Event reports.
type EventKind int

// The kinds of Event.
const (
	// EventAttempt is one handshake attempt's result, exactly once per
	// attempt that Middleware authenticates (the same attempts the audit
	// log records), throttle rejections included.
	EventAttempt EventKind = iota
	// EventStoreFailed: the ThrottleStorage store failed (Err says how);
	// the throttle counts locally until EventStoreRecovered.
	EventStoreFailed
	// EventStoreRecovered: the ThrottleStorage store answers again.
	EventStoreRecovered
)

// Outcomes of an EventAttempt, as in the audit record.
const (
	OutcomeAccepted  = outcomeAccepted  // authenticated; next runs
	OutcomeRejected  = outcomeRejected  // 401 or 403
	OutcomeThrottled = outcomeThrottled // 429
	OutcomeError     = outcomeError     // a server-side failure (500 or the Authenticator's 5xx)
)

// Event is what an Observe hook receives: for metrics and traces. Its
// fields never hold the credential.
type Event struct {
	Kind EventKind
	// Outcome is one of OutcomeAccepted, OutcomeRejected, OutcomeThrottled
	// and OutcomeError, for EventAttempt.
	Outcome string
	// Reason is the audit record's reason for EventAttempt: "authenticated",
	// "origin_not_allowed", "no_credentials", "bad_signature",
	// "too_many_failures", "too_many_attempts_in_progress", ... A closed
	// set, fit for a metric label, except that an Authenticator may supply
	// its own with a Reason() method.
	Reason string
	// Source is the credential source, when one was found.
	Source string
	// Client is the client address (see TrustedProxies); invalid when
	// RemoteAddr is not an IP address, and for store events.
	Client netip.Addr
	// Request is the upgrade request, nil for store events. The hook must
	// not modify it.
	Request *http.Request
	// Err is the store's error, for EventStoreFailed.
	Err error
}

// Observe sets a hook called synchronously, on the request's goroutine,
// for every Event: each attempt's outcome and reason (throttle rejections
// included) and each change of the ThrottleStorage store between failing
// and recovered. It must be fast and safe for concurrent use. Nil (the
// default) turns it off at no cost: no Event is built and nothing is
// allocated. A set hook allocates nothing either:
//
//	go test -run '^$' -bench BenchmarkObserve -benchmem ./wsauth
//
// measured a rejected attempt at 8 allocs/op, 459 B/op both unset and with
// a no-op hook (2026-11-30, Go 1.26.8, 2-core VM shared with other jobs,
// load ~25, so the ns/op figures are not comparable).
func Observe(fn func(ctx context.Context, e Event)) Option {
	return func(c *config) { c.observe = fn }
}
