// Package compress is net/http middleware that compresses response bodies
// with zstd, brotli or gzip.
//
// Compressing JSON and HTML typically cuts their size by 4–10x, which matters
// more than the CPU it costs on every link slower than a data centre's. Doing
// it in middleware is easy to get subtly wrong, and the common Go middlewares
// each get some of it wrong: compressing Range responses or already-compressed
// images, Flush that does nothing before a size threshold (server-sent events
// stall), Content-Encoding on 204 and 304, "gzip;q=0" read as acceptance,
// Vary missing or duplicated, Cache-Control: no-transform ignored. This
// package does each of those by the RFCs and is measured against the peers in
// examples/benchmarks.
//
// The shortest use:
//
//	mux := http.NewServeMux()
//	mux.HandleFunc("GET /api/items", listItems)
//	http.ListenAndServe(":8080", compress.Middleware()(mux))
//
// What it does, in order:
//
//   - Negotiation (RFC 9110, section 12.5.3): Accept-Encoding tokens match
//     case-insensitively, q-values are honoured, q=0 refuses a coding, "*"
//     covers codings not listed, ties go to the server's order (Encodings;
//     by default zstd, br, gzip). A request without Accept-Encoding gets an
//     uncompressed response. When the client refuses identity
//     ("identity;q=0" or "*;q=0") and accepts no offered coding, the
//     response is still sent uncompressed rather than as 406: a middleware
//     cannot know whether the handler's answer would be acceptable, and a
//     406 would hide real errors and empty responses from the client. When
//     identity is refused and a coding is acceptable, MinSize is ignored.
//   - Size: bodies under MinSize (1024 bytes by default) are sent as they
//     are. Without a Content-Length, the first bytes are held back until
//     MinSize is reached, the handler flushes or returns.
//   - Type: only compressible types are compressed. A built-in list denies
//     already-compressed formats (every image type except SVG, audio, video,
//     WOFF/WOFF2, zip, gzip, zstd, brotli, 7z, rar and other archives, zip
//     containers such as OOXML and EPUB, rpm and deb packages, PDF);
//     AllowTypes and DenyTypes adjust it, and Skip turns compression off for
//     one response. A missing Content-Type is sniffed from the first 512
//     uncompressed bytes and set.
//   - Never compressed: a response whose handler set Content-Encoding, a 206
//     or any response with Content-Range, 1xx, 204 and 304 responses, a
//     request or response with Cache-Control: no-transform. A HEAD response
//     is never encoded but gets exactly the headers GET would get.
//   - Headers: exactly one "Vary: Accept-Encoding" on every response whose
//     encoding depends on the request (compressed or not); Content-Length
//     and Accept-Ranges removed when compressing; a strong ETag made weak,
//     or suffixed (ETags).
//   - Header section: the status and headers sent are the ones net/http
//     would send without the middleware, plus the changes above. The
//     header map is fixed when net/http fixes it (at WriteHeader, or at the
//     first Write of an implicit 200), even while compress still holds the
//     body to decide: a field set after that is not sent (fields declared
//     in Trailer go out as trailers, on HTTP/1.1 and HTTP/2). The status
//     goes out at the decision, or, for an encoded body, just before the
//     encoder's first byte (or padding, or a Flush): see Panics below.
//   - Streaming: Flush forces the decision, flushes the encoder and the
//     connection, so each server-sent event reaches the client at once.
//     http.NewResponseController reaches Flush, Hijack and deadlines through
//     Unwrap. Hijack hands the connection over as net/http does: a status
//     already given is sent first with its headers, buffered body bytes are
//     dropped. A response that is not encoded keeps net/http's sendfile
//     path for files served with http.ServeContent or http.FileServer (the
//     writer's ReadFrom).
//   - Memory per response in flight (what a server holding thousands of
//     streams pays for each): about 1.1 MB for gzip 6, 0.8 MB for zstd at
//     level 1 with its 128 KiB window (ZstdWindow), 2.1 MB for brotli 4
//     with its 2^18 window (BrotliWindow; the library's default 4 MiB
//     window cost 9.9 MB, for at most 0.4% smaller output). A brotli
//     encoder that encoded more than 256 KiB, whose buffers grow with its
//     input, is dropped rather than pooled. BenchmarkCompressMemory in
//     examples/benchmarks measures it beside gzhttp.
//   - Pooling: encoders and writers are pooled per level; one used by a
//     handler that panicked is dropped, never reused.
//   - Observation: Observe (nil by default) is called once per completed
//     response with its Outcome (compressed, or why not), the coding, and
//     the body's bytes in and out, for metrics such as bytes saved per
//     coding. It runs synchronously on the request's goroutine: it must be
//     fast and must not block. Unset, it costs nothing and allocates
//     nothing; set, it adds no allocation either (Stats is a value).
//   - BREACH: LengthJitter (off by default) pads compressed responses by a
//     length derived from the content (see below).
//
// # Panics, and where to put respond.Recover
//
// A handler that panics after writing part of its body leaves a response
// that cannot be completed. What the client gets depends on what already
// reached net/http, and so on the order of a recovery middleware such as
// respond.Recover and compress. Measured by TestPanicAfterPartialWrite
// (HTTP/1.1, Go client, defaults; "no response": the connection closes
// before a status line; "cut": 200, then the connection closes and the
// decoder reports an unexpected EOF, never a short body taken as whole):
//
//	written before the panic   Recover outside compress        Recover inside compress
//	nothing                    500 envelope                    500 envelope
//	500 B (under MinSize)      500 envelope; no response       no response
//	                           without Accept-Encoding
//	8 KB, no Flush             br, zstd: 500 envelope;         no response (gzip, br, zstd);
//	                           gzip: no response;              cut without Accept-Encoding
//	                           cut without Accept-Encoding
//	8 KB, then Flush           cut                             cut
//
// Outside compress, Recover still answers with a clean 500 as long as
// compress has not let anything through: while it buffers below MinSize,
// and for zstd and brotli until the encoder emits its first bytes, which
// they do once they have a block of input (gzip writes its header at the
// first write). compress holds the status and headers until then. Inside,
// Recover sees the handler's first write and can only abort. So the
// recommended order is Recover outside compress:
//
//	handler := respond.Recover()(compress.Middleware()(mux))
//
// which also turns a panic in compress itself into a 500. The wrapper and
// encoder of a panicking response are never pooled again.
//
// # BREACH and LengthJitter
//
// BREACH recovers a secret (a CSRF token, a session id) from a compressed
// response that also reflects attacker-chosen input: a correct guess
// compresses better, and the response is shorter. LengthJitter pads each
// compressed response by 1..n bytes. A fresh random length per response
// would be averaged away by sending each guess a few dozen times (the mean
// padding is known), so the length is derived from the content instead: a
// hash of the first 16 KiB of the uncompressed body keyed with a random
// seed, as gzhttp's RandomJitter does with a buffer (gzhttp's default hash,
// CRC32, is unkeyed). Repeating a request gives the same length. What is
// left, honestly:
//
//   - Only the first 16 KiB are hashed. When the reflected input and the
//     secret both lie beyond them, every guess gets the same padding, and
//     the padding hides nothing.
//   - An attacker who can vary something else in the hashed prefix (another
//     reflected parameter, a counter, a timestamp the page prints) gets a
//     new padding per variant and can average over variants. The padding
//     then multiplies the number of requests an attack needs (seeing a
//     one-byte difference through padding uniform in 1..n takes on the
//     order of n²/12 variants per guess), it does not stop the attack.
//   - The seed is made per Middleware, so each process (each replica, each
//     restart) pads differently; an attacker reaching several replicas gets
//     several paddings per body.
//   - With LengthJitter on, the first 16 KiB are held back until the
//     decision (unless the handler flushes), which delays the first byte of
//     slow, unflushed responses.
//
// The real fixes are in the application: mask secrets per response (XOR
// with a fresh random mask, as CSRF libraries do), keep secrets and
// reflected input in separate responses, or call Skip on responses that
// mix them.
package compress
