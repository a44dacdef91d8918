package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/nexuskit/nexus/respond"
	"github.com/nexuskit/nexus/validate"

	"github.com/nexuskit/nexus/examples/nexus/ai"
	"github.com/nexuskit/nexus/examples/nexus/store"
)

// insightInput is the optional body of POST /api/modules/{id}/insights.
type insightInput struct {
	// Prompt is the question about the module; empty asks for a summary.
	Prompt string `json:"prompt" validate:"max=2000"`
}

// defaultInsightPrompt is asked when the body has no prompt.
const defaultInsightPrompt = "Assess this module's state in three short sentences and suggest one next step."

// insight is the whole answer: the data of the JSON envelope and of the
// final "done" event.
type insight struct {
	ModuleID     uuid.UUID `json:"moduleId"`
	Provider     string    `json:"provider"`
	Model        string    `json:"model"`
	Text         string    `json:"text"`
	Usage        ai.Usage  `json:"usage"`
	FinishReason string    `json:"finishReason,omitempty"`
	DurationMS   float64   `json:"durationMs"`
}

// errRestarting is the cause of an insight cut short by the shutdown.
var errRestarting = errors.New("the server is shutting down")

// insights returns POST /api/modules/{id}/insights: it asks the AI provider
// about the module and streams the answer as Server-Sent Events, or sends
// it in one envelope to a client that prefers application/json. The
// handler is long-lived (Options.LongLived): the shutdown waits for it, and
// it ends with a final event once Options.Draining is closed.
func (s *Server) insights() http.HandlerFunc {
	var h http.Handler = http.HandlerFunc(s.serveInsights)
	if s.opts.LongLived != nil {
		h = s.opts.LongLived(h)
	}
	return h.ServeHTTP
}

func (s *Server) serveInsights(w http.ResponseWriter, r *http.Request) {
	id, ok := s.moduleID(w, r)
	if !ok {
		return
	}
	in, err := decodeInsight(r)
	if err != nil {
		s.rs.Error(w, r, err)
		return
	}
	m, err := s.opts.Store.GetModule(r.Context(), id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	if s.opts.AI == nil {
		s.rs.Error(w, r, &respond.APIError{Status: http.StatusServiceUnavailable, Code: respond.CodeServiceUnavailable,
			Message: "no AI provider is configured: set OLLAMA_HOST or OPENAI_API_KEY"})
		return
	}
	// The upstream request ends at once when the client goes away (the
	// request's context) or when the server starts draining.
	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-s.opts.Draining:
			cancel(errRestarting)
		case <-stop:
		}
	}()
	q := insightRequest(m, in.Prompt)
	p := s.opts.AI
	t0 := time.Now()
	done := func(ans *ai.Answer) insight {
		return insight{ModuleID: m.ID, Provider: ans.Provider, Model: ans.Model, Text: ans.Text, Usage: ans.Usage,
			FinishReason: ans.FinishReason, DurationMS: float64(time.Since(t0).Microseconds()) / 1000}
	}

	if prefersJSON(r.Header.Values("Accept")) {
		ans, err := p.Stream(ctx, q, nil)
		if err != nil {
			if r.Context().Err() != nil && context.Cause(ctx) != errRestarting {
				return // the client went away (the access log says 499)
			}
			s.logInsightError(r, m.ID, p, false, err)
			s.rs.Error(w, r, s.insightError(ctx, p, err))
			return
		}
		s.rs.OK(w, r, done(ans))
		return
	}

	ev := &eventWriter{w: w, rc: http.NewResponseController(w)}
	ans, err := p.Stream(ctx, q, func(text string) error {
		return ev.send("chunk", struct {
			Text string `json:"text"`
		}{text})
	})
	if err != nil {
		if r.Context().Err() != nil || ev.broken != nil {
			// The client went away (the request's context ended, or a
			// write to it failed first): the upstream request is
			// cancelled with it, and nobody is left to tell.
			s.log.InfoContext(r.Context(), "insight: client went away", "module", m.ID, "provider", p.Name())

			return
		}
		apiErr := s.insightError(ctx, p, err)
		s.logInsightError(r, m.ID, p, ev.started, err)
		if !ev.started {
			s.rs.Error(w, r, apiErr)
			return
		}
		// Mid-stream: the status is sent; the error goes in a last event
		// carrying the envelope's error object.
		body := respond.ErrorBody{Code: apiErr.Code, Message: apiErr.Message}
		if apiErr.Details != nil {
			body.Details, _ = json.Marshal(apiErr.Details)
		}
		_ = ev.send("error", body)
		return
	}
	_ = ev.send("done", done(ans))
}

// logInsightError logs a failed insight in the server's log: the *ai.Error
// text names the provider, the kind and the upstream's status and error
// type, never a key, a URL or an OpenAI error message.
func (s *Server) logInsightError(r *http.Request, id uuid.UUID, p ai.Provider, streaming bool, err error) {
	if errors.Is(err, errRestarting) {
		s.log.InfoContext(r.Context(), "insight: ended by the shutdown", "module", id, "provider", p.Name(), "streaming", streaming)
		return
	}
	s.log.ErrorContext(r.Context(), "insight: the AI service failed", "module", id, "provider", p.Name(),
		"streaming", streaming, "err", err)
}

// insightError maps a failure of the AI call to its envelope.
func (s *Server) insightError(ctx context.Context, p ai.Provider, err error) *respond.APIError {
	if context.Cause(ctx) == errRestarting {
		return &respond.APIError{Status: http.StatusServiceUnavailable, Code: respond.CodeServiceUnavailable,
			Message: "the server is restarting: ask again in a moment", Details: map[string]string{"reason": "restarting"},
			Cause: err}
	}
	var ae *ai.Error
	if !errors.As(err, &ae) {
		// A deadline of the request itself (504) or an internal failure (500).
		return &respond.APIError{Status: respond.CodeForStatus(statusOf(err)).Status(), Code: respond.CodeForStatus(statusOf(err)), Cause: err}
	}
	details := map[string]any{"provider": p.Name(), "reason": ae.Kind.String()}
	if ae.Kind == ai.KindTimeout {
		return &respond.APIError{Status: http.StatusGatewayTimeout, Code: respond.CodeTimeout,
			Message: "the AI service did not answer in time", Details: details, Cause: err}
	}
	msg := "the AI service failed"
	switch ae.Kind {
	case ai.KindUnreachable:
		msg = "the AI service is unreachable"
	case ai.KindStatus:
		msg = "the AI service answered with status " + strconv.Itoa(ae.StatusCode)
		details["upstreamStatus"] = ae.StatusCode
	case ai.KindCutShort:
		msg = "the AI service's answer was cut short"
	case ai.KindUpstream:
		msg = "the AI service reported an error while answering"
	case ai.KindMalformed:
		msg = "the AI service's answer was malformed"
	case ai.KindTooLarge:
		msg = "the AI service's answer exceeded the size limit"
	}
	return &respond.APIError{Status: http.StatusBadGateway, Code: respond.CodeAIServiceError, Message: msg,
		Details: details, Cause: err}
}

func statusOf(err error) int {
	if errors.Is(err, context.DeadlineExceeded) {
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// decodeInsight reads the optional body: none (or an empty one) asks the
// default question.
func decodeInsight(r *http.Request) (insightInput, error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return insightInput{}, nil
	}
	in, err := validate.Decode[insightInput](r, validate.MaxBytes(16<<10))
	in.Prompt = strings.TrimSpace(in.Prompt)
	return in, err
}

// insightRequest frames the question: the module's fields as context in
// the system message, the user's prompt as is.
func insightRequest(m store.Module, prompt string) ai.Request {
	if prompt == "" {
		prompt = defaultInsightPrompt
	}
	desc := m.Description
	if desc == "" {
		desc = "(none)"
	}
	return ai.Request{
		System: fmt.Sprintf("You are the analyst of NEXUS, a system of consciousness modules. Answer briefly and concretely about this module.\n"+
			"Module %q: type %s, status %s, integration level %d%%. Description: %s",
			m.Name, m.Type, m.Status, m.IntegrationLevel, desc),
		Prompt: prompt,
	}
}

// prefersJSON reports whether the Accept header ranks application/json
// above text/event-stream (a missing header, */* or a tie streams).
func prefersJSON(accept []string) bool {
	var jsonQ, sseQ float64 = -1, -1
	wild := -1.0
	for _, v := range accept {
		for part := range strings.SplitSeq(v, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			q := 1.0
			if qs, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(qs, 64); err == nil && f >= 0 && f <= 1 {
					q = f
				}
			}
			switch mt {
			case "application/json", "application/*":
				jsonQ = max(jsonQ, q)
			case "text/event-stream", "text/*":
				sseQ = max(sseQ, q)
			case "*/*":
				wild = max(wild, q)
			}
		}
	}
	if sseQ < 0 {
		sseQ = wild
	}
	if jsonQ < 0 {
		jsonQ = wild
	}
	return jsonQ > 0 && jsonQ > sseQ
}

// eventWriter writes Server-Sent Events, each flushed as it is written
// (through compress: every event reaches the client as it is produced).
// The headers are sent with the first event, so a failure before it is
// still answered with an envelope and its status.
type eventWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	started bool
	// broken is the first error writing to the client.
	broken error
}

func (e *eventWriter) send(name string, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	if !e.started {
		e.started = true
		h := e.w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
		e.w.WriteHeader(http.StatusOK)
	}
	buf := make([]byte, 0, len(raw)+len(name)+16)
	buf = append(buf, "event: "...)
	buf = append(buf, name...)
	buf = append(buf, "\ndata: "...)
	buf = append(buf, raw...)
	buf = append(buf, "\n\n"...)
	if _, err := e.w.Write(buf); err != nil {
		e.broken = err
		return err
	}
	if err := e.rc.Flush(); err != nil {
		e.broken = err
		return err
	}
	return nil
}
