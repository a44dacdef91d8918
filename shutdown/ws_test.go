package shutdown_test

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/nexuskit/nexus/shutdown"
)

// A minimal RFC 6455 handshake and close handshake, enough to prove that a
// hijacked WebSocket connection is told to close (1001 Going Away) when the
// Manager drains, and then closes. The real server would use a WebSocket
// library; the root module deliberately has none.

const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

func wsAccept(key string) string {
	h := sha1.Sum([]byte(key + wsGUID))
	return base64.StdEncoding.EncodeToString(h[:])
}

// wsHandler upgrades, then waits for Draining, sends a 1001 close frame,
// waits for the client's close frame and closes the connection.
func wsHandler(m *shutdown.Manager, closed chan<- struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			http.Error(w, "websocket upgrade required", http.StatusUpgradeRequired)
			return
		}
		key := r.Header.Get("Sec-WebSocket-Key")
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer func() {
			_ = conn.Close()
			if closed != nil {
				close(closed)
			}
		}()
		fmt.Fprintf(brw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", wsAccept(key))
		if brw.Flush() != nil {
			return
		}
		<-m.Draining()
		// FIN + close opcode, 2-byte payload: status 1001 Going Away.
		if _, err := conn.Write([]byte{0x88, 0x02, 0x03, 0xE9}); err != nil {
			return
		}
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		reply := make([]byte, 8) // masked close frame: 2 header + 4 mask + 2 payload
		_, _ = io.ReadFull(brw, reply)
	})
}

type wsClient struct {
	conn net.Conn
	br   *bufio.Reader
}

func wsDial(addr string) (*wsClient, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	raw := make([]byte, 16)
	_, _ = rand.Read(raw)
	key := base64.StdEncoding.EncodeToString(raw)
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", addr, key)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != wsAccept(key) {
		_ = conn.Close()
		return nil, fmt.Errorf("handshake failed: %s", resp.Status)
	}
	_ = conn.SetDeadline(time.Time{})
	return &wsClient{conn: conn, br: br}, nil
}

// awaitClose waits for the server's close frame, answers it, and waits for
// the server to close the TCP connection. It returns the close status.
func (c *wsClient) awaitClose(within time.Duration) (int, error) {
	defer c.conn.Close()
	_ = c.conn.SetDeadline(time.Now().Add(within))
	hdr := make([]byte, 4)
	if _, err := io.ReadFull(c.br, hdr); err != nil {
		return 0, fmt.Errorf("reading close frame: %w", err)
	}
	if hdr[0] != 0x88 || hdr[1] != 0x02 {
		return 0, fmt.Errorf("not a close frame: % x", hdr)
	}
	code := int(hdr[2])<<8 | int(hdr[3])
	mask := []byte{1, 2, 3, 4}
	frame := []byte{0x88, 0x82, mask[0], mask[1], mask[2], mask[3], hdr[2] ^ mask[0], hdr[3] ^ mask[1]}
	if _, err := c.conn.Write(frame); err != nil {
		return code, fmt.Errorf("answering close: %w", err)
	}
	if _, err := c.br.ReadByte(); !errors.Is(err, io.EOF) {
		return code, fmt.Errorf("server did not close the connection: %v", err)
	}
	return code, nil
}
