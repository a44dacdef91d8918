package respond

import "net/http"

// JSON writes data in a success envelope with the given status, using the
// default configuration; see (*Responder).JSON.
func JSON(w http.ResponseWriter, r *http.Request, status int, data any) {
	defaultResponder.JSON(w, r, status, data)
}

// OK writes data in a 200 success envelope:
// {"success":true,"data":...,"timestamp":"...","requestId":"..."}.
func OK(w http.ResponseWriter, r *http.Request, data any) {
	defaultResponder.OK(w, r, data)
}

// OKWithMeta writes data in a 200 success envelope with a "meta" pagination
// block: {"success":true,"data":[...],"meta":{"page":1,"limit":10,"total":100},...}.
func OKWithMeta(w http.ResponseWriter, r *http.Request, data any, meta Meta) {
	defaultResponder.OKWithMeta(w, r, data, meta)
}

// Error writes err as an error envelope, using the default configuration
// (unexpected errors are logged to slog.Default()); see (*Responder).Error.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	defaultResponder.Error(w, r, err)
}
