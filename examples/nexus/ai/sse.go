package ai

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// sseEvent is one dispatched Server-Sent Event.
type sseEvent struct {
	name string
	data []byte
}

// sseScanner reads events as the WHATWG HTML standard's event-stream
// parser does: "field: value" lines (one leading space removed), ":"
// comments ignored, data lines joined with "\n", a blank line dispatches an
// event with data (events without data lines are skipped). Lines end with
// "\n" or "\r\n"; a lone "\r" (legal, but sent by no AI provider) is not
// treated as a line end.
type sseScanner struct {
	r *bufio.Reader
}

// next returns the next event, or an error: io.EOF when the stream ended
// without a pending event, io.ErrUnexpectedEOF when it ended inside one.
func (s *sseScanner) next() (sseEvent, error) {
	var ev sseEvent
	var data [][]byte
	for {
		line, err := readLine(s.r)
		if err != nil {
			if errors.Is(err, io.EOF) {
				if len(line) > 0 || len(data) > 0 {
					return sseEvent{}, io.ErrUnexpectedEOF
				}
				return sseEvent{}, io.EOF
			}
			return sseEvent{}, err
		}
		if len(line) == 0 {
			if len(data) == 0 {
				ev = sseEvent{}
				continue
			}
			ev.data = bytes.Join(data, []byte("\n"))
			return ev, nil
		}
		if line[0] == ':' {
			continue
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "event":
			ev.name = string(value)
		case "data":
			data = append(data, append([]byte(nil), value...))
		}
	}
}
