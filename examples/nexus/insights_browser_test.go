package main

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/examples/nexus/internal/aitest"
)

// TestDashboardInsightInBrowser: in headless Chromium, clicking a module
// and asking shows the answer as it streams: the first words are on the
// page while the AI service still holds the rest (so every layer, compress
// included, passed them on at once), then the whole answer with its usage.
// A failure shows the envelope's message.
func TestDashboardInsightInBrowser(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var encoding string
	ctx := browser(t, func(ev any) {
		if e, ok := ev.(*network.EventResponseReceived); ok && strings.HasSuffix(e.Response.URL, "/insights") {
			for k, v := range e.Response.Headers {
				if strings.EqualFold(k, "Content-Encoding") {
					mu.Lock()
					encoding = fmt.Sprint(v)
					mu.Unlock()
				}
			}
		}
	})
	f := aitest.New(t, aitest.Ollama)
	release := make(chan struct{})
	f.Push(
		aitest.Script{Steps: []aitest.Step{
			{Write: aitest.OllamaChunk("Integration is"), Wait: release},
			{Write: aitest.OllamaChunk(" steady.")},
			{Write: aitest.OllamaDone(30, 2)},
		}},
		aitest.Script{Status: 500, Steps: []aitest.Step{{Write: `{"error":"llama runner process has terminated"}`}}},
	)
	ts := startServer(t, aiEnv(t, f))
	tok := issueToken(t, time.Hour)
	m := createModule(t, ts.URL, tok, "Working memory")

	row := `#modules tbody tr[data-id="` + m.ID.String() + `"]`
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/#token="+tok),
		chromedp.WaitVisible(css(row)),
		chromedp.Click(css(row+` td`)),
		chromedp.SendKeys(css(`#insight-prompt`), "Is it stable?"),
		chromedp.Click(css(`#insight-ask`)),
	), "logs:\n%s", ts.logs.String())
	waitJS(t, ctx, `document.querySelector("#insight-output").textContent === "Integration is"`)
	partial := text(t, ctx, `#insight-output`)
	state, err := chromedp.Run(ctx, chromedp.AttributeValue(css(`#insight-status`), "data-state"))
	require.NoError(t, err)
	assert.Equal(t, "Integration is", partial, "the first chunk is shown while the upstream holds the rest")
	assert.Equal(t, "streaming", state.Value)
	assert.Contains(t, string(f.Requests()[0].Body), "Is it stable?")

	close(release)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(css(`#insight-status[data-state="done"]`))))
	whole, status := text(t, ctx, `#insight-output`), text(t, ctx, `#insight-status`)
	assert.Equal(t, "Integration is steady.", whole)
	assert.Contains(t, status, "ollama")
	assert.Contains(t, status, "32 tokens")
	mu.Lock()
	assert.Contains(t, []string{"br", "zstd", "gzip"}, encoding, "the stream was compressed")
	mu.Unlock()

	// The AI service fails: the envelope's message is shown.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(css(`#insight-ask`)),
		chromedp.WaitVisible(css(`#insight-status[data-state="error"]`)),
	))
	status = text(t, ctx, `#insight-status`)
	assert.Contains(t, status, "the AI service answered with status 500 (AI_SERVICE_ERROR)")
}
