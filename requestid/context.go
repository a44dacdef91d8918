package requestid

import "context"

// ctxKey is the unexported context key type, so no other package can
// read or overwrite the ID except through FromContext and NewContext.
type ctxKey struct{}

// NewContext returns a copy of ctx that carries the request ID id.
func NewContext(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// FromContext returns the request ID stored in ctx by Middleware or
// NewContext, or "" when there is none.
func FromContext(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}
