package respond

// APIError is an error meant for the client: Error renders it as given, with
// its Status, Code, Message and Details. Cause, if set, is the underlying
// error: it is returned by Unwrap (so errors.Is and errors.As see through an
// APIError) and logged for 5xx statuses, but never sent to the client.
//
// Status 0 means Code.Status(); an empty Code means CodeForStatus(Status); an
// empty Message means Code.Message().
type APIError struct {
	// Status is the HTTP status code (4xx or 5xx).
	Status int
	// Code is the machine-readable error code, sent as error.code.
	Code Code
	// Message is the human-readable, client-safe message, sent as
	// error.message.
	Message string
	// Details is optional structured data sent as error.details (for
	// example the list of invalid fields). It must be JSON-encodable.
	Details any
	// Cause is the internal error behind this one. It is never sent.
	Cause error
}

// NewError returns an APIError for a catalog code with the code's status. An
// empty message means the code's default message.
func NewError(code Code, message string) *APIError {
	return &APIError{Status: code.Status(), Code: code, Message: message}
}

// Error returns "CODE: message", followed by ": cause" when there is a Cause.
// It is meant for logs; the client only ever sees Code and Message.
func (e *APIError) Error() string {
	if e == nil {
		return "respond: nil *APIError"
	}
	code, _, msg := e.resolve()
	s := string(code) + ": " + msg
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns the Cause, so errors.Is and errors.As look through an APIError.
func (e *APIError) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Cause
}

// resolve fills in the defaults: the code, status and message that are sent.
func (e *APIError) resolve() (Code, int, string) {
	code, status := e.Code, e.Status
	if status < 400 || status > 599 {
		if code == "" {
			code = CodeInternalError
		}
		status = code.Status()
	}
	if code == "" {
		code = CodeForStatus(status)
	}
	msg := e.Message
	if msg == "" {
		msg = code.Message()
		if msg == "" {
			msg = CodeForStatus(status).Message()
		}
	}
	return code, status, msg
}
