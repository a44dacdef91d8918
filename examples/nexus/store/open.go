package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// ErrUnsupportedURL is returned by Open for a DATABASE_URL whose scheme is
// neither sqlite nor postgres.
var ErrUnsupportedURL = errors.New("store: unsupported database URL scheme (want sqlite: or postgres://)")

// Open connects to the database named by rawURL, runs the migrations and
// returns the Store:
//
//	sqlite:nexus.db                  a file relative to the working directory
//	sqlite:///var/lib/nexus/nexus.db an absolute path
//	postgres://user:pass@host/db     PostgreSQL (postgresql:// too)
func Open(ctx context.Context, rawURL string) (Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Parse echoes the input, which may hold a password: say less.
		return nil, errors.New("store: DATABASE_URL is not a valid URL")
	}
	switch u.Scheme {
	case "sqlite", "sqlite3", "file":
		path := u.Opaque
		if path == "" {
			path = u.Path
		}
		if path == "" {
			return nil, errors.New("store: sqlite URL has no file path (example: sqlite:nexus.db)")
		}
		return OpenSQLite(ctx, filepath.Clean(path))
	case "postgres", "postgresql":
		return OpenPostgres(ctx, rawURL)
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedURL, strings.ToLower(u.Scheme))
	}
}
