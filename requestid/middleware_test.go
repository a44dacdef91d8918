package requestid

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// echoID answers with the ID the handler sees and checks that the response
// header already holds it when the handler starts.
func echoID(t *testing.T, header string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := FromContext(r.Context())
		if !assert.Equal(t, id, w.Header().Get(header), "response header set before next runs") {
			w.WriteHeader(http.StatusInternalServerError)
		}
		fmt.Fprint(w, id)
	})
}

// get sends a GET over the wire with the given header values and returns
// the response header value and the ID the handler saw.
func get(t *testing.T, url string, header string, values ...string) (respHeader []string, seen string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if values != nil {
		req.Header[http.CanonicalHeaderKey(header)] = values
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	return res.Header.Values(header), string(body)
}

func TestMiddlewareOverTheWire(t *testing.T) {
	t.Parallel()
	logger, logs := newJSONLogger()
	srv := httptest.NewServer(Middleware(Logger(logger))(echoID(t, DefaultHeader)))
	t.Cleanup(srv.Close)

	tests := []struct {
		name   string
		values []string // nil: header not sent
		keep   bool     // the incoming value is used
		reason string   // logged rejection reason, "" for none
	}{
		{name: "absent", values: nil},
		{name: "uuid", values: []string{"0192f0c1-6b7e-7c3a-9f2e-5d1a3b4c5d6e"}, keep: true},
		{name: "base64 with +/=", values: []string{"q83vEjRWeJA+/w=="}, keep: true},
		{name: "128 bytes", values: []string{strings.Repeat("k", 128)}, keep: true},
		{name: "129 bytes", values: []string{strings.Repeat("EVILLONG", 16) + "X"}, reason: rejectTooLong.String()},
		{name: "space", values: []string{"EVIL SPACE"}, reason: rejectCharacter.String()},
		{name: "non-ascii", values: []string{"EVIL-café"}, reason: rejectCharacter.String()},
		{name: "empty", values: []string{""}, reason: rejectEmpty.String()},
		{name: "sent twice", values: []string{"EVIL-one", "EVIL-two"}, reason: rejectMultiple.String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hdr, seen := get(t, srv.URL, DefaultHeader, tt.values...)
			require.Len(t, hdr, 1, "exactly one response header")
			assert.Equal(t, seen, hdr[0], "response header equals the context's ID")
			if tt.keep {
				assert.Equal(t, tt.values[0], seen)
				return
			}
			assert.Regexp(t, uuidV4, seen, "a fresh UUIDv4 replaces it")
			if tt.reason == "" {
				return
			}
			var found bool
			for _, rec := range logs.Records(t) {
				if rec["request_id"] == seen {
					found = true
					assert.Equal(t, "DEBUG", rec["level"])
					assert.Equal(t, tt.reason, rec["reason"])
				}
			}
			assert.True(t, found, "a debug record names the reason")
		})
	}
	t.Cleanup(func() {
		assert.NotContains(t, logs.String(), "EVIL", "a rejected value is never logged")
	})
}

func TestMiddlewareRejectsControlBytes(t *testing.T) {
	t.Parallel()
	// net/http servers refuse these on the wire; a handler behind another
	// front end (or a test) can still see them, so the check must hold.
	rec := &recordingHandler{}
	h := Middleware(Logger(slog.New(rec)))(echoID(t, DefaultHeader))
	for _, raw := range []string{"a\r\nX-Forged: 1", "a\nlevel=ERROR", "\x00", "\x1b[2J"} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set(DefaultHeader, raw)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		assert.Regexp(t, uuidV4, w.Body.String())
	}
	for _, r := range rec.all() {
		r.Attrs(func(a slog.Attr) bool {
			assert.NotContains(t, a.Value.String(), "X-Forged")
			assert.NotContains(t, a.Value.String(), "level=ERROR")
			return true
		})
	}
	assert.Len(t, rec.all(), 4)
}

func TestMiddlewareGeneratesUniqueIDs(t *testing.T) {
	t.Parallel()
	h := Middleware()(echoID(t, DefaultHeader))
	const goroutines, each = 8, 300 // over one random batch per goroutine
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range each {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
				id := w.Body.String()
				mu.Lock()
				seen[id] = true
				mu.Unlock()
				assert.Regexp(t, uuidV4, id)
			}
		})
	}
	wg.Wait()
	assert.Len(t, seen, goroutines*each, "every generated ID is unique")
}

func TestMiddlewareOptions(t *testing.T) {
	t.Parallel()
	const incoming = "from-the-client-42"
	mapped := netip.MustParsePrefix("::ffff:192.0.2.0/120")
	tests := []struct {
		name       string
		opts       []Option
		remoteAddr string
		header     string // header carrying the incoming ID and the response
		want       string // the expected ID, or "" for a generated one
		wantMatch  string // regexp for a generated ID
	}{
		{name: "default trusts a well-formed ID", want: incoming},
		{name: "edge ignores it", opts: []Option{Edge()}, wantMatch: uuidV4.String()},
		{name: "trusted proxy", opts: []Option{TrustedProxies(netip.MustParsePrefix("10.0.0.0/8"))}, remoteAddr: "10.1.2.3:4000", want: incoming},
		{name: "untrusted peer", opts: []Option{TrustedProxies(netip.MustParsePrefix("10.0.0.0/8"))}, remoteAddr: "192.0.2.1:4000", wantMatch: uuidV4.String()},
		{name: "ipv4-mapped peer", opts: []Option{TrustedProxies(netip.MustParsePrefix("10.0.0.0/8"))}, remoteAddr: "[::ffff:10.0.0.7]:80", want: incoming},
		{name: "ipv4-mapped network", opts: []Option{TrustedProxies(mapped)}, remoteAddr: "192.0.2.9:80", want: incoming},
		{name: "ipv6 network with zone peer", opts: []Option{TrustedProxies(netip.MustParsePrefix("fe80::/10"))}, remoteAddr: "[fe80::1%eth0]:80", want: incoming},
		{name: "several networks", opts: []Option{TrustedProxies(netip.MustParsePrefix("10.0.0.0/8")), TrustedProxies(netip.MustParsePrefix("172.16.0.0/12"))}, remoteAddr: "172.16.5.5:1", want: incoming},
		{name: "unparsable peer is untrusted", opts: []Option{TrustedProxies(netip.MustParsePrefix("0.0.0.0/0"))}, remoteAddr: "@unix", wantMatch: uuidV4.String()},
		{name: "custom header", opts: []Option{Header("x-correlation-id")}, header: "X-Correlation-ID", want: incoming},
		{name: "generator", opts: []Option{Edge(), Generator(func() string { return "gen-1" })}, want: "gen-1"},
		{name: "uuidv7", opts: []Option{Edge(), UUIDv7()}, wantMatch: `^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`},
		{name: "last generator wins", opts: []Option{Edge(), UUIDv7(), Generator(func() string { return "gen-2" })}, want: "gen-2"},
		{name: "last generator wins (v7)", opts: []Option{Edge(), Generator(func() string { return "gen-3" }), UUIDv7()}, wantMatch: `-7[0-9a-f]{3}-`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			header := tt.header
			if header == "" {
				header = DefaultHeader
			}
			h := Middleware(tt.opts...)(echoID(t, header))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.remoteAddr != "" {
				req.RemoteAddr = tt.remoteAddr
			}
			req.Header.Set(header, incoming)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			got := w.Body.String()
			assert.Equal(t, got, w.Header().Get(header))
			if tt.want != "" {
				assert.Equal(t, tt.want, got)
			} else {
				assert.Regexp(t, tt.wantMatch, got)
			}
			if header != DefaultHeader {
				assert.Empty(t, w.Header().Get(DefaultHeader), "only the configured header is written")
			}
		})
	}
}

func TestMiddlewareTrustedProxiesOverTheWire(t *testing.T) {
	t.Parallel()
	loopback := Middleware(TrustedProxies(netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")))
	elsewhere := Middleware(TrustedProxies(netip.MustParsePrefix("10.0.0.0/8")))
	trusted := httptest.NewServer(loopback(echoID(t, DefaultHeader)))
	untrusted := httptest.NewServer(elsewhere(echoID(t, DefaultHeader)))
	t.Cleanup(trusted.Close)
	t.Cleanup(untrusted.Close)

	_, seen := get(t, trusted.URL, DefaultHeader, "lb-id-1")
	assert.Equal(t, "lb-id-1", seen)
	_, seen = get(t, untrusted.URL, DefaultHeader, "lb-id-1")
	assert.Regexp(t, uuidV4, seen)
}

// TestTrustedProxiesFromConfig: the []netip.Prefix a configuration loader
// produces (envcfg parses TRUSTED_PROXIES into one) is passed as is, and
// later changes to that slice do not change the middleware.
func TestTrustedProxiesFromConfig(t *testing.T) {
	t.Parallel()
	fromConfig := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.0/24")}
	h := Middleware(TrustedProxies(fromConfig...))(echoID(t, DefaultHeader))
	fromConfig[1] = netip.MustParsePrefix("198.51.100.0/24")
	serve := func(remote string) string {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = remote
		req.Header.Set(DefaultHeader, "lb-id-2")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Body.String()
	}
	assert.Equal(t, "lb-id-2", serve("192.0.2.10:443"), "the slice was copied at construction")
	assert.Equal(t, "lb-id-2", serve("10.9.8.7:443"))
	assert.Regexp(t, uuidV4, serve("198.51.100.1:443"))
}

func TestMiddlewareBadGenerator(t *testing.T) {
	t.Parallel()
	rec := &recordingHandler{}
	bad := "bad id\nlevel=ERROR"
	h := Middleware(Logger(slog.New(rec)), Generator(func() string { return bad }))(echoID(t, DefaultHeader))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Regexp(t, uuidV4, w.Body.String(), "falls back to a UUIDv4")
	records := rec.all()
	require.Len(t, records, 1)
	assert.Equal(t, slog.LevelError, records[0].Level)
	assert.Contains(t, records[0].Message, "Generator")
	records[0].Attrs(func(a slog.Attr) bool {
		assert.NotContains(t, a.Value.String(), "level=ERROR", "the malformed value is not logged")
		return true
	})
}

func TestMiddlewareStackedKeepsOneID(t *testing.T) {
	t.Parallel()
	fixed := func(id string) Option { return Generator(func() string { return id }) }
	tests := []struct {
		name  string
		outer []Option
		inner []Option
		send  string // incoming ID, "" for none
		want  string
	}{
		{"both generate", []Option{fixed("outer")}, []Option{fixed("inner")}, "", "outer"},
		{"both accept", nil, []Option{fixed("inner")}, "abc-1", "abc-1"},
		{"edge outside, trusting inside", []Option{Edge(), fixed("outer")}, nil, "abc-2", "outer"},
		{"trusting outside, edge inside", nil, []Option{Edge(), fixed("inner")}, "abc-3", "abc-3"},
		{"rejected outside", []Option{fixed("outer")}, []Option{fixed("inner")}, "bad value", "outer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := Middleware(tt.outer...)(Middleware(tt.inner...)(echoID(t, DefaultHeader)))
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			var values []string
			if tt.send != "" {
				values = []string{tt.send}
			}
			hdr, seen := get(t, srv.URL, DefaultHeader, values...)
			require.Len(t, hdr, 1, "one response header, not one per layer")
			assert.Equal(t, tt.want, hdr[0])
			assert.Equal(t, tt.want, seen, "the outer layer's ID reaches the handler")
		})
	}
}

func TestMiddlewareKeepsContextID(t *testing.T) {
	t.Parallel()
	h := Middleware(Header("X-Trace"))(echoID(t, "X-Trace"))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req = req.WithContext(NewContext(req.Context(), "set-by-caller"))
	req.Header.Set("X-Trace", "from-client")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	assert.Equal(t, "set-by-caller", w.Body.String())
	assert.Equal(t, "set-by-caller", w.Header().Get("X-Trace"))
}

func TestOptionsPanic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fn   func()
		want string // part of the panic message
	}{
		{"empty header", func() { Header("") }, "Header"},
		{"header with space", func() { Header("X Request") }, "Header"},
		{"header with colon", func() { Header("X-ID:") }, "Header"},
		{"nil generator", func() { Generator(nil) }, "Generator"},
		{"nil logger", func() { Logger(nil) }, "Logger"},
		{"no networks", func() { TrustedProxies() }, "TrustedProxies"},
		{"invalid network", func() { TrustedProxies(netip.Prefix{}) }, "TrustedProxies"},
		{"short mapped network", func() { TrustedProxies(netip.MustParsePrefix("::ffff:0.0.0.0/80")) }, "TrustedProxies"},
		{"edge and proxies", func() { Middleware(Edge(), TrustedProxies(netip.MustParsePrefix("10.0.0.0/8"))) }, "Edge and TrustedProxies"},
		{"nil option", func() { Middleware(nil) }, "option 0 is nil"},
		{"nil next", func() { Middleware()(nil) }, "nil next handler"},
		{"nil access log next", func() { AccessLog(nil)(nil) }, "AccessLog"},
		{"nil log handler", func() { NewLogHandler(nil) }, "NewLogHandler"},
		{"empty transport header", func() { TransportHeader("") }, "TransportHeader"},
		{"transport header with space", func() { TransportHeader("X ID") }, "TransportHeader"},
		{"nil transport option", func() { Transport(nil, nil) }, "Transport: option 0 is nil"},
		{"nil access log option", func() { AccessLog(nil, nil) }, "AccessLog: option 0 is nil"},
		{"relative skip path", func() { SkipPaths("/ok", "healthz") }, "SkipPaths: path 1"},
		{"nil skip func", func() { SkipFunc(nil) }, "SkipFunc"},
		{"nil request attrs", func() { RequestAttrs(nil) }, "RequestAttrs"},
		{"nil observe", func() { Observe(nil) }, "Observe"},
		{"nil context generator", func() { GeneratorContext(nil) }, "GeneratorContext"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				p := recover()
				require.NotNil(t, p, "must panic")
				msg, ok := p.(string)
				require.True(t, ok, "panic value is a string message")
				assert.Contains(t, msg, tt.want)
				assert.True(t, strings.HasPrefix(msg, "requestid: "), msg)
			}()
			tt.fn()
		})
	}
}

func TestContextType(t *testing.T) {
	t.Parallel()
	type other struct{}
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), other{}, "v"))
	ctx := NewContext(parent, "id-1")
	assert.Equal(t, "v", ctx.Value(other{}), "other values pass through")
	child, cancelChild := context.WithCancel(ctx)
	defer cancelChild()
	cancel()
	<-child.Done() // cancellation propagates through the ID context
	assert.ErrorIs(t, child.Err(), context.Canceled)
	assert.Equal(t, "id-1", FromContext(child))
	assert.NotContains(t, fmt.Sprint(ctx), "id-1")
	var none context.Context
	assert.Empty(t, FromContext(none), "a nil context has no ID")
}
