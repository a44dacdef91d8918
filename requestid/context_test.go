package requestid

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestContextRoundTrip(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "", FromContext(context.Background()), "no ID in a bare context")
	ctx := NewContext(context.Background(), "abc-123")
	assert.Equal(t, "abc-123", FromContext(ctx))
	assert.Equal(t, "def", FromContext(NewContext(ctx, "def")), "a nested NewContext wins")
}
