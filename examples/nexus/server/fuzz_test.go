package server

import (
	"net/http/httptest"
	"net/url"
	"testing"
)

// FuzzPageParams feeds arbitrary page and limit query values: the answer is
// either an error or a page from 1 and a limit within 1..maxLimit.
func FuzzPageParams(f *testing.F) {
	for _, seed := range [][2]string{{"", ""}, {"1", "10"}, {"0", "0"}, {"-1", "101"}, {"9223372036854775807", "100"}, {"x", "1.5"}, {"1e3", " 7"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, page, limit string) {
		q := url.Values{"page": {page}, "limit": {limit}}
		r := httptest.NewRequest("GET", "/api/modules?"+q.Encode(), nil)
		p, l, err := pageParams(r)
		if err != nil {
			return
		}
		if p < 1 || l < 1 || l > maxLimit {
			t.Fatalf("page %d limit %d accepted from %q %q", p, l, page, limit)
		}
	})
}
