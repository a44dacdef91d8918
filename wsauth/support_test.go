package wsauth_test

import (
	"context"
	"io"
	"log/slog"

	"github.com/nexuskit/nexus/requestid"
)

func requestIDContext(ctx context.Context, id string) context.Context {
	return requestid.NewContext(ctx, id)
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
