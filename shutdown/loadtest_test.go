package shutdown_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/shutdown"
)

// childEnv makes the test binary run childMain instead of the tests: the
// load test starts it as a real process and sends it a real SIGTERM.
const childEnv = "NEXUSKIT_SHUTDOWN_CHILD"

const (
	childDrainDelay = 2 * time.Second
	slowRequest     = 3 * time.Second
	slowCount       = 20 // slow requests in flight at the signal
)

// childMain is a small server using the Manager as a program would: real
// signals, real os.Exit, a 2 s drain delay. It prints "ADDR host:port",
// then one "HOOK name" line per hook run, then "EXIT clean".
func childMain() int {
	m := shutdown.New(
		shutdown.DrainDelay(childDrainDelay),
		shutdown.Timeout(10*time.Second),
		shutdown.Logger(slog.New(slog.NewTextHandler(os.Stderr, nil))),
	)
	var started, inflight atomic.Int32
	// /fast requests that reached the handler: the accepted ones, by method.
	var getHandled, postHandled atomic.Int64
	allIn := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /fast", func(w http.ResponseWriter, r *http.Request) {
		getHandled.Add(1)
		w.Header().Set(servedByHeader, "child")
		ok(w, r)
	})
	mux.HandleFunc("POST /fast", func(w http.ResponseWriter, r *http.Request) {
		postHandled.Add(1)
		n, _ := io.Copy(io.Discard, r.Body)
		w.Header().Set(servedByHeader, "child")
		fmt.Fprint(w, n)
	})
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		inflight.Add(1)
		defer inflight.Add(-1)
		if started.Add(1) == slowCount {
			close(allIn)
		}
		// The 3 s count from the moment all the slow requests are in
		// flight, so on a loaded machine, where they may arrive over a
		// second or more, the test still sees all of them in flight at
		// once and the signal still finds them running.
		select {
		case <-allIn:
		case <-time.After(30 * time.Second):
		}
		time.Sleep(slowRequest)
		fmt.Fprint(w, "slow ok")
	})
	mux.HandleFunc("GET /inflight", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, inflight.Load()) })
	mux.Handle("GET /readyz", m.ReadinessHandler())
	mux.Handle("GET /livez", m.LivenessHandler())
	mux.Handle("GET /ws", m.LongLived(wsHandler(m, nil)))
	for _, name := range []string{"first", "second", "third"} {
		m.OnShutdown(name, func(context.Context) error {
			fmt.Printf("HOOK %s\n", name)
			return nil
		})
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		return 2
	}
	m.ServeListener(&http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, ln)
	fmt.Printf("ADDR %s\n", ln.Addr())
	go func() {
		<-m.Draining() // closed at the Shutdown step, after the drain delay
		fmt.Printf("DRAINING inflight=%d\n", inflight.Load())
	}()
	if err := m.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "run:", err)
		return 2
	}
	fmt.Printf("HANDLED get=%d post=%d\n", getHandled.Load(), postHandled.Load())
	fmt.Println("EXIT clean")
	return 0
}

// servedByHeader names the replica that answered a /fast request: "child"
// (the process under test) or "other" (the replica the load balancer sends
// new connections to once it has seen readiness fail).
const servedByHeader = "X-Served-By"

// loadCounts are one kind of client's results (GET or POST).
type loadCounts struct {
	served            atomic.Int64 // 200s from the child
	servedAfterSignal atomic.Int64 // of those, sent after SIGTERM
	servedElsewhere   atomic.Int64 // 200s from the other replica
	failed            atomic.Int64 // any error or non-200: client-visible failures
	mu                sync.Mutex
	failures          []string
}

func (c *loadCounts) fail(msg string) {
	c.failed.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.failures) < 10 {
		c.failures = append(c.failures, msg)
	}
}

// TestRealProcessSIGTERMUnderLoad is the load check of the issue: a real
// process, a real SIGTERM, 25 GET and 25 POST keep-alive clients, 20 slow
// requests in flight, a WebSocket-style connection and a readiness poller.
//
// The clients reach the process the way they do behind a Kubernetes
// Service or a load balancer: a connection once open stays with this
// process for as long as it is reused, and new connections go to it until
// the readiness poller (standing in for the endpoint controller and load
// balancer) has seen 503, after which they go to another replica (an
// in-process server). So every request the clients send during the drain
// delay on a reused connection reaches this process; the test asserts that
// none of them fails, GET or POST. Go's client retries a GET that races an
// idle close, never a POST, so the POST clients are the ones that show such
// a race.
//
// It is not parallel on purpose: it measures the exit time and should not
// share the two cores with the other tests.
func TestRealProcessSIGTERMUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process and runs for a few seconds")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// The race detector sleeps 1 s at exit by default; that is not the
	// Manager's time, so the child skips it.
	cmd.Env = append(os.Environ(), childEnv+"=1", "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	killed := false
	t.Cleanup(func() {
		if killed || cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if t.Failed() || os.Getenv("SHOWCHILD") != "" {
			t.Logf("child stderr:\n%s", stderr.String())
		}
	})

	var lines []string
	var linesMu sync.Mutex
	addrCh := make(chan string, 1)
	atShutdown := make(chan int, 1) // slow requests in flight at the Shutdown step
	eof := make(chan time.Time, 1)
	// The child's counts of the /fast requests it handled, by method.
	var handledGet, handledPost atomic.Int64
	handledGet.Store(-1)
	handledPost.Store(-1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if a, found := strings.CutPrefix(line, "ADDR "); found {
				addrCh <- a
				continue
			}
			var g, p int64
			if n, _ := fmt.Sscanf(line, "HANDLED get=%d post=%d", &g, &p); n == 2 {
				handledGet.Store(g)
				handledPost.Store(p)
				continue
			}
			if n, found := strings.CutPrefix(line, "DRAINING inflight="); found {
				v, _ := strconv.Atoi(n)
				atShutdown <- v
				continue
			}
			linesMu.Lock()
			lines = append(lines, line)
			linesMu.Unlock()
		}
		eof <- time.Now()
	}()
	var addr string
	select {
	case addr = <-addrCh:
	case <-time.After(20 * time.Second):
		killed = true
		t.Fatal("child did not start")
	}
	base := "http://" + addr

	// The other replica, and the load balancer's choice between the two.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set(servedByHeader, "other")
		ok(w, r)
	}))
	defer other.Close()
	otherAddr := other.Listener.Addr().String()
	var rotatedOut atomic.Bool // set when the poller first reads 503
	var dialer net.Dialer
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		if rotatedOut.Load() {
			return dialer.DialContext(ctx, network, otherAddr)
		}
		return dialer.DialContext(ctx, network, addr)
	}

	// 25 GET and 25 POST keep-alive clients, each on its own connection,
	// until told to stop.
	var gets, posts loadCounts
	var signalledAt atomic.Int64 // unix nanos, 0 before SIGTERM
	stop := make(chan struct{})
	var stopOnce sync.Once
	stopClients := func() { stopOnce.Do(func() { close(stop) }) }
	var clients sync.WaitGroup
	// On an early failure the clients must not keep hammering while the
	// rest of the package's tests run.
	t.Cleanup(func() {
		stopClients()
		clients.Wait()
	})
	payload := bytes.Repeat([]byte("x"), 512)
	for i := range 50 {
		post := i%2 == 1
		counts := &gets
		if post {
			counts = &posts
		}
		clients.Add(1)
		go func() {
			defer clients.Done()
			tr := &http.Transport{MaxIdleConnsPerHost: 1, DialContext: dial}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			for range 100_000 {
				select {
				case <-stop:
					return
				default:
				}
				sentAt := time.Now().UnixNano()
				method, body := http.MethodGet, io.Reader(nil)
				if post {
					method, body = http.MethodPost, bytes.NewReader(payload)
				}
				// Which connection the request went out on, for the
				// failure message: a reused one or a fresh one, where.
				var reused bool
				var remote string
				trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
					reused, remote = i.Reused, i.Conn.RemoteAddr().String()
				}}
				req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), method, base+"/fast", body)
				if err != nil {
					counts.fail(err.Error())
					return
				}
				resp, err := c.Do(req)
				if err != nil {
					var since time.Duration
					if s := signalledAt.Load(); s != 0 {
						since = time.Duration(sentAt - s)
					}
					counts.fail(fmt.Sprintf("%v (connection to %s, reused %v, sent %v after SIGTERM, rotated out %v)", err, remote, reused, since.Round(time.Millisecond), rotatedOut.Load()))
					time.Sleep(10 * time.Millisecond)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				switch {
				case resp.StatusCode != http.StatusOK:
					counts.fail(resp.Status)
				case resp.Header.Get(servedByHeader) == "other":
					counts.servedElsewhere.Add(1)
				default:
					counts.served.Add(1)
					if s := signalledAt.Load(); s != 0 && sentAt > s {
						counts.servedAfterSignal.Add(1)
					}
				}
			}
		}()
	}

	probeClient := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	ws, err := wsDial(addr)
	require.NoError(t, err)
	resp, err := probeClient.Get(base + "/readyz")
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "readiness before SIGTERM")
	time.Sleep(200 * time.Millisecond) // let the keep-alive clients settle in

	// 20 slow requests in flight; SIGTERM as soon as all of them are.
	slowTr := &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: 20}
	defer slowTr.CloseIdleConnections()
	slowClient := &http.Client{Transport: slowTr, Timeout: 15 * time.Second}
	slowResults := make(chan string, slowCount)
	for range slowCount {
		go func() {
			resp, err := slowClient.Get(base + "/slow")
			if err != nil {
				slowResults <- err.Error()
				return
			}
			b, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			slowResults <- fmt.Sprintf("%d %s", resp.StatusCode, b)
		}()
	}
	waitUntil(t, fmt.Sprint(slowCount, " slow requests in flight"), func() bool {
		resp, err := probeClient.Get(base + "/inflight")
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		return string(b) == fmt.Sprint(slowCount)
	})

	sigAt := time.Now()
	signalledAt.Store(sigAt.UnixNano())
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))

	// Readiness during the drain delay. The signal reaches the child
	// asynchronously, so a probe sent right after kill may still read 200;
	// once it has read 503 it must never read 200 again. The probes reuse
	// one keep-alive connection while the child lets them (it answers
	// Connection: close during the drain delay, so each probe after the
	// first 503 opens a new one).
	readyTr := &http.Transport{MaxIdleConnsPerHost: 1}
	defer readyTr.CloseIdleConnections()
	readyClient := &http.Client{Transport: readyTr, Timeout: 5 * time.Second}
	var ready503, ready200 int
	for deadline := sigAt.Add(15 * time.Second); time.Now().Before(deadline); {
		resp, err := readyClient.Get(base + "/readyz")
		if err != nil {
			break // the listener is closed: the drain delay is over
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusServiceUnavailable:
			ready503++
			rotatedOut.Store(true)
		case http.StatusOK:
			if ready503 > 0 {
				ready200++
			}
		}
		time.Sleep(10 * time.Millisecond)
	}

	code, wsErr := ws.awaitClose(10 * time.Second)

	var exitAt time.Time
	select {
	case exitAt = <-eof:
	case <-time.After(20 * time.Second):
		killed = true
		t.Fatal("child did not exit")
	}
	waitErr := cmd.Wait()
	stopClients()
	clients.Wait()
	var slowOK int
	var slowBad []string
	for range slowCount {
		r := <-slowResults
		if r == "200 slow ok" {
			slowOK++
		} else {
			slowBad = append(slowBad, r)
		}
	}
	inflightAtShutdown := -1
	select {
	case inflightAtShutdown = <-atShutdown:
	default:
	}
	elapsed := exitAt.Sub(sigAt)
	t.Logf("load: GET served=%d (child handled %d) after-SIGTERM=%d elsewhere=%d failed=%d; POST served=%d (child handled %d) after-SIGTERM=%d elsewhere=%d failed=%d; slow=%d/%d (in flight at Shutdown: %d) readiness-during-drain: 503x%d 200x%d ws-close=%d exit-after=%v",
		gets.served.Load(), handledGet.Load(), gets.servedAfterSignal.Load(), gets.servedElsewhere.Load(), gets.failed.Load(),
		posts.served.Load(), handledPost.Load(), posts.servedAfterSignal.Load(), posts.servedElsewhere.Load(), posts.failed.Load(),
		slowOK, slowCount, inflightAtShutdown, ready503, ready200, code, elapsed.Round(time.Millisecond))

	require.NoError(t, waitErr, "child exit status")
	// No client-visible failure: not a reset, not an EOF, not a refused
	// connection, for GETs and POSTs alike.
	assert.Zero(t, gets.failed.Load(), "failed GET requests: %q", gets.failures)
	assert.Zero(t, posts.failed.Load(), "failed POST requests: %q", posts.failures)
	// Every request the child accepted (its handler ran) reached the client
	// as a 200, and nothing else did.
	assert.Equal(t, handledGet.Load(), gets.served.Load(), "GET requests the child handled vs 200s the clients received from it")
	assert.Equal(t, handledPost.Load(), posts.served.Load(), "POST requests the child handled vs 200s the clients received from it")
	assert.Equal(t, slowCount, slowOK, "slow requests: %q", slowBad)
	// The slow requests outlast the drain delay, so Shutdown has accepted
	// requests to wait for: the case that drops requests when done wrong.
	assert.Positive(t, inflightAtShutdown, "no slow request was still in flight when Shutdown began")
	for _, c := range []*loadCounts{&gets, &posts} {
		assert.Positive(t, c.served.Load())
		assert.Positive(t, c.servedAfterSignal.Load(), "requests during the drain delay were not served")
		assert.Positive(t, c.servedElsewhere.Load(), "no client moved to the other replica")
	}
	assert.Positive(t, ready503, "readiness never read 503 during the drain delay")
	assert.Zero(t, ready200, "readiness read 200 again after it read 503")
	assert.NoError(t, wsErr)
	assert.Equal(t, 1001, code)
	linesMu.Lock()
	assert.Equal(t, []string{"HOOK third", "HOOK second", "HOOK first", "EXIT clean"}, lines)
	linesMu.Unlock()
	assert.Less(t, elapsed, childDrainDelay+slowRequest+3*time.Second, "exit took too long")
}
