package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/examples/nexus/store"
)

// chromium finds a headless-capable Chromium. Locally the browser test is
// skipped without one; under CI=true that is a failure (.ci/run installs
// Debian's chromium package).
func chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium on PATH: CI must run the browser test (.ci/run installs Debian's chromium)")
	}
	t.Skip("browser test skipped: no chromium on PATH (Debian: apt-get install chromium)")
	return ""
}

// browser starts a headless Chromium and returns a tab context. listeners
// see every event of the tab from its first command on (chromedp.Listen's
// rules hold: return fast, never run a command).
func browser(t *testing.T, listeners ...func(ev any)) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, // CI containers run as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	var ctxOpts []chromedp.ContextOption
	for _, fn := range listeners {
		ctxOpts = append(ctxOpts, chromedp.WithListener(fn))
	}
	tab, cancelTab := chromedp.NewContext(alloc, ctxOpts...)
	// The first command starts the browser, which lives as long as the
	// context of that command: never one with a timeout.
	if err := chromedp.Do(tab); err != nil {
		cancelTab()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(tab, 120*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelTab(); cancelAlloc() })
	return ctx
}

// css is a CSS selector (chromedp's plain strings are DOM searches).
func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// eval runs a JavaScript expression in the page and decodes its value.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	require.NoError(t, err, "evaluate %s", expr)
	return v
}

// text returns the visible text of the first element matching sel.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
	require.NoError(t, err, "text of %s", sel)
	return v
}

// TestDashboardInBrowser loads the dashboard in headless Chromium: it lists
// the modules (fetched brotli- or zstd-compressed), goes live over the
// authenticated WebSocket, shows a PATCH made elsewhere, and says clearly
// when the token is missing, refused or expired.
func TestDashboardInBrowser(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	encodings := map[string]string{}
	ctx := browser(t, func(ev any) {
		if e, ok := ev.(*network.EventResponseReceived); ok && strings.Contains(e.Response.URL, "/api/modules") {
			for k, v := range e.Response.Headers {
				if strings.EqualFold(k, "Content-Encoding") {
					mu.Lock()
					encodings[e.Response.URL] = fmt.Sprint(v)
					mu.Unlock()
				}
			}
		}
	})
	ts := startServer(t, baseEnv(t))
	tok := issueToken(t, time.Hour)
	var mods []store.Module
	for i := range 12 {
		mods = append(mods, createModule(t, ts.URL, tok, fmt.Sprintf("Module %02d", i)))
	}

	target := mods[7]
	row := `#modules tbody tr[data-id="` + target.ID.String() + `"]`
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/#token="+tok),
		chromedp.WaitVisible(css(`#ws-status[data-state="live"]`)),
		chromedp.WaitVisible(css(row)),
	), "logs:\n%s", ts.logs.String())
	assert.Equal(t, len(mods), eval[int](t, ctx, `document.querySelectorAll("#modules tbody tr").length`))
	assert.Empty(t, eval[string](t, ctx, `location.hash`), "the token leaves the address bar")
	assert.Contains(t, text(t, ctx, `#ws-status`), "tester")

	// A change made elsewhere arrives over the WebSocket.
	res, _ := call[store.Module](t, http.MethodPatch, ts.URL+"/api/modules/"+target.ID.String(), tok,
		`{"integrationLevel":93,"status":"learning"}`)
	require.Equal(t, http.StatusOK, res.StatusCode)
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](`document.querySelector('`+row+` td.level').textContent.includes("93%")`,
		chromedp.WithPollingTimeout(15*time.Second)))
	require.NoError(t, err)
	assert.Contains(t, text(t, ctx, row+` td.level`), "93%")
	lastEvent, err := chromedp.Run(ctx, chromedp.AttributeValue(css(`#last-event`), "data-type"))
	require.NoError(t, err)
	assert.Equal(t, "module.updated", lastEvent.Value)

	mu.Lock()
	require.NotEmpty(t, encodings, "the page fetched /api/modules")
	for u, enc := range encodings {
		assert.Contains(t, []string{"br", "zstd"}, enc, "%s was sent with Content-Encoding %q", u, enc)
	}
	mu.Unlock()

	// Forgetting the token: clearly shown as missing.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(css(`#forget`)),
		chromedp.WaitVisible(css(`#ws-status[data-state="missing"]`)),
	))
	// A token signed with another key: refused.
	foreign, err := wsauthIssue("another-secret-that-is-long-enough-000", time.Hour)
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		enterToken(foreign),
		chromedp.WaitVisible(css(`#ws-status[data-state="refused"]`)),
	))
	// A token that expires while connected: the socket closes with 1008.
	short := issueToken(t, 5*time.Second)
	require.NoError(t, chromedp.Do(ctx,
		enterToken(short),
		chromedp.WaitVisible(css(`#ws-status[data-state="live"]`)),
		chromedp.WaitVisible(css(`#ws-status[data-state="expired"]`)),
	))
}

// enterToken types a token into the form and submits it the way a user's
// Enter key does (requestSubmit fires the submit event).
func enterToken(tok string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`(() => {
			document.querySelector("#token").value = `+strconv.Quote(tok)+`;
			document.querySelector("#token-form").requestSubmit();
			return true;
		})()`)(ctx, t)
		return err
	})
}

// stopTB records how a helper ends a test (Fatal or Skip) without ending it.
type stopTB struct {
	testing.TB
	how string
}

type stopped struct{}

func (s *stopTB) Helper()           {}
func (s *stopTB) Fatal(args ...any) { s.how = "fatal: " + fmt.Sprint(args...); panic(stopped{}) }
func (s *stopTB) Skip(args ...any)  { s.how = "skip: " + fmt.Sprint(args...); panic(stopped{}) }
func (s *stopTB) outcome(f func()) string {
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(stopped); !ok {
				panic(v)
			}
		}
	}()
	f()
	return "ran"
}

// TestNoChromiumFailsInCI: without a browser the test is skipped locally
// and fails under CI=true, so CI can never pass by skipping it. Not
// parallel: it sets environment variables.
func TestNoChromiumFailsInCI(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("CI", "")
	tb := &stopTB{TB: t}
	tb.outcome(func() { chromium(tb) })
	assert.Contains(t, tb.how, "skip: browser test skipped")
	t.Setenv("CI", "true")
	tb = &stopTB{TB: t}
	tb.outcome(func() { chromium(tb) })
	assert.Contains(t, tb.how, "fatal: no chromium on PATH: CI must run the browser test")
}

// tab opens another tab in the browser of ctx.
func tab(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	c, cancel := chromedp.NewContext(ctx)
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(c))
	return c
}

// waitJS waits until the JavaScript expression is truthy.
func waitJS(t *testing.T, ctx context.Context, expr string, msgAndArgs ...any) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(20*time.Second)))
	require.NoError(t, err, msgAndArgs...)
}

// rowWithName is a JavaScript expression for the table row of the module
// named name (null if none).
func rowWithName(name string) string {
	return `[...document.querySelectorAll("#modules tbody tr")].find(tr => tr.cells[0].textContent === ` + strconv.Quote(name) + `)`
}

// fill sets the form fields (CSS selector -> value) and clicks submit.
func fill(t *testing.T, ctx context.Context, fields map[string]string, submit string) {
	t.Helper()
	var steps []chromedp.Action[chromedp.Void]
	for sel, v := range fields {
		steps = append(steps, chromedp.SetValue(css(sel), v))
	}
	steps = append(steps, chromedp.Click(css(submit)))
	require.NoError(t, chromedp.Do(ctx, steps...))
}

// TestDashboardEditsInBrowser (issue 13 item 12): with a token, an operator
// creates, edits and deletes modules and edits the safety status from the
// dashboard; the envelope's validation details appear beside the fields
// they name; every change shows up live in a second open dashboard.
func TestDashboardEditsInBrowser(t *testing.T) {
	t.Parallel()
	a := browser(t)
	ts := startServer(t, baseEnv(t))
	tok := issueToken(t, time.Hour)
	b := tab(t, a)
	for _, c := range []context.Context{a, b} {
		require.NoError(t, chromedp.Do(c,
			chromedp.Navigate(ts.URL+"/#token="+tok),
			chromedp.WaitVisible(css(`#ws-status[data-state="live"]`)),
			chromedp.WaitVisible(css(`#module-form`)),
		), "logs:\n%s", ts.logs.String())
	}

	// Create in A: shows in B.
	fill(t, a, map[string]string{"#m-name": "Made in A", "#m-type": "memory", "#m-status": "learning",
		"#m-level": "42", "#m-description": "from the browser"}, "#module-submit")
	waitJS(t, b, rowWithName("Made in A"), "the new module appears in the other dashboard")
	assert.Equal(t, "learning", eval[string](t, b, rowWithName("Made in A")+`.cells[2].textContent`))
	id := eval[string](t, a, rowWithName("Made in A")+`.dataset.id`)
	_, got := call[store.Module](t, http.MethodGet, ts.URL+"/api/modules/"+id, "", nil)
	assert.Equal(t, "from the browser", got.Data.Description)
	assert.Equal(t, 42, got.Data.IntegrationLevel)

	// Edit in A: shows in B.
	require.NoError(t, chromedp.Do(a, chromedp.Click(css(`tr[data-id="`+id+`"] button.edit`))))
	assert.Equal(t, "Made in A", eval[string](t, a, `document.querySelector("#m-name").value`), "the form holds the module")
	fill(t, a, map[string]string{"#m-level": "77", "#m-name": "Edited in A"}, "#module-submit")
	waitJS(t, b, `document.querySelector('tr[data-id="`+id+`"] td.level').textContent.includes("77%")`)
	assert.Equal(t, "Edited in A", eval[string](t, b, `document.querySelector('tr[data-id="`+id+`"]').cells[0].textContent`))
	assert.Equal(t, "2", eval[string](t, b, `document.querySelector('tr[data-id="`+id+`"]').dataset.version`))

	// Validation problems from the envelope's details, beside their fields.
	fill(t, a, map[string]string{"#m-name": "   ", "#m-level": "150"}, "#module-submit")
	waitJS(t, a, `document.querySelector('.error[data-field="name"]').textContent !== ""`)
	assert.Contains(t, text(t, a, `.error[data-field="name"]`), "blank")
	assert.Contains(t, text(t, a, `.error[data-field="integrationLevel"]`), "100")
	assert.Empty(t, eval[string](t, a, `document.querySelector('.error[data-field="status"]').textContent`))

	// Safety status: decimals, live in B; a bad value named beside its field.
	fill(t, a, map[string]string{"#s-humanOversight": "95.5"}, "#safety-submit")
	waitJS(t, b, `document.querySelector('#safety dd[data-field="humanOversight"]').textContent === "95.5%"`)
	fill(t, a, map[string]string{"#s-transparency": "150"}, "#safety-submit")
	waitJS(t, a, `document.querySelector('#safety-form .error[data-field="transparency"]').textContent !== ""`)
	assert.Contains(t, text(t, a, `#safety-form .error[data-field="transparency"]`), "100")
	_, safety := call[store.SafetyStatus](t, http.MethodGet, ts.URL+"/api/safety-status", "", nil)
	assert.Equal(t, 95.5, safety.Data.HumanOversight)
	assert.Equal(t, 100.0, safety.Data.Transparency, "the refused value was not stored")

	// Delete in A (two clicks): gone from B.
	del := css(`tr[data-id="` + id + `"] button.delete`)
	require.NoError(t, chromedp.Do(a, chromedp.Click(del), chromedp.Click(del)))
	waitJS(t, b, `!document.querySelector('tr[data-id="`+id+`"]')`, "the deletion reaches the other dashboard")
	res, _ := call[any](t, http.MethodGet, ts.URL+"/api/modules/"+id, "", nil)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)

	// Without a token the editing controls are gone.
	require.NoError(t, chromedp.Do(b, chromedp.Click(css(`#forget`)),
		chromedp.WaitVisible(css(`#ws-status[data-state="missing"]`))))
	assert.Equal(t, "none", eval[string](t, b, `getComputedStyle(document.querySelector("#module-form")).display`))
}

// freePort returns a TCP port that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// TestDashboardPaginatesInBrowser (issue 13 item 9): with hundreds of
// modules the dashboard loads one page in one request, pages on demand, and
// repeated page loads stay far inside the default rate limit.
func TestDashboardPaginatesInBrowser(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	requests := map[string]int{} // path -> count
	var limited int
	ctx := browser(t, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if u, err := url.Parse(e.Request.URL); err == nil && (strings.HasPrefix(u.Path, "/api/") || u.Path == "/ws") {
				requests[u.Path]++
			}
		case *network.EventResponseReceived:
			if e.Response.Status == http.StatusTooManyRequests {
				limited++
			}
		}
	})
	env := baseEnv(t)
	delete(env, "RATE_LIMIT_MAX_REQUESTS") // the default: 100 per 15 minutes
	st, err := store.Open(context.Background(), env["DATABASE_URL"])
	require.NoError(t, err)
	for i := range 250 {
		_, err := st.CreateModule(context.Background(), store.Module{Name: fmt.Sprintf("seed-%03d", i), Type: "memory", Status: "active"})
		require.NoError(t, err)
	}
	require.NoError(t, st.Close())
	ts := startServer(t, env)
	tok := issueToken(t, time.Hour)

	for load := range 5 {
		mu.Lock()
		clear(requests)
		mu.Unlock()
		open := chromedp.Navigate(ts.URL + "/#token=" + tok)
		if load > 0 {
			open = chromedp.Reload() // the token is in sessionStorage
		}
		require.NoError(t, chromedp.Do(ctx, open, chromedp.WaitVisible(css(`#ws-status[data-state="live"]`))),
			"load %d; logs:\n%s", load, ts.logs.String())
		waitJS(t, ctx, `document.querySelectorAll("#modules tbody tr").length === 20`)
		assert.Equal(t, "page 1 of 13", text(t, ctx, "#page-info"))
		assert.Equal(t, "seed-000", eval[string](t, ctx, `document.querySelector("#modules tbody tr").cells[0].textContent`))
		assert.Equal(t, "(250)", text(t, ctx, "#module-count"))
		mu.Lock()
		assert.Equal(t, 1, requests["/api/modules"], "load %d: one request for the modules: %v", load, requests)
		n := 0
		for _, c := range requests {
			n += c
		}
		assert.LessOrEqual(t, n, 4, "load %d: rate-limited requests of one page load: %v", load, requests)
		mu.Unlock()
	}
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(css("#next-page"))))
	waitJS(t, ctx, `document.querySelector("#page-info").textContent === "page 2 of 13"`)
	waitJS(t, ctx, `document.querySelector("#modules tbody tr").cells[0].textContent === "seed-020"`)
	mu.Lock()
	assert.Zero(t, limited, "no 429 for the dashboard's own page loads")
	mu.Unlock()
}

// TestDashboardSurvivesRestartInBrowser (issue 13 item 3): restart the
// server under an open dashboard; it reconnects by itself, reloads because
// the new process cannot replay the old one's events, shows what changed
// meanwhile, and is live again, without a click.
func TestDashboardSurvivesRestartInBrowser(t *testing.T) {
	t.Parallel()
	ctx := browser(t)
	env := baseEnv(t)
	env["PORT"] = freePort(t)
	ts := startServer(t, env)
	tok := issueToken(t, time.Hour)
	before := createModule(t, ts.URL, tok, "Before restart")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/#token="+tok),
		chromedp.WaitVisible(css(`#ws-status[data-state="live"]`)),
		chromedp.WaitVisible(css(`tr[data-id="`+before.ID.String()+`"]`)),
	))

	ts.cancel()
	require.NoError(t, <-ts.done)
	ts.done <- nil
	waitJS(t, ctx, `document.querySelector("#ws-status").dataset.state !== "live"`, "the dashboard sees the server go")
	// Down for longer than a first reconnection attempt: the dashboard must
	// keep trying (an upgrade that fails is not a refused token).
	time.Sleep(3 * time.Second)
	ts2 := startServer(t, env) // same port, same database
	require.Equal(t, ts.URL, ts2.URL)
	during := createModule(t, ts2.URL, tok, "Made while reconnecting")
	call[any](t, http.MethodPatch, ts2.URL+"/api/modules/"+before.ID.String(), tok, `{"status":"maintenance"}`)

	waitJS(t, ctx, `document.querySelector('tr[data-id="`+during.ID.String()+`"]')`, "a change made while the dashboard was away shows")
	waitJS(t, ctx, `document.querySelector("#ws-status").dataset.state === "live"`, "live again without a click")
	waitJS(t, ctx, `document.querySelector('tr[data-id="`+before.ID.String()+`"]').cells[2].textContent === "maintenance"`)
	// And live events flow on the new connection.
	after := createModule(t, ts2.URL, tok, "After reconnect")
	waitJS(t, ctx, `document.querySelector('tr[data-id="`+after.ID.String()+`"]')`)
}

// TestDashboardRetriesAfter429InBrowser (issue 13 item 3): a reconnection
// that meets the rate limit is not a refused token: the dashboard waits
// Retry-After and goes live again by itself.
func TestDashboardRetriesAfter429InBrowser(t *testing.T) {
	t.Parallel()
	ctx := browser(t)
	env := baseEnv(t)
	env["RATE_LIMIT_MAX_REQUESTS"] = "6"
	env["RATE_LIMIT_WINDOW_MS"] = "4000"
	ts := startServer(t, env)
	tok := issueToken(t, time.Hour)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/#token="+tok),
		chromedp.WaitVisible(css(`#ws-status[data-state="live"]`)),
	))
	// Use up what is left of the window, then drop the socket.
	for {
		res, err := http.Get(ts.URL + "/api/system")
		require.NoError(t, err)
		res.Body.Close()
		if res.StatusCode == http.StatusTooManyRequests {
			break
		}
	}
	eval[bool](t, ctx, `socket.close(4000), true`)
	waitJS(t, ctx, `document.querySelector("#ws-status").textContent.startsWith("Rate limited")`,
		"the 429 is shown as a rate limit")
	waitJS(t, ctx, `document.querySelector("#ws-status").dataset.state === "live"`, "live again after Retry-After")
}
