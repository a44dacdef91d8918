package cluster_test

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// blackhole is a TCP proxy to Redis that can swallow what clients send
// (a network partition where commands never arrive, unlike SIGSTOP, after
// which Redis still runs what was sent).
type blackhole struct {
	ln     net.Listener
	target string
	drop   atomic.Bool
	mu     sync.Mutex
	conns  []net.Conn
	wg     sync.WaitGroup
}

func newBlackhole(tb testing.TB, target string) *blackhole {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &blackhole{ln: ln, target: target}
	p.wg.Go(p.accept)
	tb.Cleanup(func() {
		_ = ln.Close()
		p.cut()
		p.wg.Wait()
	})
	return p
}

func (p *blackhole) Addr() string { return p.ln.Addr().String() }

func (p *blackhole) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		r, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, r)
		p.mu.Unlock()
		p.wg.Go(func() {
			buf := make([]byte, 32<<10)
			for {
				n, err := c.Read(buf)
				if n > 0 && !p.drop.Load() {
					if _, werr := r.Write(buf[:n]); werr != nil {
						break
					}
				}
				if err != nil {
					break
				}
			}
			_ = r.Close()
		})
		p.wg.Go(func() {
			_, _ = io.Copy(c, r)
			_ = c.Close()
		})
	}
}

// cut closes every connection (clients reconnect through the proxy).
func (p *blackhole) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}
