package respond

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
)

// ValidationError is implemented by errors that carry field-level details,
// such as validate.Errors. Error renders them as 400 VALIDATION_ERROR with
// message "request validation failed" and details = ValidationDetails().
// The interface lets validate (and any other validator) plug in without
// importing this package.
type ValidationError interface {
	error
	ValidationDetails() any
}

// StatusCoder is implemented by errors that know their HTTP status, such as
// validate's decoding errors (wrong Content-Type, malformed JSON, empty
// body). For a 4xx status, Error renders the status with
// CodeForStatus(status) and the StatusCoder's own Error() text as the
// message: by implementing StatusCoder with a 4xx status an error promises
// that its text is safe to show the client. Only the text of the error that
// implements StatusCoder is sent, not the prefixes added by fmt.Errorf
// wrappers around it, which may carry internal context. For a 5xx status the
// status is kept but the message is the code's generic one and the error is
// logged. Other statuses are ignored (the error is classified further).
//
// Like ValidationError, the interface is matched structurally, so the
// package that defines the error does not import respond.
type StatusCoder interface {
	error
	StatusCode() int
}

// validationMessage is the message of every VALIDATION_ERROR rendered from a
// ValidationError.
const validationMessage = "request validation failed"

// problem is a classified error, ready to render.
type problem struct {
	status  int
	code    Code
	message string
	details any
	// logged is the error to log (5xx, and 499); nil means nothing to log.
	logged error
	// clientGone marks a 499: logged at info level, not as a server error.
	clientGone bool
}

// classify maps err to the response, in this order (each with errors.As):
//  1. *APIError: as given (5xx ones are logged with their cause);
//  2. ValidationError: 400 VALIDATION_ERROR with the details;
//  3. *http.MaxBytesError: 413 PAYLOAD_TOO_LARGE;
//  4. StatusCoder with a 4xx status: that status, its code, err.Error();
//     with a 5xx status: that status, its code, the generic message (logged);
//  5. context.Canceled while ctx (the request's context) is cancelled too,
//     not expired: the client went away, 499 CLIENT_CLOSED_REQUEST (logged
//     at info);
//  6. context.DeadlineExceeded: 504 TIMEOUT (logged);
//  7. anything else: 500 INTERNAL_ERROR, generic message (logged).
func classify(ctx context.Context, err error) problem {
	if err == nil {
		return problem{status: 500, code: CodeInternalError, message: CodeInternalError.Message(),
			logged: errNilError}
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr != nil {
		code, status, msg := apiErr.resolve()
		p := problem{status: status, code: code, message: msg, details: apiErr.Details}
		if status >= 500 {
			p.logged = err
		}
		return p
	}
	var ve ValidationError
	if errors.As(err, &ve) {
		return problem{status: http.StatusBadRequest, code: CodeValidationError,
			message: validationMessage, details: ve.ValidationDetails()}
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return problem{status: http.StatusRequestEntityTooLarge, code: CodePayloadTooLarge,
			message: CodePayloadTooLarge.Message()}
	}
	var sc StatusCoder
	if errors.As(err, &sc) {
		switch status := sc.StatusCode(); {
		case status >= 400 && status < 500:
			return problem{status: status, code: CodeForStatus(status), message: sc.Error()}
		case status >= 500 && status < 600:
			code := CodeForStatus(status)
			return problem{status: status, code: code, message: code.Message(), logged: err}
		}
	}
	if errors.Is(err, context.Canceled) && ctx.Err() == context.Canceled {
		// net/http cancels the request's context before the handler returns
		// only when the client closed the connection or reset the stream:
		// the failure is theirs. A Canceled error under a live request
		// context (or one that ran out of time) came from the server's own
		// code and falls through to a logged 500.
		return problem{status: statusClientClosedRequest, code: CodeClientClosedRequest,
			message: CodeClientClosedRequest.Message(), logged: err, clientGone: true}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return problem{status: http.StatusGatewayTimeout, code: CodeTimeout,
			message: CodeTimeout.Message(), logged: err}
	}
	return problem{status: http.StatusInternalServerError, code: CodeInternalError,
		message: CodeInternalError.Message(), logged: err}
}

// errNilError is logged when Error is called with a nil error.
var errNilError = errors.New("respond: Error called with a nil error")

// Error writes err as an error envelope (or as RFC 9457 problem details when
// the client asks for them; see WithProblemDetails). See the order in the
// package documentation: *APIError as given, ValidationError as 400
// VALIDATION_ERROR, *http.MaxBytesError as 413, a 4xx StatusCoder with its
// own text, context.Canceled after the client went away as 499
// CLIENT_CLOSED_REQUEST, context.DeadlineExceeded as 504 TIMEOUT, anything
// else as 500 INTERNAL_ERROR with a generic message. Every 5xx is logged at
// error level with the request ID and the real error, a 499 at info level;
// internal text never reaches the client.
func (rs *Responder) Error(w http.ResponseWriter, r *http.Request, err error) {
	ctx := ctxOf(r)
	p := classify(ctx, err)
	if p.logged != nil {
		level, msg := slog.LevelError, "respond: request failed"
		if p.clientGone {
			level, msg = slog.LevelInfo, "respond: client closed the request"
		}
		rs.log().LogAttrs(ctx, level, msg,
			slog.String("request_id", requestID(r)),
			slog.Int("status", p.status),
			slog.String("code", string(p.code)),
			slog.Any("error", p.logged))
	}
	rs.writeError(w, r, p.status, p.code, p.message, p.details)
}

// writeError encodes and sends one error response.
func (rs *Responder) writeError(w http.ResponseWriter, r *http.Request, status int, code Code, message string, details any) {
	negotiate := !rs.problemOff() && r != nil
	asProblem := negotiate && wantsProblem(r.Header.Values("Accept"))
	if negotiate {
		addVary(w.Header(), "Accept")
	}
	e := getEncoder()
	defer putEncoder(e)
	now, id := rs.clock(), requestID(r)
	var err error
	if asProblem {
		err = e.problem(status, code, message, details, now, id)
	} else {
		err = e.failure(code, message, details, now, id)
	}
	if err != nil {
		rs.log().LogAttrs(ctxOf(r), slog.LevelError, "respond: encoding error details failed",
			slog.String("request_id", id), slog.String("code", string(code)), slog.Any("error", err))
		status, code, message = http.StatusInternalServerError, CodeInternalError, CodeInternalError.Message()
		e.buf.Reset()
		if asProblem {
			_ = e.problem(status, code, message, nil, now, id) // cannot fail without details
		} else {
			_ = e.failure(code, message, nil, now, id)
		}
	}
	ct := contentTypeJSON
	if asProblem {
		ct = contentTypeProblem
	}
	send(w, r, status, e.buf.Bytes(), ct, true)
}

// addVary adds name to the Vary header unless it is already listed: the
// error's representation (envelope or problem details) depends on Accept.
func addVary(h http.Header, name string) {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f == "*" || strings.EqualFold(f, name) {
				return
			}
		}
	}
	h.Add("Vary", name)
}

func (rs *Responder) problemOff() bool { return rs != nil && rs.noProblem }

func ctxOf(r *http.Request) context.Context {
	if r == nil {
		return context.Background()
	}
	return r.Context()
}
