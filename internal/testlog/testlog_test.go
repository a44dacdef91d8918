package testlog

import (
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBufferConcurrentRecords(t *testing.T) {
	t.Parallel()
	var b Buffer
	l := slog.New(slog.NewJSONHandler(&b, nil))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() { l.Info("hello", "n", i) })
	}
	wg.Wait()
	recs := b.Records(t)
	require.Len(t, recs, 8)
	for _, r := range recs {
		assert.Equal(t, "hello", r["msg"])
	}
	assert.Empty(t, new(Buffer).Records(t), "an empty buffer has no records")
}
