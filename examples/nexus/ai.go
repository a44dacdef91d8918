package main

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/nexuskit/nexus/envcfg"

	"github.com/nexuskit/nexus/examples/nexus/ai"
)

// The AI service. The provider that answers POST /api/modules/{id}/insights
// is chosen by AI_PROVIDER:
//
//	auto (default)  OpenAI when OPENAI_API_KEY is set, otherwise Ollama at
//	                OLLAMA_HOST (default http://localhost:11434, the original
//	                server's default)
//	ollama          Ollama, even when a key is set
//	openai          OpenAI; OPENAI_API_KEY is then required
//
// /api/system reports both providers: configured (OPENAI_API_KEY set;
// OLLAMA_HOST set, not merely defaulted), active (the one that answers) and
// reachable (a cached probe of each configured or active provider).

// aiProbeTTL and aiProbeTimeout bound the reachability probe: at most one
// probe per provider per TTL, none longer than the timeout, and never on
// the path of a request.
const (
	aiProbeTTL     = 30 * time.Second
	aiProbeTimeout = 5 * time.Second
)

// aiProblems are the AI rules envcfg's tags cannot express.
func aiProblems(lookup func(string) (string, bool)) []envcfg.Problem {
	var out []envcfg.Problem
	provider := strings.ToLower(strings.TrimSpace(lookupOr(lookup, "AI_PROVIDER", "auto")))
	if provider == "openai" && strings.TrimSpace(lookupOr(lookup, "OPENAI_API_KEY", "")) == "" {
		out = append(out, envcfg.Problem{Var: "OPENAI_API_KEY", Err: envcfg.ErrMissing,
			Message: "is required when AI_PROVIDER=openai; expected an OpenAI API key (sk-...)"})
	}
	for _, v := range []string{"OLLAMA_HOST", "OPENAI_BASE_URL"} {
		raw, ok := lookup(v)
		if !ok || raw == "" {
			continue
		}
		if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			// The value is not repeated: it may hold a password.
			out = append(out, envcfg.Problem{Var: v, Err: envcfg.ErrValidation,
				Message: "must be an http:// or https:// URL such as http://localhost:11434"})
		}
	}
	return out
}

// aiSetup builds the provider that answers (see the rule above) and the
// monitor of both providers for /api/system.
func (c *Config) aiSetup() (ai.Provider, *ai.Monitor) {
	opts := func(model string) []ai.Option {
		return []ai.Option{ai.Model(model), ai.Timeout(c.AITimeout)}
	}
	host := c.OllamaHost
	if host == "" {
		host = ai.DefaultOllamaHost
	}
	ollama := ai.NewOllama(host, opts(c.OllamaModel)...)
	openai := ai.NewOpenAI(c.OpenAIAPIKey, append(opts(c.OpenAIModel), ai.BaseURL(c.OpenAIBaseURL))...)
	var active ai.Provider = ollama
	if c.AIProvider == "openai" || (c.AIProvider == "auto" && c.OpenAIAPIKey != "") {
		active = openai
	}
	m := ai.NewMonitor(aiProbeTTL, aiProbeTimeout,
		ai.Target{Provider: openai, Variable: "OPENAI_API_KEY", Configured: c.OpenAIAPIKey != "", Active: active == ai.Provider(openai)},
		ai.Target{Provider: ollama, Variable: "OLLAMA_HOST", Configured: c.OllamaHost != "", Active: active == ai.Provider(ollama)},
	)
	return active, m
}

// probeAI fills the monitor's cache once at start, in the background.
func probeAI(ctx context.Context, m *ai.Monitor) {
	go m.Refresh(context.WithoutCancel(ctx))
}
