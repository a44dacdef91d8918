package compress

import (
	"io"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// encoder is what the three codings have in common: *gzip.Writer,
// *brotli.Writer and *zstd.Encoder all satisfy it.
type encoder interface {
	io.Writer
	Flush() error
	Close() error
	Reset(w io.Writer)
}

// zstdWindow bounds the zstd window. Browsers refuse windows above 8 MiB for
// HTTP (RFC 9659); 1 MiB keeps each pooled encoder's memory modest and costs
// nothing on responses up to that size.
const zstdWindow = 1 << 20

// encoderPools holds one pool per coding, each for the configured level.
// Encoders are expensive to create (tables of hundreds of kilobytes) and
// cheap to Reset, so each is reused across responses. An encoder goes back
// to its pool only after a response completed normally: one abandoned by a
// panicking handler is dropped, so no half-written state is ever reused.
type encoderPools struct {
	pools [numCodings]sync.Pool
}

func newEncoderPools(gzipLevel, brotliLevel, zstdLevel int) *encoderPools {
	p := &encoderPools{}
	p.pools[codingGzip].New = func() any {
		w, err := gzip.NewWriterLevel(nil, gzipLevel)
		if err != nil { // unreachable: GzipLevel validated the level
			panic("compress: " + err.Error())
		}
		return encoder(w)
	}
	p.pools[codingBrotli].New = func() any {
		return encoder(brotli.NewWriterLevel(nil, brotliLevel))
	}
	zl := zstd.EncoderLevelFromZstd(zstdLevel)
	p.pools[codingZstd].New = func() any {
		w, err := zstd.NewWriter(nil,
			zstd.WithEncoderLevel(zl),
			zstd.WithEncoderConcurrency(1),
			zstd.WithWindowSize(zstdWindow),
			zstd.WithLowerEncoderMem(true),
		)
		if err != nil { // unreachable: the options are constants
			panic("compress: " + err.Error())
		}
		return encoder(w)
	}
	return p
}

// get returns an encoder for c, reset to write to w.
func (p *encoderPools) get(c coding, w io.Writer) encoder {
	e := p.pools[c].Get().(encoder)
	e.Reset(w)
	return e
}

// put returns a closed encoder to its pool. It is not Reset to nil: a
// brotli Reset reallocates its ring buffer and a zstd Reset costs kilobytes
// of allocation, and doing it twice per response doubled that. The
// finished ResponseWriter it still points to is released at the next get, or
// when the pool is cleared at a garbage collection.
func (p *encoderPools) put(c coding, e encoder) {
	p.pools[c].Put(e)
}
