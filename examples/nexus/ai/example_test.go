package ai_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/nexuskit/nexus/examples/nexus/ai"
)

// A provider streams the answer piece by piece, then returns it whole with
// the token counts. Here a stand-in Ollama answers in two lines.
func ExampleOllama_Stream() {
	ollama := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		fmt.Fprintln(w, `{"model":"llama3.2","message":{"role":"assistant","content":"Mostly"},"done":false}`)
		fmt.Fprintln(w, `{"model":"llama3.2","message":{"role":"assistant","content":" healthy."},"done":false}`)
		fmt.Fprintln(w, `{"model":"llama3.2","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":20,"eval_count":2}`)
	}))
	defer ollama.Close()

	p := ai.NewOllama(ollama.URL, ai.Model("llama3.2"), ai.Timeout(30*time.Second))
	ans, err := p.Stream(context.Background(), ai.Request{Prompt: "How is the memory module?"}, func(text string) error {
		fmt.Printf("delta %q\n", text)
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q, %d tokens\n", ans.Text, ans.Usage.TotalTokens)
	// Output:
	// delta "Mostly"
	// delta " healthy."
	// "Mostly healthy.", 22 tokens
}
