package compress_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/compress"
	"github.com/nexuskit/nexus/respond"
)

// outcome is what a client sees when the handler panics.
type outcome string

const (
	clean500  outcome = "500 envelope"
	noReply   outcome = "no response"         // connection closed before a status line
	cutReply  outcome = "200, body cut short" // status sent, then the connection closed
	unplanned outcome = "other"
)

func observe(t *testing.T, url, ae string) (outcome, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if ae != "" {
		req.Header.Set("Accept-Encoding", ae)
	}
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		return noReply, err.Error()
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return cutReply, fmt.Sprintf("%d %s after %d bytes: %v", resp.StatusCode, resp.Header.Get("Content-Encoding"), len(raw), err)
	}
	body := raw
	switch resp.Header.Get("Content-Encoding") {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		require.NoError(t, err)
		body, err = io.ReadAll(zr)
		require.NoError(t, err)
	case "br":
		body, err = io.ReadAll(brotli.NewReader(bytes.NewReader(raw)))
		require.NoError(t, err)
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(raw))
		require.NoError(t, err)
		body, err = io.ReadAll(zr)
		zr.Close()
		require.NoError(t, err)
	}
	if resp.StatusCode == http.StatusInternalServerError && strings.Contains(string(body), `"INTERNAL_ERROR"`) {
		return clean500, ""
	}
	return unplanned, fmt.Sprintf("%d %q", resp.StatusCode, body)
}

// TestPanicAfterPartialWrite measures what a client gets when a handler
// panics after writing part of its body, with respond.Recover outside or
// inside compress, for each coding (issue 18, item 8; the table is in the
// package documentation). Run with -v to see it.
func TestPanicAfterPartialWrite(t *testing.T) {
	t.Parallel()
	writes := map[string]func(w http.ResponseWriter){
		"500 B": func(w http.ResponseWriter) { _, _ = w.Write(bytes.Repeat([]byte(`{"k":"v"},`), 50)) },
		"8 KB":  func(w http.ResponseWriter) { _, _ = w.Write(bytes.Repeat([]byte(`{"k":"v"},`), 800)) },
		"8 KB + Flush": func(w http.ResponseWriter) {
			_, _ = w.Write(bytes.Repeat([]byte(`{"k":"v"},`), 800))
			w.(http.Flusher).Flush()
		},
		"nothing": func(w http.ResponseWriter) {},
	}
	quiet := respond.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	// want[order][write] is the same for every coding unless listed per
	// coding ("identity" is a request without Accept-Encoding).
	want := map[string]map[string]map[string]outcome{
		"Recover outside": {
			"500 B":        {"identity": noReply, "": clean500},
			"8 KB":         {"identity": cutReply, "gzip": noReply, "": clean500},
			"8 KB + Flush": {"": cutReply},
			"nothing":      {"": clean500},
		},
		"Recover inside": {
			"500 B":        {"": noReply},
			"8 KB":         {"identity": cutReply, "": noReply},
			"8 KB + Flush": {"": cutReply},
			"nothing":      {"": clean500},
		},
	}
	for order, wrap := range map[string]func(http.Handler) http.Handler{
		"Recover outside": func(h http.Handler) http.Handler { return respond.Recover(quiet)(compress.Middleware()(h)) },
		"Recover inside":  func(h http.Handler) http.Handler { return compress.Middleware()(respond.Recover(quiet)(h)) },
	} {
		for name, write := range writes {
			srv := httptest.NewServer(wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				write(w)
				panic(errors.New("boom"))
			})))
			srv.Config.ErrorLog = nil
			t.Cleanup(srv.Close)
			for _, ae := range []string{"identity", "gzip", "br", "zstd"} {
				reqAE := ae
				if ae == "identity" {
					reqAE = ""
				}
				got, detail := observe(t, srv.URL, reqAE)
				exp, ok := want[order][name][ae]
				if !ok {
					exp = want[order][name][""]
				}
				t.Logf("%-15s %-13s %-8s -> %s %s", order, name, ae, got, detail)
				assert.Equal(t, exp, got, "%s, %s written, %s: %s", order, name, ae, detail)
			}
		}
	}
}
