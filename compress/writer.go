package compress

import (
	"bufio"
	"encoding/binary"
	"hash/maphash"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
)

// state is where a response stands in the compression decision.
type state uint8

const (
	stateUndecided state = iota // buffering until the decision can be made
	statePlain                  // writes go to the client unchanged
	stateCompress               // writes go through the encoder
	stateDiscard                // HEAD that GET would compress: headers only
	stateHijacked               // the handler took the connection
)

// verdict is the decision before the body size is considered.
type verdict uint8

const (
	// never: the response is not compressible whatever the request said
	// (Content-Encoding already set, no-transform, excluded type, Skip).
	// Its content does not depend on Accept-Encoding, so no Vary.
	never verdict = iota
	// notNow: not compressed for this request or this status, although the
	// same resource could be for another request. Gets Vary.
	notNow
	// maybe: compress if the size and the sniffed type allow.
	maybe
)

const sniffLen = 512 // what http.DetectContentType looks at

// responseWriter is the http.ResponseWriter the wrapped handler sees.
type responseWriter struct {
	rw     http.ResponseWriter
	cfg    *config
	enc    encoder
	buf    []byte // body bytes held back until the decision
	choice choice
	status int   // from WriteHeader; 0 until then
	in     int64 // body bytes given to the encoder
	out    int64 // encoded bytes sent, padding included
	pad    int   // LengthJitter padding for this response, in bytes

	headerSent bool    // the status went to the underlying writer
	outcome    Outcome // the decision, for Observe
	state      state

	head           bool     // HEAD request: decide as for GET, send no body
	noTransformReq bool     // request Cache-Control: no-transform
	skip           bool     // Skip was called
	ifNoneMatch    []string // the request's If-None-Match, for a 304

	// fixed: net/http would have fixed the header section already
	// (WriteHeader or a first Write) while the decision is still pending.
	// snapKV is that header section; the handler's later changes go to the
	// live map, as with net/http, and are not sent. The slices and the map
	// are reused across responses.
	fixed     bool
	snapKV    []headerChange // the snapshot; deleted marks a nil value
	snapVals  []string
	snap      http.Header // snapKV as a map, built when needed
	snapBuilt bool
	later     []headerChange
}

// headerChange is a change the handler made to the header map after the
// header section was fixed.
type headerChange struct {
	key     string
	vals    []string
	deleted bool
}

var (
	_ http.ResponseWriter = (*responseWriter)(nil)
	_ http.Flusher        = (*responseWriter)(nil)
	_ http.Hijacker       = (*responseWriter)(nil)
	_ io.ReaderFrom       = (*responseWriter)(nil)
	_ interface {
		Unwrap() http.ResponseWriter
		FlushError() error
	} = (*responseWriter)(nil)
)

func (cw *responseWriter) coding() coding { return cw.choice.coding }

// Header returns the underlying writer's header map.
func (cw *responseWriter) Header() http.Header { return cw.rw.Header() }

// Unwrap returns the underlying ResponseWriter, for http.ResponseController.
func (cw *responseWriter) Unwrap() http.ResponseWriter { return cw.rw }

// WriteHeader records the status. Informational (1xx) statuses go straight
// through; the final status is sent once the compression decision is made,
// at once when the headers alone already rule compression out.
func (cw *responseWriter) WriteHeader(code int) {
	if cw.state != stateUndecided {
		if cw.headerSent || code < 200 {
			cw.rw.WriteHeader(code) // net/http ignores (and logs) a superfluous one
		}
		// Otherwise the status is held for the encoder's first byte:
		// this one is superfluous, as net/http would ignore it.
		return
	}
	if code < 100 || code > 999 || // net/http panics, naming the code
		code <= 199 && code != http.StatusSwitchingProtocols {
		cw.rw.WriteHeader(code)
		return
	}
	if cw.status != 0 {
		return // superfluous, as net/http would ignore it
	}
	cw.status = code
	if v := cw.verdict(cw.rw.Header()); v != maybe {
		_ = cw.commit(v, nil, false, false)
		return
	}
	cw.fix()
}

// header returns the header map as net/http would send it: once the
// header section is fixed, the live map if the handler has not changed it
// since (the usual case), else the snapshot.
func (cw *responseWriter) header() http.Header {
	h := cw.rw.Header()
	if !cw.fixed || cw.unchanged(h) {
		return h
	}
	return cw.snapMap()
}

// fix records the header section at the moment net/http would fix it
// (WriteHeader, or the implicit 200 of the first Write) when the decision
// is still pending, so the handler's later changes are not sent, as without
// the middleware: fields declared in Trailer stay trailers, and a header
// set after WriteHeader reaches no client.
func (cw *responseWriter) fix() {
	if cw.fixed {
		return
	}
	if cw.status == 0 {
		cw.status = http.StatusOK
	}
	cw.snapshot(cw.snapVals[:0])
}

// refix takes a new snapshot of the live header map, which compress has
// just changed. The live map may hold slices of the old snapshot's values,
// so the new values go after them.
func (cw *responseWriter) refix() {
	cw.snapshot(cw.snapVals)
}

// snapshot copies the live header map into cw.snapKV, a flat list (cheaper
// to make and to compare than a map), the values appended to vals.
func (cw *responseWriter) snapshot(vals []string) {
	h := cw.rw.Header()
	cw.fixed = true
	cw.snapBuilt = false
	clear(cw.snapKV)
	kv := cw.snapKV[:0]
	for k, v := range h {
		start := len(vals)
		vals = append(vals, v...)
		kv = append(kv, headerChange{key: k, vals: vals[start:len(vals):len(vals)], deleted: v == nil})
	}
	cw.snapKV, cw.snapVals = kv, vals
}

// unchanged reports whether h still holds exactly the snapshot.
func (cw *responseWriter) unchanged(h http.Header) bool {
	if len(h) != len(cw.snapKV) {
		return false
	}
	for _, e := range cw.snapKV {
		v, ok := h[e.key]
		if !ok || (v == nil) != e.deleted || !slices.Equal(v, e.vals) {
			return false
		}
	}
	return true
}

// snapMap returns the snapshot as a header map, made on first use.
func (cw *responseWriter) snapMap() http.Header {
	if !cw.snapBuilt {
		if cw.snap == nil {
			cw.snap = make(http.Header, len(cw.snapKV))
		}
		clear(cw.snap)
		for _, e := range cw.snapKV {
			if e.deleted {
				cw.snap[e.key] = nil // a nil value (no Date, no sniffing) is kept as nil
			} else {
				cw.snap[e.key] = e.vals
			}
		}
		cw.snapBuilt = true
	}
	return cw.snap
}

// swapIn makes the live header map h what it was when the header section
// was fixed, keeping the handler's later changes in cw.later.
func (cw *responseWriter) swapIn(h http.Header) {
	if cw.unchanged(h) {
		return
	}
	snap := cw.snapMap()
	for k, v := range h {
		if sv, ok := snap[k]; !ok || !slices.Equal(sv, v) || (sv == nil) != (v == nil) {
			cw.later = append(cw.later, headerChange{key: k, vals: v})
		}
	}
	for k := range snap {
		if _, ok := h[k]; !ok {
			cw.later = append(cw.later, headerChange{key: k, deleted: true})
		}
	}
	for _, c := range cw.later {
		if sv, ok := snap[c.key]; ok {
			h[c.key] = sv
		} else {
			delete(h, c.key)
		}
	}
}

// sendHeader sends the held status with the header section fixed at the
// decision, whatever the handler changed since.
func (cw *responseWriter) sendHeader() {
	cw.headerSent = true
	h := cw.rw.Header()
	cw.swapIn(h)
	cw.rw.WriteHeader(cw.status)
	cw.swapOut(h)
}

// wire is the encoder's destination, the connection: the status and
// headers go out before its first byte, and it counts the bytes sent.
type wire responseWriter

func (w *wire) Write(p []byte) (int, error) {
	cw := (*responseWriter)(w)
	if !cw.headerSent {
		cw.sendHeader()
	}
	n, err := cw.rw.Write(p)
	cw.out += int64(n)
	return n, err
}

// swapOut puts the handler's later changes back into h once net/http has
// taken its own copy, so trailers and later reads of Header see them.
func (cw *responseWriter) swapOut(h http.Header) {
	for _, c := range cw.later {
		if c.deleted {
			delete(h, c.key)
		} else {
			h[c.key] = c.vals
		}
	}
	clear(cw.later)
	cw.later = cw.later[:0]
}

// Write buffers the first bytes until the decision can be made, then writes
// through the encoder or unchanged.
func (cw *responseWriter) Write(p []byte) (int, error) {
	switch cw.state {
	case stateCompress:
		cw.in += int64(len(p))
		return cw.enc.Write(p)
	case statePlain:
		return cw.writePlain(p)
	case stateDiscard:
		cw.in += int64(len(p))
		return len(p), nil
	case stateHijacked:
		return 0, http.ErrHijacked
	}
	h := cw.header()
	if v := cw.verdict(h); v != maybe {
		if err := cw.commit(v, nil, false, false); err != nil {
			return 0, err
		}
		return cw.writePlain(p)
	}
	want := cw.cfg.minSize
	if cw.choice.identityRefused || contentLength(h) >= 0 {
		want = 0 // the size no longer matters or is known
	}
	if !hasContentType(h) && want < sniffLen {
		want = sniffLen
	}
	if cw.cfg.jitter > 0 && want < jitterPrefix {
		want = jitterPrefix // the padding is derived from these bytes
	}
	if len(cw.buf)+len(p) < want {
		cw.buf = append(cw.buf, p...)
		cw.fix()
		return len(p), nil
	}
	rest := p
	if len(cw.buf) > 0 {
		take := max(want-len(cw.buf), 0)
		cw.buf = append(cw.buf, p[:take]...)
		rest = p[take:]
	}
	// rest is used as the sniffing sample only when nothing was buffered.
	if err := cw.commit(maybe, rest, false, false); err != nil {
		return 0, err
	}
	if len(rest) == 0 {
		return len(p), nil
	}
	if _, err := cw.Write(rest); err != nil {
		return 0, err
	}
	return len(p), nil
}

// ReadFrom copies src into the response (io.Copy calls it, as
// http.ServeContent and http.FileServer do). When the headers already decide
// that the response goes out unencoded (no acceptable coding, an
// already-compressed type, a Range response, no-transform, ...), src goes
// to the underlying ResponseWriter's ReadFrom, so net/http keeps its
// sendfile fast path for files. Otherwise it is copied through Write.
func (cw *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	if cw.state == stateUndecided {
		h := cw.header()
		v := cw.verdict(h)
		// With a known, non-zero length and a type, the headers decide
		// everything; otherwise the bytes have to be seen first.
		// LengthJitter needs the first bytes: those go through Write.
		if v != maybe || (contentLength(h) > 0 && hasContentType(h) && cw.cfg.jitter == 0) {
			if err := cw.commit(v, nil, false, false); err != nil {
				return 0, err
			}
		}
	}
	if cw.state == statePlain {
		n, err := io.Copy(cw.rw, src)
		cw.in += n
		cw.out += n
		return n, err
	}
	return io.Copy(writerOnly{cw}, src)
}

// writePlain writes p to the client unchanged, counting it.
func (cw *responseWriter) writePlain(p []byte) (int, error) {
	n, err := cw.rw.Write(p)
	cw.in += int64(len(p))
	cw.out += int64(n)
	return n, err
}

// writerOnly hides ReadFrom from io.Copy, which would otherwise call it
// again.
type writerOnly struct{ io.Writer }

// Flush sends what the handler wrote so far to the client. Before the
// decision was made it forces it (a flushing handler is streaming, so the
// size threshold no longer applies), then flushes the encoder and the
// connection: a server-sent event reaches the client at once.
func (cw *responseWriter) Flush() { _ = cw.FlushError() }

// FlushError is Flush returning the error; http.ResponseController uses it.
func (cw *responseWriter) FlushError() error {
	switch cw.state {
	case stateHijacked:
		return http.ErrHijacked
	case stateUndecided:
		if err := cw.commit(cw.verdict(cw.header()), nil, false, true); err != nil {
			return err
		}
	}
	if cw.state == stateCompress {
		if err := cw.enc.Flush(); err != nil {
			return err
		}
		if !cw.headerSent {
			cw.sendHeader()
		}
	}
	return http.NewResponseController(cw.rw).Flush()
}

// Hijack hands the connection over. As with net/http, a status already
// given (WriteHeader, or the implicit 200 of a first Write) is sent with
// the headers first; body bytes still buffered are dropped, as net/http
// drops its own buffered body.
func (cw *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if cw.state == stateUndecided && cw.status != 0 && canHijack(cw.rw) {
		cw.buf = cw.buf[:0]
		_ = cw.commit(notNow, nil, false, false)
	}
	conn, brw, err := http.NewResponseController(cw.rw).Hijack()
	if err == nil {
		cw.outcome = OutcomeHijacked
		cw.state = stateHijacked
		cw.buf = cw.buf[:0]
	}
	return conn, brw, err
}

// canHijack reports whether w, or a writer it wraps, is an http.Hijacker.
func canHijack(w http.ResponseWriter) bool {
	for {
		switch t := w.(type) {
		case http.Hijacker:
			return true
		case interface{ Unwrap() http.ResponseWriter }:
			w = t.Unwrap()
		default:
			return false
		}
	}
}

// finish runs after the handler returned: it makes a pending decision with
// the whole body known and ends the encoded stream.
func (cw *responseWriter) finish() {
	if cw.state == stateUndecided {
		_ = cw.commit(cw.verdict(cw.header()), nil, true, false)
	}
	if cw.state == stateCompress {
		// Errors here mean the client went away; there is no one left to
		// tell.
		_ = cw.enc.Close()
		if cw.cfg.jitter > 0 && cw.coding() == codingZstd {
			cw.writeZstdPadding()
		}
		if !cw.headerSent {
			cw.sendHeader()
		}
	}
}

// verdict judges the response from its status and headers and the request.
func (cw *responseWriter) verdict(h http.Header) verdict {
	if cw.skip {
		return cw.because(never, OutcomeSkipped)
	}
	if ce := h["Content-Encoding"]; len(ce) > 0 && !isIdentity(ce) {
		return cw.because(never, OutcomeAlreadyEncoded)
	}
	if hasNoTransform(h["Cache-Control"]) {
		return cw.because(never, OutcomeNoTransform)
	}
	if ct := h["Content-Type"]; len(ct) > 0 && ct[0] != "" && !cw.cfg.compressible(ct[0]) {
		return cw.because(never, OutcomeType)
	}
	switch cw.status {
	case http.StatusSwitchingProtocols:
		// The connection is about to become another protocol.
		return cw.because(never, OutcomeStatus)
	case http.StatusNoContent, http.StatusNotModified:
		return cw.because(notNow, OutcomeStatus)
	case http.StatusPartialContent:
		return cw.because(notNow, OutcomeRange)
	}
	switch {
	case len(h["Content-Range"]) > 0:
		return cw.because(notNow, OutcomeRange)
	case cw.choice.coding == codingNone:
		return cw.because(notNow, OutcomeNotAccepted)
	case cw.noTransformReq:
		return cw.because(notNow, OutcomeNoTransform)
	}
	return cw.because(maybe, OutcomeCompressed)
}

// because records the outcome a verdict stands for and returns the verdict.
func (cw *responseWriter) because(v verdict, o Outcome) verdict {
	cw.outcome = o
	return v
}

// commit makes the decision, given the verdict on the headers, and sends
// the status and headers. sample is body data not in cw.buf, used for
// sniffing when cw.buf is empty. final: the handler has returned; forced:
// the handler flushed.
func (cw *responseWriter) commit(v verdict, sample []byte, final, forced bool) error {
	h := cw.rw.Header()
	if cw.fixed {
		cw.swapIn(h)
	}
	if v == maybe {
		v = cw.sizeAndType(h, sample, final, forced)
	}
	switch v {
	case never:
		cw.state = statePlain
	case notNow:
		addVary(h)
		if cw.status == http.StatusNotModified && cw.choice.coding != codingNone && !cw.noTransformReq &&
			cw.notModifiedWasEncoded(h) {
			// A 304 carries the ETag the 200 would have had (RFC 9110,
			// section 15.4.5), and caches pick the stored response to
			// freshen by it (RFC 9111, section 4.3.4): with a coding
			// negotiated, that is the adjusted tag.
			cw.adjustETag(h)
		}
		cw.state = statePlain
	case maybe:
		cw.encodingHeaders(h)
	}
	if cw.status == 0 {
		cw.status = http.StatusOK
	}
	if cw.state == stateCompress {
		// The header section is fixed now, with the encoding's changes; it
		// goes out with the encoder's first byte (wire.Write). Until then
		// a recovery middleware outside compress can still answer a panic
		// with a clean 500.
		wasFixed := cw.fixed
		cw.refix()
		if wasFixed {
			cw.swapOut(h)
		}
	} else {
		cw.rw.WriteHeader(cw.status)
		cw.headerSent = true
		if cw.fixed {
			cw.swapOut(h)
		}
	}
	if cw.state == stateCompress {
		// Only now, after the status went out: the encoder and the
		// LengthJitter padding may write to the connection at once.
		cw.startEncoder(sample)
	}
	if len(cw.buf) == 0 {
		return nil
	}
	var err error
	switch cw.state {
	case statePlain:
		_, err = cw.writePlain(cw.buf)
	case stateDiscard:
		cw.in += int64(len(cw.buf))
	case stateCompress:
		cw.in += int64(len(cw.buf))
		_, err = cw.enc.Write(cw.buf)
	}
	cw.buf = cw.buf[:0]
	return err
}

// sizeAndType finishes a maybe verdict: the size threshold, then the
// content type, sniffed (and set) when the handler gave none.
func (cw *responseWriter) sizeAndType(h http.Header, sample []byte, final, forced bool) verdict {
	n := len(cw.buf) + len(sample)
	cl := contentLength(h)
	small := false
	switch {
	case cl >= 0:
		small = cl < cw.cfg.minSize || cl == 0
	case final:
		small = n < cw.cfg.minSize
	}
	if small && !cw.choice.identityRefused {
		if n == 0 && final {
			return cw.because(notNow, OutcomeEmpty)
		}
		return cw.because(notNow, OutcomeTooSmall)
	}
	if final && n == 0 && !cw.head {
		return cw.because(notNow, OutcomeEmpty) // nothing to encode
	}
	if !hasContentType(h) {
		data := cw.buf
		if len(data) == 0 {
			data = sample
		}
		if len(data) == 0 {
			return cw.because(notNow, OutcomeEmpty) // nothing to judge the type by
		}
		ct := http.DetectContentType(data)
		if _, declared := h["Content-Type"]; !declared {
			// Set it now: once the body is encoded, net/http would sniff
			// the compressed bytes.
			h.Set("Content-Type", ct)
		}
		if !cw.cfg.compressible(ct) {
			return cw.because(never, OutcomeType)
		}
	}
	return maybe
}

// encodingHeaders rewrites the headers for an encoded response and sets the
// state: stateCompress, or stateDiscard for HEAD.
func (cw *responseWriter) encodingHeaders(h http.Header) {
	c := cw.coding()
	h.Set("Content-Encoding", c.String())
	delete(h, "Content-Length")
	delete(h, "Accept-Ranges")
	addVary(h)
	cw.adjustETag(h)
	if cw.head {
		cw.outcome = OutcomeHead
		cw.state = stateDiscard
		return
	}
	cw.state = stateCompress
}

// startEncoder takes an encoder from the pool and writes the padding that
// goes before the data. It runs after the status and headers were sent.
func (cw *responseWriter) startEncoder(sample []byte) {
	cw.enc = cw.cfg.encoders.get(cw.coding(), (*wire)(cw))
	if cw.cfg.jitter > 0 {
		first := cw.buf
		if len(first) == 0 {
			first = sample
		}
		cw.pad = cw.cfg.jitterLen(first)
		cw.startPadding()
	}
}

// notModifiedWasEncoded guesses whether the 200 a 304 stands for was
// encoded, so the 304 gets the same validator. The request's If-None-Match
// says which form the client holds: the adjusted tag, or the handler's own
// (the 200 was not encoded: a small body, or a type never encoded, which
// http.ServeContent hides by deleting Content-Type before a 304). Without
// either, the Content-Type decides when there is one; otherwise the tag is
// adjusted, as for a compressible type.
func (cw *responseWriter) notModifiedWasEncoded(h http.Header) bool {
	et := h["Etag"]
	if len(et) != 1 || len(et[0]) < 2 || et[0][0] != '"' || et[0][len(et[0])-1] != '"' {
		return true // nothing to adjust, or left alone anyway
	}
	tag := et[0]
	adjusted, own := false, false
	forEachETag(cw.ifNoneMatch, func(t string) {
		switch {
		case t == tag:
			own = true
		case cw.isAdjusted(t, tag):
			adjusted = true
		}
	})
	switch {
	case adjusted:
		return true
	case own:
		return false
	}
	if ct := h["Content-Type"]; len(ct) > 0 && ct[0] != "" {
		return cw.cfg.compressible(ct[0])
	}
	return true
}

// isAdjusted reports whether t is the strong tag in the form adjustETag
// gives it for the negotiated coding.
func (cw *responseWriter) isAdjusted(t, tag string) bool {
	switch cw.cfg.etag {
	case ETagWeaken:
		return len(t) == len(tag)+2 && t[:2] == "W/" && t[2:] == tag
	case ETagSuffix:
		name := cw.coding().String()
		inner := tag[:len(tag)-1]
		return len(t) == len(tag)+1+len(name) && t[:len(inner)] == inner &&
			t[len(inner)] == '-' && t[len(inner)+1:len(t)-1] == name && t[len(t)-1] == '"'
	}
	return false
}

// forEachETag calls fn with every entity-tag (W/ prefix included) in
// If-None-Match field values. Commas inside the quotes do not split.
func forEachETag(values []string, fn func(string)) {
	for _, v := range values {
		for i := 0; i < len(v); {
			for i < len(v) && (v[i] == ' ' || v[i] == '\t' || v[i] == ',') {
				i++
			}
			start := i
			if strings.HasPrefix(v[i:], "W/") {
				i += 2
			}
			if i >= len(v) || v[i] != '"' {
				// "*" or malformed: skip to the next comma.
				for i < len(v) && v[i] != ',' {
					i++
				}
				continue
			}
			end := strings.IndexByte(v[i+1:], '"')
			if end < 0 {
				break
			}
			i += end + 2
			fn(v[start:i])
		}
	}
}

// adjustETag applies the ETag mode to a strong entity tag in h, for the
// negotiated coding.
func (cw *responseWriter) adjustETag(h http.Header) {
	et := h["Etag"]
	if len(et) != 1 {
		return
	}
	tag := et[0]
	if len(tag) < 2 || tag[0] != '"' || tag[len(tag)-1] != '"' {
		return // weak (W/"...") or malformed: leave it
	}
	switch cw.cfg.etag {
	case ETagWeaken:
		et[0] = "W/" + tag
	case ETagSuffix:
		et[0] = tag[:len(tag)-1] + "-" + cw.coding().String() + `"`
	}
}

// padding is the filler for LengthJitter; only its length matters.
var padding = strings.Repeat("-", maxJitter)

// jitterPrefix is how many of the first body bytes the LengthJitter
// padding is derived from: with jitter on, the decision waits for them (or
// for a Flush or the handler's return).
const jitterPrefix = 16 << 10

// jitterLen derives the padding length, 1..jitter, from the first bytes of
// the uncompressed body with a hash keyed by a random seed made when the
// Middleware was built: the same body always gets the same padding, so
// repeating a request does not average the padding away.
func (c *config) jitterLen(first []byte) int {
	first = first[:min(len(first), jitterPrefix)]
	return 1 + int(maphash.Bytes(c.jitterSeed, first)%uint64(c.jitter))
}

// startPadding adds the LengthJitter padding that goes before the data:
// gzip's header comment, or a brotli metadata meta-block.
func (cw *responseWriter) startPadding() {
	switch e := cw.enc.(type) {
	case *gzip.Writer:
		e.Comment = padding[:cw.pad]
	case *brotli.Writer:
		// After a flush the brotli stream is byte-aligned, so a metadata
		// meta-block (RFC 7932, section 9.2) can follow: ISLAST=0,
		// MNIBBLES=0 (coded 11), a reserved 0 bit, MSKIPBYTES, MSKIPLEN-1
		// in MSKIPBYTES bytes, zero bits up to the byte boundary, then
		// MSKIPLEN bytes the decoder skips.
		if e.Flush() != nil {
			return
		}
		n := cw.pad
		skipBytes := uint32(1)
		if n-1 > 0xff {
			skipBytes = 2 // the top byte is then non-zero, as required
		}
		bits := uint32(3)<<1 | skipBytes<<4 | uint32(n-1)<<6
		hdr := [3]byte{byte(bits), byte(bits >> 8), byte(bits >> 16)}
		if _, err := (*wire)(cw).Write(hdr[:1+skipBytes]); err != nil {
			return
		}
		_, _ = (*wire)(cw).Write([]byte(padding[:n]))
	}
}

// writeZstdPadding appends a skippable frame (RFC 8878, section 3.1.2) of
// LengthJitter length after the zstd frame.
func (cw *responseWriter) writeZstdPadding() {
	n := cw.pad
	var hdr [8]byte
	binary.LittleEndian.PutUint32(hdr[:4], 0x184D2A50)
	binary.LittleEndian.PutUint32(hdr[4:], uint32(n))
	if _, err := (*wire)(cw).Write(hdr[:]); err != nil {
		return
	}
	_, _ = (*wire)(cw).Write([]byte(padding[:n]))
}

// Skip turns compression off for one response. Call it from the handler with
// the ResponseWriter it received, before writing the body; it finds the
// middleware's writer through Unwrap. It reports whether it took effect:
// false when no compress middleware wraps w or the body was already
// started.
func Skip(w http.ResponseWriter) bool {
	for {
		switch t := w.(type) {
		case *responseWriter:
			if t.state != stateUndecided {
				return false
			}
			t.skip = true
			return true
		case interface{ Unwrap() http.ResponseWriter }:
			w = t.Unwrap()
		default:
			return false
		}
	}
}

// addVary adds "Vary: Accept-Encoding" unless a Vary line already lists it
// (or "*"), so the header is present exactly once.
func addVary(h http.Header) {
	for _, v := range h["Vary"] {
		if hasToken(v, "accept-encoding") || hasToken(v, "*") {
			return
		}
	}
	h["Vary"] = append(h["Vary"], "Accept-Encoding")
}

// hasToken reports whether the comma-separated list s holds token
// (lower-case), ignoring case and parameters.
func hasToken(s, token string) bool {
	for len(s) > 0 {
		var elem string
		elem, s = nextElement(s)
		elem, _, _ = cut(elem, ';')
		elem, _, _ = cut(elem, '=')
		if equalFold(trimOWS(elem), token) {
			return true
		}
	}
	return false
}

// hasNoTransform reports whether Cache-Control holds no-transform.
func hasNoTransform(values []string) bool {
	for _, v := range values {
		if hasToken(v, "no-transform") {
			return true
		}
	}
	return false
}

func isIdentity(ce []string) bool {
	for _, v := range ce {
		if v = trimOWS(v); v != "" && !equalFold(v, "identity") {
			return false
		}
	}
	return true
}

func hasContentType(h http.Header) bool {
	ct := h["Content-Type"]
	return len(ct) > 0 && ct[0] != ""
}

// contentLength returns the Content-Length the handler set, or -1.
func contentLength(h http.Header) int {
	v := h["Content-Length"]
	if len(v) == 0 {
		return -1
	}
	s := trimOWS(v[0])
	if s == "" || len(s) > 18 {
		return -1
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return -1
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}
