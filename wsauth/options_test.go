package wsauth_test

import (
	"math"
	"testing"
	"time"

	"github.com/nexuskit/nexus/wsauth"
	"github.com/stretchr/testify/assert"
)

func TestInvalidOptionsPanic(t *testing.T) {
	t.Parallel()
	signer := wsauth.NewSigner(testKey)
	tests := []struct {
		name string
		fn   func()
		want string
	}{
		{"nil authenticator", func() { wsauth.Middleware(nil) }, "Middleware"},
		{"nil option", func() { wsauth.Middleware(signer, nil) }, "Middleware"},
		{"origin without scheme", func() { wsauth.AllowOrigins("app.example") }, "AllowOrigins"},
		{"origin with path", func() { wsauth.AllowOrigins("https://app.example/x") }, "AllowOrigins"},
		{"null origin", func() { wsauth.AllowOrigins("null") }, "AllowOrigins"},
		{"pattern without scheme", func() { wsauth.AllowOriginPatterns("*.example.com") }, "AllowOriginPatterns"},
		{"bad pattern", func() { wsauth.AllowOriginPatterns("https://[a-") }, "AllowOriginPatterns"},
		{"no sources", func() { wsauth.Sources() }, "Sources"},
		{"unknown source", func() { wsauth.Sources("header") }, "Sources"},
		{"repeated source", func() { wsauth.Sources("bearer", "bearer") }, "Sources"},
		{"query source without QueryParam", func() { wsauth.Middleware(signer, wsauth.Sources("query")) }, "Sources"},
		{"QueryParam not in Sources", func() { wsauth.Middleware(signer, wsauth.Sources("bearer"), wsauth.QueryParam("t")) }, "QueryParam"},
		{"empty cookie", func() { wsauth.Cookie("") }, "Cookie"},
		{"bad cookie", func() { wsauth.Cookie("a b") }, "Cookie"},
		{"empty query", func() { wsauth.QueryParam("") }, "QueryParam"},
		{"bad query", func() { wsauth.QueryParam("a&b") }, "QueryParam"},
		{"query name needing escapes", func() { wsauth.QueryParam("a%b") }, "QueryParam"},
		{"bad prefix", func() { wsauth.SubprotocolPrefix("a,b") }, "SubprotocolPrefix"},
		{"zero failures", func() { wsauth.Throttle(0, time.Minute) }, "Throttle"},
		{"zero window", func() { wsauth.Throttle(3, 0) }, "Throttle"},
		{"zero capacity", func() { wsauth.ThrottleCapacity(0) }, "ThrottleCapacity"},
		{"aggregate below /64", func() { wsauth.Middleware(signer, wsauth.Throttle(10, time.Minute), wsauth.ThrottleIPv6(5, 50)) }, "ThrottleIPv6"},
		{"aggregate order", func() { wsauth.ThrottleIPv6(50, 40) }, "ThrottleIPv6"},
		{"zero aggregate", func() { wsauth.ThrottleIPv6(0, 40) }, "ThrottleIPv6"},
		{"nil store", func() { wsauth.ThrottleStorage(nil) }, "ThrottleStorage"},
		{"zero store timeout", func() { wsauth.ThrottleStoreTimeout(0) }, "ThrottleStoreTimeout"},
		{"wildcard pattern with default sources (cookie)", func() { wsauth.Middleware(signer, wsauth.AllowOriginPatterns("https://*.example.com")) },
			"AllowOriginPatterns: a wildcard pattern with cookie credentials"},
		{"wildcard port with cookie", func() {
			wsauth.Middleware(signer, wsauth.Sources(wsauth.SourceCookie), wsauth.AllowOriginPatterns("http://localhost:*"))
		}, "AllowOriginPatterns"},
		{"bad proxy", func() { wsauth.TrustedProxies("10.0.0.0/33") }, "TrustedProxies"},
		{"nil logger", func() { wsauth.Logger(nil) }, "Logger"},
		{"nil clock", func() { wsauth.Clock(nil) }, "Clock"},
		{"nil responder", func() { wsauth.Responder(nil) }, "Responder"},
		{"no keys", func() { wsauth.NewSigner() }, "NewSigner"},
		{"short key", func() { wsauth.NewSigner(testKey, []byte("short")) }, "NewSigner: key 1 is 5 bytes"},
		{"negative skew", func() { signer.WithSkew(-time.Second) }, "WithSkew"},
		{"nil session lookup", func() { wsauth.Sessions(nil) }, "Sessions"},
		{"no static tokens", func() { wsauth.StaticTokens(nil) }, "StaticTokens"},
		{"short static token", func() { wsauth.StaticTokens(map[string]string{"short": "svc"}) }, "StaticTokens"},
		{"empty static subject", func() { wsauth.StaticTokens(map[string]string{"0123456789abcdef": ""}) }, "StaticTokens"},
		{"empty BySource", func() { wsauth.BySource(nil) }, "BySource"},
		{"unknown BySource source", func() { wsauth.BySource(map[string]wsauth.Authenticator{"x": signer}) }, "BySource"},
		{"nil BySource authenticator", func() { wsauth.BySource(map[string]wsauth.Authenticator{"bearer": nil}) }, "BySource"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				r := recover()
				if assert.NotNil(t, r, "expected a panic") {
					assert.Contains(t, r, tt.want)
					assert.Contains(t, r, "wsauth: ")
				}
			}()
			tt.fn()
		})
	}
}

func TestValidOptionsDoNotPanic(t *testing.T) {
	t.Parallel()
	assert.NotPanics(t, func() {
		wsauth.Middleware(wsauth.NewSigner(testKey),
			wsauth.AllowOrigins("https://app.example", "http://[::1]:8080"),
			wsauth.AllowOriginPatterns("https://*.example.com"),
			wsauth.Sources(wsauth.SourceSubprotocol, wsauth.SourceQuery),
			wsauth.QueryParam("access_token"),
			wsauth.SubprotocolPrefix("base64url.bearer.authorization.k8s.io."),
			wsauth.TrustedProxies("10.0.0.0/8", "::1", "fd00::/8"),
			wsauth.ThrottleCapacity(10),
			wsauth.ThrottleIPv6(10, 10),
			wsauth.ThrottleStorage(wsauth.NewMemoryThrottleStore(10)),
			wsauth.ThrottleStoreTimeout(time.Second),
		)(&identityHandler{})
	})
	assert.NotPanics(t, func() {
		wsauth.Middleware(wsauth.NewSigner(testKey), wsauth.Throttle(math.MaxInt, time.Minute))(&identityHandler{})
	}, "the IPv6 aggregates' default limits saturate")
	assert.NotPanics(t, func() {
		// Cookies with exact origins, or with patterns without a wildcard.
		wsauth.Middleware(wsauth.NewSigner(testKey), wsauth.AllowOrigins("https://app.example"),
			wsauth.AllowOriginPatterns("https://app.example.com"))(&identityHandler{})
	})
}
