package requestid

import "context"

// ctxKey is the unexported context key type, so no other package can
// read or overwrite the ID except through FromContext and NewContext.
type ctxKey struct{}

// idContext carries a request ID. It is one allocation instead of the two
// that context.WithValue needs for a string (the valueCtx and the boxed
// string), and it has room for the response header's value slice so
// Middleware can set the header without allocating again.
type idContext struct {
	context.Context
	id     string
	header string    // canonical header name Middleware used, "" after NewContext (see Transport)
	hdr    [1]string // backing array for the response header value (see Middleware)
}

// Value returns the idContext itself for ctxKey; every other key goes to the
// parent, so cancellation, deadlines and other values behave exactly as they
// would through context.WithValue.
func (c *idContext) Value(key any) any {
	if _, ok := key.(ctxKey); ok {
		return c
	}
	return c.Context.Value(key)
}

// String describes the context like the standard library's contexts do,
// without the ID itself.
func (c *idContext) String() string {
	return "requestid.NewContext"
}

// NewContext returns a copy of ctx that carries the request ID id, for work
// that starts outside an HTTP request (a job, a message consumer) or a
// caller that chose the ID itself. id is checked like an incoming ID (1 to
// MaxLength bytes of [A-Za-z0-9._:+/=-]): a malformed id is ignored and ctx
// is returned unchanged, so an ID already in ctx stays and a Middleware
// further in generates a fresh one. Whatever FromContext returns is
// therefore safe to echo in a header and to log.
func NewContext(ctx context.Context, id string) context.Context {
	if !valid(id) {
		return ctx
	}
	return &idContext{Context: ctx, id: id}
}

// FromContext returns the request ID stored in ctx by Middleware or
// NewContext, or "" when there is none.
func FromContext(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	if c, ok := ctx.Value(ctxKey{}).(*idContext); ok {
		return c.id
	}
	return ""
}
