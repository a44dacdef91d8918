package respond

import "net/http"

// Code is a stable, machine-readable error code sent as error.code in every
// error envelope. Clients switch on it instead of parsing messages. Each Code
// in the catalog has an HTTP status (Code.Status) and a default message.
type Code string

// The catalog. Generic codes follow the HTTP status they stand for; the
// domain codes (MODULE_NOT_FOUND, AI_SERVICE_ERROR, ...) come from the NEXUS
// server this package was written for.
const (
	// CodeBadRequest (400): the request is malformed (bad JSON, wrong types).
	CodeBadRequest Code = "BAD_REQUEST"
	// CodeValidationError (400): the request is well formed but fails
	// validation; details lists every field problem.
	CodeValidationError Code = "VALIDATION_ERROR"
	// CodeUnauthorized (401): credentials are missing or invalid.
	CodeUnauthorized Code = "UNAUTHORIZED"
	// CodeInvalidToken (401): a bearer or session token is malformed or its
	// signature does not verify.
	CodeInvalidToken Code = "INVALID_TOKEN"
	// CodeTokenExpired (401): the token was valid but has expired; the client
	// should refresh it and retry.
	CodeTokenExpired Code = "TOKEN_EXPIRED"
	// CodeForbidden (403): the caller is known but not allowed to do this.
	CodeForbidden Code = "FORBIDDEN"
	// CodeNotFound (404): no resource or route at this URL.
	CodeNotFound Code = "NOT_FOUND"
	// CodeModuleNotFound (404): the consciousness module with the given ID
	// does not exist (NEXUS domain code).
	CodeModuleNotFound Code = "MODULE_NOT_FOUND"
	// CodeMethodNotAllowed (405): the route exists but not for this method;
	// the Allow header lists the methods that are.
	CodeMethodNotAllowed Code = "METHOD_NOT_ALLOWED"
	// CodeNotAcceptable (406): no representation matches the Accept header.
	CodeNotAcceptable Code = "NOT_ACCEPTABLE"
	// CodeRequestTimeout (408): the client took too long to send the request.
	CodeRequestTimeout Code = "REQUEST_TIMEOUT"
	// CodeConflict (409): the request conflicts with the current state
	// (duplicate name, stale version).
	CodeConflict Code = "CONFLICT"
	// CodeGone (410): the resource existed but was removed for good.
	CodeGone Code = "GONE"
	// CodePreconditionFailed (412): an If-Match or similar precondition failed.
	CodePreconditionFailed Code = "PRECONDITION_FAILED"
	// CodePayloadTooLarge (413): the request body exceeds the allowed size.
	CodePayloadTooLarge Code = "PAYLOAD_TOO_LARGE"
	// CodeUnsupportedMediaType (415): the request's Content-Type is not
	// accepted (for example not application/json).
	CodeUnsupportedMediaType Code = "UNSUPPORTED_MEDIA_TYPE"
	// CodeUnprocessableEntity (422): the body is valid JSON and valid input,
	// but the operation cannot be applied to it.
	CodeUnprocessableEntity Code = "UNPROCESSABLE_ENTITY"
	// CodeRateLimitExceeded (429): too many requests; Retry-After says when
	// to come back.
	CodeRateLimitExceeded Code = "RATE_LIMIT_EXCEEDED"
	// CodeClientClosedRequest (499, nginx's non-standard status): the client
	// went away (closed the connection or reset the HTTP/2 stream) before the
	// response was ready. Nobody reads this body; the status is for the
	// access log and metrics, which count it as a client event rather than a
	// server error. Error uses it for context.Canceled when the request's own
	// context was cancelled.
	CodeClientClosedRequest Code = "CLIENT_CLOSED_REQUEST"
	// CodeInternalError (500): an unexpected failure on the server; the real
	// cause is logged with the request ID, never sent.
	CodeInternalError Code = "INTERNAL_ERROR"
	// CodeDatabaseError (500): the database failed; details stay in the logs.
	CodeDatabaseError Code = "DATABASE_ERROR"
	// CodeNotImplemented (501): the endpoint exists but is not implemented.
	CodeNotImplemented Code = "NOT_IMPLEMENTED"
	// CodeBadGateway (502): an upstream service answered with garbage.
	CodeBadGateway Code = "BAD_GATEWAY"
	// CodeAIServiceError (502): the AI provider (OpenAI, Ollama) failed or
	// answered with an error (NEXUS domain code). It is 502 Bad Gateway
	// because the failure is in an upstream service, not in this server: a
	// 500 would page the wrong team, and 503 would suggest this server is
	// overloaded.
	CodeAIServiceError Code = "AI_SERVICE_ERROR"
	// CodeServiceUnavailable (503): the server is overloaded, draining or a
	// dependency is down; try again later.
	CodeServiceUnavailable Code = "SERVICE_UNAVAILABLE"
	// CodeTimeout (504): the request ran out of time (its context deadline
	// passed) before a result was ready.
	CodeTimeout Code = "TIMEOUT"
)

// statusClientClosedRequest is nginx's 499 "Client Closed Request", which
// net/http has no constant or reason phrase for.
const statusClientClosedRequest = 499

// codeInfo is one catalog entry.
type codeInfo struct {
	status  int
	message string
}

// catalog maps each Code to its status and default message. It is never
// modified after initialization.
var catalog = map[Code]codeInfo{
	CodeBadRequest:           {http.StatusBadRequest, "The request is malformed"},
	CodeValidationError:      {http.StatusBadRequest, "Request validation failed"},
	CodeUnauthorized:         {http.StatusUnauthorized, "Authentication is required"},
	CodeInvalidToken:         {http.StatusUnauthorized, "The token is invalid"},
	CodeTokenExpired:         {http.StatusUnauthorized, "The token has expired"},
	CodeForbidden:            {http.StatusForbidden, "You are not allowed to do this"},
	CodeNotFound:             {http.StatusNotFound, "Resource not found"},
	CodeModuleNotFound:       {http.StatusNotFound, "Module not found"},
	CodeMethodNotAllowed:     {http.StatusMethodNotAllowed, "Method not allowed"},
	CodeNotAcceptable:        {http.StatusNotAcceptable, "No acceptable representation"},
	CodeRequestTimeout:       {http.StatusRequestTimeout, "The request took too long to arrive"},
	CodeConflict:             {http.StatusConflict, "The request conflicts with the current state"},
	CodeGone:                 {http.StatusGone, "The resource is gone"},
	CodePreconditionFailed:   {http.StatusPreconditionFailed, "A precondition failed"},
	CodePayloadTooLarge:      {http.StatusRequestEntityTooLarge, "The request body is too large"},
	CodeUnsupportedMediaType: {http.StatusUnsupportedMediaType, "Unsupported media type"},
	CodeUnprocessableEntity:  {http.StatusUnprocessableEntity, "The request cannot be processed"},
	CodeRateLimitExceeded:    {http.StatusTooManyRequests, "Too many requests, try again later"},
	CodeClientClosedRequest:  {statusClientClosedRequest, "The client closed the request"},
	CodeInternalError:        {http.StatusInternalServerError, "An internal error occurred"},
	CodeDatabaseError:        {http.StatusInternalServerError, "An internal error occurred"},
	CodeNotImplemented:       {http.StatusNotImplemented, "Not implemented"},
	CodeBadGateway:           {http.StatusBadGateway, "An upstream service failed"},
	CodeAIServiceError:       {http.StatusBadGateway, "The AI service failed"},
	CodeServiceUnavailable:   {http.StatusServiceUnavailable, "The service is unavailable, try again later"},
	CodeTimeout:              {http.StatusGatewayTimeout, "The request timed out"},
}

// codeOrder lists the catalog in a stable order for Codes.
var codeOrder = []Code{
	CodeBadRequest, CodeValidationError, CodeUnauthorized, CodeInvalidToken, CodeTokenExpired,
	CodeForbidden, CodeNotFound, CodeModuleNotFound, CodeMethodNotAllowed, CodeNotAcceptable,
	CodeRequestTimeout, CodeConflict, CodeGone, CodePreconditionFailed, CodePayloadTooLarge,
	CodeUnsupportedMediaType, CodeUnprocessableEntity, CodeRateLimitExceeded, CodeClientClosedRequest,
	CodeInternalError, CodeDatabaseError, CodeNotImplemented, CodeBadGateway, CodeAIServiceError,
	CodeServiceUnavailable, CodeTimeout,
}

// statusCodes maps an HTTP status to the generic code that stands for it.
var statusCodes = map[int]Code{
	http.StatusBadRequest:            CodeBadRequest,
	http.StatusUnauthorized:          CodeUnauthorized,
	http.StatusForbidden:             CodeForbidden,
	http.StatusNotFound:              CodeNotFound,
	http.StatusMethodNotAllowed:      CodeMethodNotAllowed,
	http.StatusNotAcceptable:         CodeNotAcceptable,
	http.StatusRequestTimeout:        CodeRequestTimeout,
	http.StatusConflict:              CodeConflict,
	http.StatusGone:                  CodeGone,
	http.StatusPreconditionFailed:    CodePreconditionFailed,
	http.StatusRequestEntityTooLarge: CodePayloadTooLarge,
	http.StatusUnsupportedMediaType:  CodeUnsupportedMediaType,
	http.StatusUnprocessableEntity:   CodeUnprocessableEntity,
	http.StatusTooManyRequests:       CodeRateLimitExceeded,
	statusClientClosedRequest:        CodeClientClosedRequest,
	http.StatusInternalServerError:   CodeInternalError,
	http.StatusNotImplemented:        CodeNotImplemented,
	http.StatusBadGateway:            CodeBadGateway,
	http.StatusServiceUnavailable:    CodeServiceUnavailable,
	http.StatusGatewayTimeout:        CodeTimeout,
}

// Status returns the HTTP status of a catalog code, or 500 for a code that is
// not in the catalog (a custom code should be sent through an APIError with an
// explicit Status).
func (c Code) Status() int {
	if info, ok := catalog[c]; ok {
		return info.status
	}
	return http.StatusInternalServerError
}

// Message returns the code's default client-facing message, used when an
// APIError has none. It is "" for a code outside the catalog.
func (c Code) Message() string {
	return catalog[c].message
}

// Codes returns every code of the catalog, in a stable order (grouped by
// status). The slice is a copy; callers may modify it.
func Codes() []Code {
	return append([]Code(nil), codeOrder...)
}

// CodeForStatus returns the generic catalog code for an HTTP error status:
// 404 gives CodeNotFound, 429 CodeRateLimitExceeded, and so on. A 4xx status
// without its own code gives CodeBadRequest; any other status without one
// gives CodeInternalError.
func CodeForStatus(status int) Code {
	if c, ok := statusCodes[status]; ok {
		return c
	}
	if status >= 400 && status < 500 {
		return CodeBadRequest
	}
	return CodeInternalError
}
