package compress

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"
)

// rawClient does not ask for or decode compression itself, so tests see the
// headers and bytes the middleware sent.
func rawClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableCompression: true}}
}

// serve starts a real server with the middleware around h.
func serve(t *testing.T, h http.Handler, opts ...Option) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(Middleware(opts...)(h))
	t.Cleanup(srv.Close)
	return srv
}

type result struct {
	status int
	header http.Header
	raw    []byte // body as sent
	body   []byte // body decoded according to Content-Encoding
}

// do sends one request and decodes the body with the real decoders.
func do(t *testing.T, srv *httptest.Server, method, ae string, reqHeader ...string) result {
	t.Helper()
	return doURL(t, srv.URL, method, ae, reqHeader...)
}

// doURL is do for a URL with a path.
func doURL(t *testing.T, url, method, ae string, reqHeader ...string) result {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	if ae != "" {
		req.Header.Set("Accept-Encoding", ae)
	}
	for i := 0; i+1 < len(reqHeader); i += 2 {
		req.Header.Add(reqHeader[i], reqHeader[i+1])
	}
	resp, err := rawClient().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return result{status: resp.StatusCode, header: resp.Header, raw: raw, body: decode(t, resp.Header.Get("Content-Encoding"), raw)}
}

// decode decodes raw according to the Content-Encoding ce; an empty body
// (HEAD, 204, 304) and a coding the middleware does not produce (a
// handler's own) are returned as they are.
func decode(t *testing.T, ce string, raw []byte) []byte {
	t.Helper()
	if len(raw) == 0 || codingFromName(ce) == codingNone {
		return raw
	}
	out, err := tryDecode(ce, raw)
	require.NoError(t, err, "decoding %s", ce)
	return out
}

// jsonBody returns deterministic, realistic JSON of about n bytes.
func jsonBody(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"items":[`)
	for i := 0; b.Len() < n-120; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%08x-4a1b-4c2d-8e3f-%012d","name":"module %d","active":%t,"score":%d.%02d,"tags":["alpha","beta"]}`,
			i*2654435761, i*7919, i, i%3 == 0, i%97, i%100)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

func htmlBody(n int) []byte {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html><head><title>t</title></head><body><ul>\n")
	for i := 0; b.Len() < n-30; i++ {
		fmt.Fprintf(&b, "<li class=\"item\"><a href=\"/items/%d\">Item %d</a></li>\n", i, i)
	}
	b.WriteString("</ul></body></html>")
	return []byte(b.String())
}

// bodyHandler writes body with the given headers, in one Write.
func bodyHandler(body []byte, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		_, _ = w.Write(body)
	}
}

// tryDecode is decode for goroutines other than the test's.
func tryDecode(ce string, raw []byte) ([]byte, error) {
	var r io.Reader
	switch ce {
	case "":
		return raw, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(raw))
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		r = zr
	default:
		return nil, fmt.Errorf("unexpected Content-Encoding %q", ce)
	}
	return io.ReadAll(r)
}

// streamDecoder decodes a response body incrementally, as a browser does.
func streamDecoder(t *testing.T, ce string, body io.Reader) io.Reader {
	t.Helper()
	switch ce {
	case "gzip":
		zr, err := gzip.NewReader(body)
		require.NoError(t, err)
		return zr
	case "br":
		return brotli.NewReader(body)
	case "zstd":
		zr, err := zstd.NewReader(body, zstd.WithDecoderConcurrency(1))
		require.NoError(t, err)
		t.Cleanup(zr.Close)
		return zr
	}
	return body
}
