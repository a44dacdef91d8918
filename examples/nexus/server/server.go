package server

import (
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/httprate"
	"github.com/rs/cors"

	"github.com/nexuskit/nexus/compress"
	"github.com/nexuskit/nexus/requestid"
	"github.com/nexuskit/nexus/respond"
	"github.com/nexuskit/nexus/wsauth"

	"github.com/nexuskit/nexus/examples/nexus/ai"
	"github.com/nexuskit/nexus/examples/nexus/store"
	"github.com/nexuskit/nexus/examples/nexus/telemetry"
)

// Options configures a Server. Store and Signer are required.
type Options struct {
	// Store holds the data.
	Store store.Store
	// Signer issues and checks the bearer tokens of mutations and of the
	// WebSocket.
	Signer *wsauth.Signer
	// Logger receives the access log and errors; default slog.Default().
	Logger *slog.Logger
	// CORSOrigins lists the origins allowed by CORS and by the WebSocket
	// origin check, as scheme://host[:port]; "*" allows any origin, never
	// with credentials. The server's own origin may always open the
	// WebSocket. Empty means same-origin only.
	CORSOrigins []string
	// TrustedProxies are the networks of the proxies and load balancers in
	// front of the server (TRUSTED_PROXIES). From them only, X-Forwarded-For
	// and Forwarded name the client: its address keys the rate limit and
	// wsauth's throttle and appears in the access log, and requestid accepts
	// their X-Request-ID. Empty: the connection's address is the client's,
	// and forwarded headers are ignored.
	TrustedProxies []netip.Prefix
	// RateLimit requests per RateWindow per client IP; zero disables the
	// rate limiter.
	RateLimit  int
	RateWindow time.Duration
	// Liveness and Readiness answer /healthz and /readyz, /readyz only
	// once the store answers a ping: the shutdown manager's handlers, built
	// with shutdown.ProbeResponder and (*Server).WriteProbe so they answer
	// envelopes.
	// Nil answers 200.
	Liveness, Readiness http.Handler
	// Draining is closed when the server begins to shut down: WebSockets
	// then close with 1001 Going Away.
	Draining <-chan struct{}
	// LongLived wraps the WebSocket handler so the shutdown waits for the
	// sockets to close (the shutdown manager's LongLived); nil for none.
	LongLived func(http.Handler) http.Handler
	// PingInterval is how often each WebSocket is pinged; a peer that does
	// not answer within one interval is closed. Keep it well under the idle
	// timeout of the proxies in front (commonly 60s). Default 25s.
	PingInterval time.Duration
	// EventHistory is how many events the server keeps so that a client
	// reconnecting with /ws?since=<id> gets what it missed. Default 1024.
	EventHistory int
	// Version and Environment are reported by /api/system.
	Version, Environment string
	// Integrations are reported by /api/system: configured or not, never
	// their values.
	Integrations []Integration
	// AI answers POST /api/modules/{id}/insights; nil answers 503.
	AI ai.Provider
	// AIStatus reports each AI provider (configured, reachable) in
	// /api/system from its cached probe; nil reports none.
	AIStatus *ai.Monitor

	// Metrics counts WebSocket connections and rate-limit rejections; nil
	// counts nothing. Requests are counted through AccessLogOptions
	// (requestid.Observe with Metrics.ObserveRequest).
	Metrics *telemetry.Metrics
	// RequestIDOptions and AccessLogOptions are added to the options of
	// requestid.Middleware and requestid.AccessLog (requestid.TraceParent,
	// requestid.Observe).
	RequestIDOptions []requestid.Option
	AccessLogOptions []requestid.AccessLogOption
	// CompressOptions and WSAuthOptions are added to the options of
	// compress.Middleware and of the WebSocket's wsauth.Middleware
	// (compress.Observe, wsauth.Observe; the cluster's shared throttle
	// store).
	CompressOptions []compress.Option
	WSAuthOptions   []wsauth.Option

	// Distributed mode (package cluster); all nil or empty for a single
	// instance.
	//
	// NodeID names this replica in /api/system.
	NodeID string
	// Events replaces the in-process event hub with a bus shared by the
	// replicas.
	Events EventBus
	// SharedRateLimit replaces the in-process rate limiter with one shared
	// by the replicas (which falls back to the in-process one).
	SharedRateLimit SharedRateLimit
	// Cluster returns what /api/system reports under "cluster".
	Cluster func() any
}

// Integration is an optional feature configured through the environment.
type Integration struct {
	Name       string `json:"name"`
	Variable   string `json:"variable"`
	Configured bool   `json:"configured"`
	// Active says whether this server uses it yet.
	Active bool `json:"active"`
}

// DefaultPingInterval is the WebSocket keep-alive interval when
// Options.PingInterval is zero: well under the 60s idle timeout common to
// proxies and load balancers (nginx, AWS ALB, GCP).
const DefaultPingInterval = 25 * time.Second

// Server is the NEXUS API.
type Server struct {
	opts    Options
	log     *slog.Logger
	hub     bus
	rs      *respond.Responder
	proxies proxies
	started time.Time
	handler http.Handler
}

// New builds the server. It panics when Store or Signer is missing, a
// programmer error.
func New(opts Options) *Server {
	if opts.Store == nil {
		panic("server: Options.Store is required")
	}
	if opts.Signer == nil {
		panic("server: Options.Signer is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Draining == nil {
		opts.Draining = make(chan struct{})
	}
	if opts.PingInterval <= 0 {
		opts.PingInterval = DefaultPingInterval
	}
	logger := slog.New(expectedAware{opts.Logger.Handler()})
	var events bus = newHub(opts.EventHistory)
	if opts.Events != nil {
		events = newEventBus(opts.Events)
	}
	s := &Server{opts: opts, log: logger, hub: events, started: time.Now(),
		// Every envelope, and the log record of every unexpected error and
		// panic, goes through the server's logger with the request ID.
		rs:      respond.New(respond.WithLogger(logger)),
		proxies: proxies(slices.Clone(opts.TrustedProxies))}
	s.handler = s.middleware(s.routes())
	return s
}

// Handler returns the complete handler: middleware and routes.
func (s *Server) Handler() http.Handler { return s.handler }

// Routes returns the routes without any middleware (the "bare handler" of
// the benchmarks).
func (s *Server) Routes() http.Handler { return s.routes() }

// middleware wraps h in the stack, outermost first:
//
//  1. requestid: every later layer, log record and envelope sees the ID
//     (with TrustedProxies, incoming IDs only from the proxies).
//  2. the client-address rule: from a trusted proxy, RemoteAddr becomes
//     the client named by X-Forwarded-For or Forwarded (see clientaddr.go).
//  3. access log: one record per request, including those the layers below
//     reject (CORS preflights, 429s) and those that panic.
//  4. recover: a panic below becomes a 500 envelope, logged with the ID.
//  5. CORS: preflights are answered before they count against the limit.
//  6. rate limit: per client IP on /api/ and /ws, 429 envelope with
//     Retry-After; the health probes (an orchestrator must never see a
//     healthy server as down) and the dashboard's static files are exempt.
//  7. compress: only the responses that reach the routes are compressed.
func (s *Server) middleware(h http.Handler) http.Handler {
	h = compress.Middleware(s.opts.CompressOptions...)(h)
	if s.opts.RateLimit > 0 {
		h = s.rateLimit(h)
	}
	h = s.cors(h)
	h = s.rs.Recover(h)
	h = requestid.AccessLog(s.log, s.opts.AccessLogOptions...)(h)
	h = markExpected(h)
	h = s.realClient(h)
	rid := append([]requestid.Option{requestid.Logger(s.log)}, s.opts.RequestIDOptions...)
	if len(s.proxies) > 0 {
		// requestid checks the connection's own peer: it runs before
		// realClient rewrites RemoteAddr.
		rid = append(rid, requestid.TrustedProxies(s.proxies...))
	}
	h = requestid.Middleware(rid...)(h)
	return h
}

func (s *Server) cors(h http.Handler) http.Handler {
	return cors.New(cors.Options{
		AllowedOrigins: s.opts.CORSOrigins,
		AllowedMethods: []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPatch, http.MethodDelete},
		AllowedHeaders: []string{"Authorization", "Content-Type", "X-Request-ID"},
		ExposedHeaders: []string{"X-Request-ID", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining"},
		MaxAge:         600,
	}).Handler(h)
}

func (s *Server) rateLimit(h http.Handler) http.Handler {
	reject := func(w http.ResponseWriter, r *http.Request) {
		// httprate has already set Retry-After.
		s.opts.Metrics.RateLimited()
		s.rs.Error(w, r, &respond.APIError{
			Status:  http.StatusTooManyRequests,
			Code:    respond.CodeRateLimitExceeded,
			Message: "too many requests, retry after the number of seconds in Retry-After",
		})
	}
	limited := httprate.LimitBy(s.opts.RateLimit, s.opts.RateWindow, clientIP,
		httprate.WithLimitHandler(reject))(h)
	if s.opts.SharedRateLimit != nil {
		limited = s.opts.SharedRateLimit(RateLimitParams{Limit: s.opts.RateLimit, Window: s.opts.RateWindow,
			Key: func(r *http.Request) string { k, _ := clientIP(r); return k }, Reject: reject}, h, limited)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/ws" {
			limited.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// clientIP keys the rate limiter by the client's address: RemoteAddr, which
// realClient has already resolved through the trusted proxies.
func clientIP(r *http.Request) (string, error) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return httprate.CanonicalizeIP(host), nil
}

// allowsAnyOrigin reports whether the configured origins include "*".
func (s *Server) allowsAnyOrigin() bool {
	for _, o := range s.opts.CORSOrigins {
		if strings.TrimSpace(o) == "*" {
			return true
		}
	}
	return false
}
