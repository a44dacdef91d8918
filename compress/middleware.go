package compress

import (
	"hash/maphash"
	"net/http"
	"sync"
)

// config is the validated configuration shared by every request served by
// one Middleware.
type config struct {
	minSize      int
	gzipLevel    int
	brotliLevel  int
	brotliWindow int
	zstdLevel    int
	zstdWindow   int
	order        []coding
	types        typeRules
	etag         ETagMode
	jitter       int
	jitterSeed   maphash.Seed // keys the LengthJitter hash
	observe      func(*http.Request, Stats)

	encoders *encoderPools
	writers  sync.Pool // *responseWriter

	// released, when set (tests only), sees every wrapper returned to the
	// pool.
	released func(*responseWriter)
	// pooled, when set (tests only), sees whether each encoder used by a
	// completed response went back to its pool.
	pooled func(c coding, kept bool)
}

// Middleware returns middleware that compresses response bodies with zstd,
// brotli or gzip, whichever the client accepts and the server prefers (see
// Encodings). With no options it uses DefaultMinSize, DefaultGzipLevel,
// DefaultBrotliLevel, DefaultZstdLevel, DefaultEncodings, the built-in list
// of already-compressed types and ETagWeaken. Invalid options panic here,
// never while serving.
func Middleware(opts ...Option) func(http.Handler) http.Handler {
	c := &config{
		minSize:      DefaultMinSize,
		gzipLevel:    DefaultGzipLevel,
		brotliLevel:  DefaultBrotliLevel,
		brotliWindow: DefaultBrotliWindow,
		zstdLevel:    DefaultZstdLevel,
		zstdWindow:   DefaultZstdWindow,
		order:        defaultEncodings[:],
		etag:         ETagWeaken,
	}
	for _, o := range opts {
		if o == nil {
			panic("compress.Middleware: nil Option")
		}
		o(c)
	}
	if c.jitter > 0 {
		c.jitterSeed = maphash.MakeSeed()
	}
	c.encoders = newEncoderPools(c.gzipLevel, c.brotliLevel, c.brotliWindow, c.zstdLevel, c.zstdWindow)
	c.writers.New = func() any { return new(responseWriter) }
	return func(next http.Handler) http.Handler {
		if next == nil {
			panic("compress.Middleware: nil http.Handler")
		}
		return &handler{cfg: c, next: next}
	}
}

type handler struct {
	cfg  *config
	next http.Handler
}

// maxPooledBuffer bounds the buffer a pooled wrapper keeps between requests.
const maxPooledBuffer = 64 << 10

// maxPooledHeader bounds the header snapshot a pooled wrapper keeps (fields).
const maxPooledHeader = 64

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := h.cfg
	accept := parseAcceptEncoding(r.Header["Accept-Encoding"])
	cw := c.writers.Get().(*responseWriter)
	*cw = responseWriter{
		rw:             w,
		cfg:            c,
		choice:         negotiate(&accept, c.order),
		head:           r.Method == http.MethodHead,
		noTransformReq: hasNoTransform(r.Header["Cache-Control"]),
		ifNoneMatch:    r.Header["If-None-Match"],
		buf:            cw.buf[:0],
		snapKV:         cw.snapKV,
		snapVals:       cw.snapVals,
		snap:           cw.snap,
		later:          cw.later,
	}
	// No defer: if the handler (or the final write) panics, the code below
	// does not run, so the wrapper and its encoder, in an unknown state,
	// are never returned to their pools; the garbage collector takes them
	// and the panic goes on to net/http or a recovery middleware.
	h.next.ServeHTTP(cw, r)
	cw.finish()
	if c.observe != nil {
		c.observe(r, cw.stats())
	}

	if cw.enc != nil {
		kept := c.encoders.put(cw.coding(), cw.enc, cw.in)
		if c.pooled != nil {
			c.pooled(cw.coding(), kept)
		}
	}
	buf := cw.buf
	if cap(buf) > maxPooledBuffer {
		buf = nil
	}
	kv, vals, snap, later := cw.snapKV, cw.snapVals, cw.snap, cw.later
	clear(kv)
	clear(vals)
	clear(snap)
	if cap(kv) > maxPooledHeader || cap(vals) > 4*maxPooledHeader {
		kv, vals, snap = nil, nil, nil
	}
	*cw = responseWriter{buf: buf[:0], snapKV: kv[:0], snapVals: vals[:0], snap: snap, later: later[:0]}
	if c.released != nil {
		c.released(cw)
	}
	c.writers.Put(cw)
}
