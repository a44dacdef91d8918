package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/examples/nexus/internal/pgtest"
	"github.com/nexuskit/nexus/examples/nexus/store"
)

// proc is the real nexus binary running as a child process.
type proc struct {
	cmd    *exec.Cmd
	URL    string
	logs   *syncBuffer
	exited chan error
}

// startBinary runs the binary built like the Docker image with env (and
// nothing else from the test's environment but PATH and HOME).
func startBinary(t *testing.T, env map[string]string) *proc {
	t.Helper()
	bin := buildBinary(t)
	cmd := exec.Command(bin, "-env-file", "", "serve")
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	p := &proc{cmd: cmd, logs: &syncBuffer{}, exited: make(chan error, 1)}
	cmd.Stderr = p.logs
	require.NoError(t, cmd.Start())
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			_, _ = p.logs.Write([]byte(line + "\n"))
			var rec struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" {
				addr <- rec.Addr
			}
		}
		p.exited <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	select {
	case p.URL = <-addr:
	case err := <-p.exited:
		t.Fatalf("nexus exited before listening: %v\n%s", err, p.logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("nexus did not listen within 30s:\n%s", p.logs.String())
	}
	require.Eventually(t, func() bool {
		res, err := http.Get(p.URL + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}, 10*time.Second, 10*time.Millisecond)
	return p
}

// do sends one request and reports an error for a failure or a non-2xx answer.
func do(client *http.Client, method, url, tok, body string) (string, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return "", err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return "", err
	}
	if res.StatusCode >= 300 {
		return "", fmt.Errorf("%s %s: %d %s", method, url, res.StatusCode, raw)
	}
	return string(raw), nil
}

// TestGracefulShutdownUnderLoad sends SIGTERM to the real binary while
// clients send requests and a WebSocket is open. Like a load balancer, the
// clients stop sending once /readyz turns 503; every request they sent must
// succeed, the socket must close with 1001 and the process exit with 0.
func TestGracefulShutdownUnderLoad(t *testing.T) {
	t.Parallel()
	env := baseEnv(t)
	env["SHUTDOWN_DRAIN_DELAY"] = "1s"
	env["SHUTDOWN_TIMEOUT"] = "20s"
	env["LOG_LEVEL"] = "info"
	p := startBinary(t, env)
	tok := issueToken(t, time.Hour)
	client := &http.Client{Timeout: 10 * time.Second}
	body, err := do(client, "POST", p.URL+"/api/modules", tok, `{"name":"seed","type":"memory","status":"active"}`)
	require.NoError(t, err)
	var created struct{ Data store.Module }
	require.NoError(t, json.Unmarshal([]byte(body), &created))

	ws, _, err := dialWS(t, p.URL, tok, nil)
	require.NoError(t, err)
	assert.Equal(t, "hello", readEvent(t, ws).Type)
	// Keep reading events so the server never drops the socket as slow.
	wsClosed := make(chan error, 1)
	go func() {
		for {
			if _, _, err := ws.Read(context.Background()); err != nil {
				wsClosed <- err
				return
			}
		}
	}()

	var stop atomic.Bool
	var ok, failed atomic.Int64
	var failures sync.Map
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				var err error
				switch i % 3 {
				case 0:
					_, err = do(client, "GET", p.URL+"/api/modules?limit=20", "", "")
				case 1:
					_, err = do(client, "POST", p.URL+"/api/modules", tok,
						fmt.Sprintf(`{"name":"w%d-%d","type":"motor","status":"active"}`, w, i))
				default:
					_, err = do(client, "PATCH", p.URL+"/api/modules/"+created.Data.ID.String(), tok,
						fmt.Sprintf(`{"integrationLevel":%d}`, i%101))
				}
				if err != nil {
					failed.Add(1)
					failures.Store(err.Error(), true)
				} else {
					ok.Add(1)
				}
			}
		})
	}
	// Signal once the clients are in full swing.
	require.Eventually(t, func() bool { return ok.Load() >= 30 }, 30*time.Second, time.Millisecond)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	atSignal := ok.Load()
	// The load balancer: stop routing once readiness fails.
	probe := &http.Client{Timeout: time.Second}
	var notReady []byte // the 503 answer: an envelope like every other
	require.Eventually(t, func() bool {
		res, err := probe.Get(p.URL + "/readyz")
		if err != nil {
			return true
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable {
			return false
		}
		notReady, _ = io.ReadAll(res.Body)
		return true
	}, 5*time.Second, 5*time.Millisecond)
	if notReady != nil {
		assert.Contains(t, string(notReady), `"code":"SERVICE_UNAVAILABLE","message":"not ready: shutting down"`)
	}
	stop.Store(true)
	wg.Wait()

	assert.Zero(t, failed.Load(), "failed requests during shutdown")
	failures.Range(func(k, _ any) bool { t.Log("failure:", k); return true })
	assert.Greater(t, ok.Load(), atSignal, "requests sent after SIGTERM, during the drain, were served")

	select {
	case err := <-wsClosed:
		assert.Equal(t, websocket.StatusGoingAway, websocket.CloseStatus(err), "WebSocket close: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("the WebSocket was not closed")
	}
	select {
	case err := <-p.exited:
		assert.NoError(t, err, "exit status 0; logs:\n%s", p.logs.String())
	case <-time.After(25 * time.Second):
		t.Fatalf("nexus did not exit; logs:\n%s", p.logs.String())
	}
	assert.Contains(t, p.logs.String(), `"msg":"stopped","clean":true`)
}

// TestKill9KeepsAcknowledgedWrites kills the server with SIGKILL in the
// middle of a stream of writes, restarts it on the same database, and checks
// that every write that was acknowledged (201/200) is there.
func TestKill9KeepsAcknowledgedWrites(t *testing.T) {
	t.Parallel()
	dbs := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "nexus.db") },
		"postgres": func(t *testing.T) string { return pgtest.URL(t) },
	}
	for name, dbURL := range dbs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := baseEnv(t)
			env["DATABASE_URL"] = dbURL(t)
			env["LOG_LEVEL"] = "warn"
			p := startBinary(t, env)
			tok := issueToken(t, time.Hour)
			client := &http.Client{Timeout: 10 * time.Second}
			body, err := do(client, "POST", p.URL+"/api/modules", tok, `{"name":"counter","type":"memory","status":"active"}`)
			require.NoError(t, err)
			var counter struct{ Data store.Module }
			require.NoError(t, json.Unmarshal([]byte(body), &counter))

			var mu sync.Mutex
			acked := map[uuid.UUID]bool{counter.Data.ID: true}
			lastSeq := 0 // the last acknowledged update of counter (one writer)
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Go(func() {
					for i := 0; ; i++ {
						if w == 0 {
							// A rising sequence number in the description.
							if _, err := do(client, "PATCH", p.URL+"/api/modules/"+counter.Data.ID.String(), tok,
								fmt.Sprintf(`{"description":"%d"}`, i+1)); err != nil {
								return
							}
							mu.Lock()
							lastSeq = i + 1
							mu.Unlock()
							continue
						}
						body, err := do(client, "POST", p.URL+"/api/modules", tok,
							fmt.Sprintf(`{"name":"w%d-%d","type":"memory","status":"active"}`, w, i))
						if err != nil {
							return // the server is gone
						}
						var m struct{ Data store.Module }
						if json.Unmarshal([]byte(body), &m) != nil {
							return
						}
						mu.Lock()
						acked[m.Data.ID] = true
						mu.Unlock()
					}
				})
			}
			require.Eventually(t, func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(acked) > 60 && lastSeq >= 5
			}, 30*time.Second, 5*time.Millisecond)
			require.NoError(t, p.cmd.Process.Kill()) // SIGKILL: no shutdown code runs
			wg.Wait()
			<-p.exited

			p2 := startBinary(t, env)
			stored := map[uuid.UUID]store.Module{}
			for page := 1; ; page++ {
				body, err := do(client, "GET", fmt.Sprintf("%s/api/modules?limit=100&page=%d", p2.URL, page), "", "")
				require.NoError(t, err)
				var list struct {
					Data []store.Module
					Meta struct{ Total int }
				}
				require.NoError(t, json.Unmarshal([]byte(body), &list))
				for _, m := range list.Data {
					stored[m.ID] = m
				}
				if page*100 >= list.Meta.Total {
					break
				}
			}
			mu.Lock()
			defer mu.Unlock()
			missing := 0
			for id := range acked {
				if _, ok := stored[id]; !ok {
					missing++
				}
			}
			assert.Zero(t, missing, "acknowledged modules lost by kill -9 (of %d)", len(acked))
			seq, err := strconv.Atoi(stored[counter.Data.ID].Description)
			require.NoError(t, err)
			assert.GreaterOrEqual(t, seq, lastSeq, "the last acknowledged update survived")
			t.Logf("%s: %d acknowledged creates and %d updates survived kill -9", name, len(acked)-1, lastSeq)
		})
	}
}

// TestPGPASSWORD (issue 13 item 14): the binary connects with a
// DATABASE_URL that holds no password and the password in PGPASSWORD, as
// docker-compose.yml runs it.
func TestPGPASSWORD(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(pgtest.URL(t))
	require.NoError(t, err)
	pass, ok := u.User.Password()
	require.True(t, ok, "%s holds a password", pgtest.EnvVar)
	u.User = url.User(u.User.Username())
	env := baseEnv(t)
	env["DATABASE_URL"] = u.String()
	env["PGPASSWORD"] = pass
	p := startBinary(t, env)
	res, err := http.Get(p.URL + "/api/system")
	require.NoError(t, err)
	defer res.Body.Close()
	var sys struct{ Data struct{ Storage string } }
	require.NoError(t, json.NewDecoder(res.Body).Decode(&sys))
	assert.Equal(t, "postgres", sys.Data.Storage)
}
