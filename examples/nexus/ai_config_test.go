package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/envcfg"
)

// TestAIProviderRule: AI_PROVIDER=auto picks OpenAI when OPENAI_API_KEY is
// set and Ollama otherwise; ollama and openai force one; /api/system's
// monitor says which is configured and which is active.
func TestAIProviderRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		env            map[string]string
		active         string
		openaiConf     bool
		ollamaConf     bool
		ollamaHostSeen string
	}{
		{"nothing set", nil, "ollama", false, false, "http://localhost:11434"},
		{"key set", map[string]string{"OPENAI_API_KEY": "sk-x"}, "openai", true, false, ""},
		{"host set", map[string]string{"OLLAMA_HOST": "http://gpu-box:11434"}, "ollama", false, true, "http://gpu-box:11434"},
		{"both set, auto", map[string]string{"OPENAI_API_KEY": "sk-x", "OLLAMA_HOST": "http://gpu-box:11434"}, "openai", true, true, ""},
		{"both set, forced ollama", map[string]string{"OPENAI_API_KEY": "sk-x", "OLLAMA_HOST": "http://gpu-box:11434", "AI_PROVIDER": "ollama"}, "ollama", true, true, "http://gpu-box:11434"},
		{"forced openai", map[string]string{"OPENAI_API_KEY": "sk-x", "AI_PROVIDER": "openai"}, "openai", true, false, ""},
	}
	for _, tt := range tests {
		cfg, err := loadConfig(context.Background(), getenvFrom(tt.env), "", slog.New(slog.DiscardHandler), true)
		require.NoError(t, err, tt.name)
		p, m := cfg.aiSetup()
		assert.Equal(t, tt.active, p.Name(), tt.name)
		st := m.Statuses()
		require.Len(t, st, 2)
		assert.Equal(t, "openai", st[0].Name)
		assert.Equal(t, tt.openaiConf, st[0].Configured, tt.name)
		assert.Equal(t, tt.active == "openai", st[0].Active, tt.name)
		assert.Equal(t, "ollama", st[1].Name)
		assert.Equal(t, tt.ollamaConf, st[1].Configured, tt.name)
		assert.Equal(t, tt.active == "ollama", st[1].Active, tt.name)
		if tt.ollamaHostSeen != "" {
			assert.Equal(t, tt.ollamaHostSeen, strings.TrimSuffix(p.(interface{ Host() string }).Host(), "/"), tt.name)
		}
	}
}

// TestAIConfigProblems: each AI problem is reported once, by variable,
// without the value.
func TestAIConfigProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env map[string]string
		bad string
	}{
		{map[string]string{"AI_PROVIDER": "openai"}, "OPENAI_API_KEY"},
		{map[string]string{"AI_PROVIDER": "claude"}, "AI_PROVIDER"},
		{map[string]string{"OLLAMA_HOST": "localhost:11434"}, "OLLAMA_HOST"},
		{map[string]string{"OLLAMA_HOST": "ftp://user:hunter2@files"}, "OLLAMA_HOST"},
		{map[string]string{"OLLAMA_HOST": "not a url"}, "OLLAMA_HOST"},
		{map[string]string{"OPENAI_BASE_URL": "api.openai.com/v1"}, "OPENAI_BASE_URL"},
		{map[string]string{"AI_TIMEOUT": "10ms"}, "AI_TIMEOUT"},
		{map[string]string{"OLLAMA_MODEL": strings.Repeat("m", 201)}, "OLLAMA_MODEL"},
	}
	for _, tt := range tests {
		_, err := loadConfig(context.Background(), getenvFrom(tt.env), "", slog.New(slog.DiscardHandler), true)
		var cerr *envcfg.Error
		require.ErrorAs(t, err, &cerr, "%v", tt.env)
		n := 0
		for _, p := range cerr.Problems {
			if p.Var == tt.bad {
				n++
			}
		}
		assert.Equal(t, 1, n, "%v: one problem for %s in:\n%v", tt.env, tt.bad, err)
		assert.NotContains(t, err.Error(), "hunter2")
	}
}
