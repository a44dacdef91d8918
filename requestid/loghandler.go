package requestid

import (
	"context"
	"log/slog"
)

// LogKey is the attribute key under which NewLogHandler and AccessLog put
// the request ID.
const LogKey = "request_id"

// NewLogHandler returns a slog.Handler that adds request_id (the ID from
// FromContext) to every record logged with a context that carries one, such
// as r.Context() inside Middleware, and passes everything else to h.
//
// request_id always stays a top-level attribute, also under
// Logger.WithGroup: the returned handler opens groups itself instead of
// delegating WithGroup to h, so that for
//
//	logger.WithGroup("db").InfoContext(ctx, "query", "rows", 3)
//
// a JSON handler writes {"msg":"query","request_id":"…","db":{"rows":3}}.
// A record or a WithAttrs call (outside any group) that already has a
// top-level request_id keeps its own, so there are never two.
//
// Without open groups it adds no allocation of its own per record (slog
// grows a record past five attributes as it does for any added attribute).
// With groups open it makes one allocation per record, for the group's
// attribute list.
func NewLogHandler(h slog.Handler) slog.Handler {
	if h == nil {
		panic("requestid: NewLogHandler: nil handler")
	}
	return &logHandler{base: h}
}

type logHandler struct {
	base   slog.Handler // h with every WithAttrs made before the first group
	groups []openGroup  // groups opened with WithGroup, outermost first
	hasID  bool         // base already has a top-level request_id attribute
}

// openGroup is a group opened with WithGroup and the attributes added inside
// it before the next group was opened.
type openGroup struct {
	name  string
	attrs []slog.Attr
}

// Enabled reports whether the wrapped handler handles records at level.
func (h *logHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.base.Enabled(ctx, level)
}

// WithAttrs returns a handler whose records carry as. Outside any group they
// go straight to the wrapped handler (which can pre-format them); inside a
// group they are kept and nested into the record's group on Handle.
func (h *logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	if len(h.groups) == 0 {
		return &logHandler{base: h.base.WithAttrs(as), hasID: h.hasID || hasKey(as)}
	}
	groups := make([]openGroup, len(h.groups))
	copy(groups, h.groups)
	last := &groups[len(groups)-1]
	last.attrs = append(last.attrs[:len(last.attrs):len(last.attrs)], as...)
	return &logHandler{base: h.base, groups: groups, hasID: h.hasID}
}

// WithGroup returns a handler that nests later attributes under name.
// An empty name is no group, as slog specifies.
func (h *logHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	groups := make([]openGroup, len(h.groups), len(h.groups)+1)
	copy(groups, h.groups)
	return &logHandler{base: h.base, groups: append(groups, openGroup{name: name}), hasID: h.hasID}
}

// Handle adds request_id and passes the record to the wrapped handler.
func (h *logHandler) Handle(ctx context.Context, r slog.Record) error {
	id := ""
	if !h.hasID {
		id = FromContext(ctx)
	}
	if len(h.groups) == 0 {
		if id != "" && !recordHasID(r) {
			r = r.Clone() // the caller's copy must not see our attribute
			r.AddAttrs(slog.String(LogKey, id))
		}
		return h.base.Handle(ctx, r)
	}

	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	if id != "" {
		out.AddAttrs(slog.String(LogKey, id))
	}
	if nested, ok := h.nest(r); ok {
		out.AddAttrs(nested)
	}
	return h.base.Handle(ctx, out)
}

// nest builds the open groups around the record's attributes in one
// allocation: every level's attribute list is a window of the same slice,
// filled from the innermost level (at the end) outwards. It returns false
// when every group would be empty, since slog omits empty groups.
func (h *logHandler) nest(r slog.Record) (slog.Attr, bool) {
	total := r.NumAttrs() + len(h.groups) - 1
	for _, g := range h.groups {
		total += len(g.attrs)
	}
	buf := make([]slog.Attr, total)

	// Innermost level: its WithAttrs, then the record's attributes.
	last := h.groups[len(h.groups)-1]
	end := len(buf)
	start := end - len(last.attrs) - r.NumAttrs()
	i := start + copy(buf[start:], last.attrs)
	r.Attrs(func(a slog.Attr) bool {
		buf[i] = a
		i++
		return true
	})
	nonEmpty := !allEmptyGroups(buf[start:end])
	child := slog.Attr{Key: last.name, Value: slog.GroupValue(buf[start:end]...)}

	// Outer levels: their WithAttrs, then the level below unless it is empty.
	for k := len(h.groups) - 2; k >= 0; k-- {
		g := h.groups[k]
		end = start
		start = end - len(g.attrs)
		if nonEmpty {
			start--
			buf[end-1] = child
		}
		copy(buf[start:], g.attrs)
		nonEmpty = !allEmptyGroups(buf[start:end])
		child = slog.Attr{Key: g.name, Value: slog.GroupValue(buf[start:end]...)}
	}
	return child, nonEmpty
}

// recordHasID reports whether the record has a top-level request_id.
func recordHasID(r slog.Record) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = a.Key == LogKey
		return !found
	})
	return found
}

func hasKey(as []slog.Attr) bool {
	for _, a := range as {
		if a.Key == LogKey {
			return true
		}
	}
	return false
}

// allEmptyGroups reports whether every attribute is an empty group, which
// handlers omit.
func allEmptyGroups(as []slog.Attr) bool {
	for _, a := range as {
		if a.Value.Kind() != slog.KindGroup || len(a.Value.Group()) > 0 {
			return false
		}
	}
	return true
}
