package ai

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// errTimeout is the cause of a provider's own deadline.
var errTimeout = errors.New("no complete answer within the timeout")

// errTooLarge is returned by a limitedReader past its limit.
var errTooLarge = errors.New("answer exceeds the size limit")

// errLineTooLong is returned by readLine for a line over maxLine.
var errLineTooLong = errors.New("a line of the answer exceeds the size limit")

func parseBase(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("not an absolute http(s) URL")
	}
	return u, nil
}

// endpoint joins base and path ("/api/chat"), keeping base's own path.
func endpoint(base *url.URL, path string) string {
	u := *base
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	u.RawPath = ""
	return u.String()
}

// call is one upstream request in flight.
type call struct {
	provider string
	parent   context.Context
	ctx      context.Context
	cancel   context.CancelFunc
	res      *http.Response
	body     *bufio.Reader
}

// start sends the request with the provider's deadline and checks the
// status; on a non-2xx status it reads a bounded error body and passes it
// to detail for a secret-free description.
func (c config) start(ctx context.Context, provider, method, target string, hdr http.Header, body any, detail func([]byte) string) (*call, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, &Error{Provider: provider, Kind: KindMalformed, Err: err}
		}
		rd = bytes.NewReader(raw)
	}
	cctx, cancel := context.WithTimeoutCause(ctx, c.timeout, errTimeout)
	req, err := http.NewRequestWithContext(cctx, method, target, rd)
	if err != nil {
		cancel()
		return nil, &Error{Provider: provider, Kind: KindUnreachable, Err: stripURL(err)}
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	cl := &call{provider: provider, parent: ctx, ctx: cctx, cancel: cancel}
	res, err := c.client().Do(req)
	if err != nil {
		cancel()
		return nil, cl.fail(KindUnreachable, err)
	}
	cl.res = res
	if res.StatusCode < 200 || res.StatusCode > 299 {
		raw, _ := io.ReadAll(io.LimitReader(res.Body, 4<<10))
		cl.close()
		e := &Error{Provider: provider, Kind: KindStatus, StatusCode: res.StatusCode}
		if detail != nil {
			e.Detail = detail(raw)
		}
		return nil, e
	}
	cl.body = bufio.NewReaderSize(&limitedReader{r: res.Body, n: c.maxBytes}, 32<<10)
	return cl, nil
}

func (cl *call) close() {
	if cl.res != nil {
		cl.res.Body.Close()
	}
	cl.cancel()
}

// fail turns a failure into the error Stream returns: the caller's own
// cancellation as its cause, the provider's deadline as KindTimeout,
// anything else as kind.
func (cl *call) fail(kind Kind, err error) error {
	if cl.parent.Err() != nil {
		return fmt.Errorf("ai: %s: %w", cl.provider, context.Cause(cl.parent))
	}
	if errors.Is(context.Cause(cl.ctx), errTimeout) {
		return &Error{Provider: cl.provider, Kind: KindTimeout, Err: errTimeout}
	}
	if errors.Is(err, errTooLarge) || errors.Is(err, errLineTooLong) {
		kind = KindTooLarge
	}
	return &Error{Provider: cl.provider, Kind: kind, Err: stripURL(err)}
}

// limitedReader returns errTooLarge once more than n bytes were read.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, errTooLarge
	}
	return n, err
}

// readLine returns the next line without its "\n" or "\r\n", joining the
// pieces of a line that arrives in several reads. At the end of the input
// it returns the unterminated rest (possibly empty) with io.EOF.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		frag, err := br.ReadSlice('\n')
		if len(line)+len(frag) > maxLine+2 {
			return nil, errLineTooLong
		}
		line = append(line, frag...)
		switch {
		case err == nil:
			line = line[:len(line)-1]
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return line, err
		}
	}
}
