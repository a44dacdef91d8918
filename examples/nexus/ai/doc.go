// Package ai is the NEXUS reference server's client for the AI service: the
// streaming chat APIs of Ollama and OpenAI behind one small interface,
// Provider, plus a cached reachability probe (Monitor) for /api/system.
//
// Two providers speak two wire formats:
//
//   - Ollama (NewOllama): POST {OLLAMA_HOST}/api/chat with "stream": true;
//     the answer is newline-delimited JSON (application/x-ndjson), one
//     object per token or few tokens, the last one with "done": true and
//     the token counts (prompt_eval_count, eval_count). A failure after the
//     200 arrives as a line {"error": "..."}. The probe is GET /api/version.
//   - OpenAI (NewOpenAI): POST {base}/chat/completions with "stream": true
//     and stream_options.include_usage; the answer is Server-Sent Events,
//     one "data: {chat.completion.chunk}" event per delta, a last chunk with
//     empty choices and the usage, then "data: [DONE]". A failure after the
//     200 arrives as an event whose data is {"error": {...}}. The probe is
//     GET {base}/models with the key.
//
// Both parsers read lines of any split (a JSON object cut across TCP
// segments is joined before decoding), bound the length of one line and
// the size of the whole answer (MaxBytes), and treat a stream that ends
// before its terminator (the connection drops) as a failure, never as a
// short answer.
//
// # Requests
//
// Every request goes through requestid.Transport, so the upstream sees the
// X-Request-ID of the request that caused it (made with that request's
// context), and is bounded by Timeout (default 2 minutes) for the whole
// answer, headers and body. Cancelling the context (the client of the
// server went away, the server is draining) cancels the upstream request at
// once: net/http closes its connection.
//
// # Errors
//
// Stream and Probe return *Error (or, when the caller's context ended first,
// an error wrapping its cause), whose Kind says what went wrong
// (unreachable, a non-2xx status, a timeout, an answer cut short, malformed
// or oversized) without any secret: the API key travels only in the
// Authorization header, the URL's password is never printed, and the text
// of an OpenAI error body (which can quote part of the key) is never kept;
// only its type and code are.
//
// # Choosing a provider
//
// The server (package main) picks one provider by this rule, overridable
// with AI_PROVIDER=ollama|openai: OpenAI when OPENAI_API_KEY is set,
// otherwise Ollama at OLLAMA_HOST (default http://localhost:11434, the
// original NEXUS server's default).
package ai
