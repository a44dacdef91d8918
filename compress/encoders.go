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

// encoderPools holds one pool per coding, each for the configured level.
// Encoders are expensive to create (tables of hundreds of kilobytes) and
// cheap to Reset, so each is reused across responses. An encoder goes back
// to its pool only after a response completed normally: one abandoned by a
// panicking handler is dropped, so no half-written state is ever reused.
type encoderPools struct {
	pools [numCodings]sync.Pool
}

func newEncoderPools(gzipLevel, brotliLevel, brotliWindow, zstdLevel, zstdWindow int) *encoderPools {
	p := &encoderPools{}
	p.pools[codingGzip].New = func() any {
		w, err := gzip.NewWriterLevel(nil, gzipLevel)
		if err != nil { // unreachable: GzipLevel validated the level
			panic("compress: " + err.Error())
		}
		return encoder(w)
	}
	p.pools[codingBrotli].New = func() any {
		return encoder(brotli.NewWriterOptions(nil, brotli.WriterOptions{Quality: brotliLevel, LGWin: brotliWindow}))
	}
	zl := zstd.EncoderLevelFromZstd(zstdLevel)
	p.pools[codingZstd].New = func() any {
		w, err := zstd.NewWriter(nil,
			zstd.WithEncoderLevel(zl),
			zstd.WithEncoderConcurrency(1),
			zstd.WithWindowSize(zstdWindow),
			zstd.WithLowerEncoderMem(true),
		)
		if err != nil { // unreachable: ZstdLevel and ZstdWindow validated the values
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
//
// A brotli encoder that encoded more than maxPooledBrotliInput bytes is
// dropped instead: its buffers grow with the input (at quality 4 and a
// 2^18 window, from 2.0 MB after 64 KiB to 2.4 MB after 256 KiB and 6.7 MB
// after 1 MiB) and a pool would keep that size for every later response.
// gzip and zstd encoders keep a fixed size, set by level and window. put
// reports whether e was pooled.
func (p *encoderPools) put(c coding, e encoder, in int64) bool {
	if c == codingBrotli && in > maxPooledBrotliInput {
		return false
	}
	p.pools[c].Put(e)
	return true
}

// maxPooledBrotliInput is the largest input, in bytes, after which a brotli
// encoder still goes back to its pool.
const maxPooledBrotliInput = 256 << 10
