package cluster

import (
	"strconv"
	"strings"
)

// streamID is a Redis stream entry ID, <milliseconds>-<sequence>: the
// position of an event on the bus and the event's ID.
type streamID struct{ ms, seq uint64 }

// maxIDLen bounds the since parameter: two uint64s and a dash.
const maxIDLen = 41

// parseStreamID parses a complete stream ID; ok is false for anything
// else (no "-", signs, spaces, leading zeros, overflow, "*", "$").
func parseStreamID(s string) (id streamID, ok bool) {
	if len(s) == 0 || len(s) > maxIDLen {
		return streamID{}, false
	}
	a, b, found := strings.Cut(s, "-")
	if !found {
		return streamID{}, false
	}
	ms, ok1 := parseUint(a)
	seq, ok2 := parseUint(b)
	if !ok1 || !ok2 {
		return streamID{}, false
	}
	return streamID{ms, seq}, true
}

func parseUint(s string) (uint64, bool) {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

func (a streamID) less(b streamID) bool {
	return a.ms < b.ms || (a.ms == b.ms && a.seq < b.seq)
}

func (a streamID) isZero() bool { return a == streamID{} }

func (a streamID) String() string {
	return strconv.FormatUint(a.ms, 10) + "-" + strconv.FormatUint(a.seq, 10)
}
