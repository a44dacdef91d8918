package server_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"time"

	"github.com/nexuskit/nexus/wsauth"

	"github.com/nexuskit/nexus/examples/nexus/server"
	"github.com/nexuskit/nexus/examples/nexus/store"
)

// The server needs a store and a token signer; everything else has a
// default. Reads are public, mutations need a bearer token.
func ExampleNew() {
	signer := wsauth.NewSigner([]byte("example-key-0123456789abcdef0123456"))
	srv := server.New(server.Options{
		Store:  store.NewMemory(),
		Signer: signer,
		Logger: slog.New(slog.DiscardHandler),
	})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	tok, _ := signer.Issue("example", time.Minute)
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/modules",
		strings.NewReader(`{"name":"Perception","type":"sensory","status":"active","integrationLevel":40}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	res, _ := http.DefaultClient.Do(req)
	res.Body.Close()
	fmt.Println("create:", res.StatusCode)

	res, _ = http.Get(ts.URL + "/api/modules")
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Println("list:", res.StatusCode, strings.Contains(string(body), `"meta":{"page":1,"limit":10,"total":1}`))
	// Output:
	// create: 201
	// list: 200 true
}

// Behind a proxy, TrustedProxies names the proxies whose X-Forwarded-For
// (or Forwarded) header says who the client is: each client gets its own
// rate-limit bucket. Here the proxy is the test client itself, on loopback.
func ExampleOptions_trustedProxies() {
	srv := server.New(server.Options{
		Store:          store.NewMemory(),
		Signer:         wsauth.NewSigner([]byte("example-key-0123456789abcdef0123456")),
		Logger:         slog.New(slog.DiscardHandler),
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		RateLimit:      1,
		RateWindow:     time.Minute,
	})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	get := func(client string) int {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/modules", nil)
		req.Header.Set("X-Forwarded-For", client)
		res, _ := http.DefaultClient.Do(req)
		res.Body.Close()
		return res.StatusCode
	}
	fmt.Println("client A:", get("203.0.113.1"))
	fmt.Println("client A again:", get("203.0.113.1"))
	fmt.Println("client B:", get("203.0.113.2"))
	// Output:
	// client A: 200
	// client A again: 429
	// client B: 200
}
