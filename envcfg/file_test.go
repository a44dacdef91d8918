package envcfg_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/envcfg"
)

type fileConfig struct {
	Password envcfg.Secret `env:"DB_PASSWORD, required"`
	User     string        `env:"DB_USER, default=app"`
}

func TestNameFileIndirection(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	withNL := write("pw", strong+"\n")
	withCRLF := write("pw-crlf", strong+"\r\n")
	twoNL := write("pw-2nl", strong+"\n\n")
	user := write("user", "svc-user\n")
	emptyFile := write("empty", "\n")
	big := write("big", strings.Repeat("k9#V", 17)[:65])
	noRead := write("noread", strong)
	require.NoError(t, os.Chmod(noRead, 0))

	tests := []struct {
		name      string
		env       map[string]string
		opts      []envcfg.Option
		want      string // DB_PASSWORD
		wantUser  string
		problem   envcfg.Problem
		skipAsRoo bool
	}{
		{name: "file, trailing newline trimmed", env: map[string]string{"DB_PASSWORD_FILE": withNL}, want: strong, wantUser: "app"},
		{name: "file, CRLF trimmed", env: map[string]string{"DB_PASSWORD_FILE": withCRLF}, want: strong, wantUser: "app"},
		{name: "only one newline trimmed", env: map[string]string{"DB_PASSWORD_FILE": twoNL}, want: strong + "\n", wantUser: "app"},
		{name: "any variable", env: map[string]string{"DB_PASSWORD": strong, "DB_USER_FILE": user}, want: strong, wantUser: "svc-user"},
		{name: "direct value", env: map[string]string{"DB_PASSWORD": strong}, want: strong, wantUser: "app"},
		{
			name:    "both set",
			env:     map[string]string{"DB_PASSWORD": strong, "DB_PASSWORD_FILE": withNL},
			problem: envcfg.Problem{Var: "DB_PASSWORD", Err: envcfg.ErrFile, Message: "is set together with DB_PASSWORD_FILE; set only one of them"},
		},
		{
			name:    "file variable empty",
			env:     map[string]string{"DB_PASSWORD_FILE": ""},
			problem: envcfg.Problem{Var: "DB_PASSWORD_FILE", Err: envcfg.ErrFile, Message: "is set but empty; it must name a file holding DB_PASSWORD"},
		},
		{
			name:    "file missing",
			env:     map[string]string{"DB_PASSWORD_FILE": filepath.Join(dir, "nope")},
			problem: envcfg.Problem{Var: "DB_PASSWORD_FILE", Err: envcfg.ErrFile, Message: "names a file that does not exist"},
		},
		{
			name:    "file too large",
			env:     map[string]string{"DB_PASSWORD_FILE": big},
			opts:    []envcfg.Option{envcfg.WithMaxFileSize(64)},
			problem: envcfg.Problem{Var: "DB_PASSWORD_FILE", Err: envcfg.ErrFile, Message: "names a file larger than the 64-byte limit"},
		},
		{name: "file at the limit", env: map[string]string{"DB_PASSWORD_FILE": big}, opts: []envcfg.Option{envcfg.WithMaxFileSize(65)}, want: strings.Repeat("k9#V", 17)[:65], wantUser: "app"},
		{
			name:      "file unreadable",
			env:       map[string]string{"DB_PASSWORD_FILE": noRead},
			problem:   envcfg.Problem{Var: "DB_PASSWORD_FILE", Err: envcfg.ErrFile, Message: "names a file that cannot be read (permission denied)"},
			skipAsRoo: true,
		},
		{
			name:    "file with only a newline is empty",
			env:     map[string]string{"DB_PASSWORD_FILE": emptyFile},
			problem: envcfg.Problem{Var: "DB_PASSWORD", Err: envcfg.ErrEmpty, Message: "is required but set to an empty value"},
		},
		{
			name:    "WithoutFiles ignores NAME_FILE",
			env:     map[string]string{"DB_PASSWORD_FILE": withNL},
			opts:    []envcfg.Option{envcfg.WithoutFiles()},
			problem: envcfg.Problem{Var: "DB_PASSWORD", Err: envcfg.ErrMissing, Message: "is required but not set"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.skipAsRoo && os.Geteuid() == 0 {
				t.Skip("root reads files regardless of permissions")
			}
			cfg, err := envcfg.Load[fileConfig](context.Background(), append(tt.opts, env(tt.env))...)
			if tt.problem.Var != "" {
				var e *envcfg.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, []envcfg.Problem{tt.problem}, e.Problems)
				assert.NotContains(t, err.Error(), dir, "paths stay out of messages")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, cfg.Password.Reveal())
			assert.Equal(t, tt.wantUser, cfg.User)
		})
	}
}

func TestNameFileInjectedOpen(t *testing.T) {
	t.Parallel()
	files := fstest.MapFS{"run/secrets/db": {Data: []byte(strong + "\n")}}
	open := func(name string) (io.ReadCloser, error) { return files.Open(strings.TrimPrefix(name, "/")) }
	cfg, err := envcfg.Load[fileConfig](context.Background(), envcfg.WithOpenFile(open),
		env(map[string]string{"DB_PASSWORD_FILE": "/run/secrets/db"}))
	require.NoError(t, err)
	assert.Equal(t, strong, cfg.Password.Reveal())

	failing := func(string) (io.ReadCloser, error) { return nil, errors.New("open /secret/path: device busy") }
	_, err = envcfg.Load[fileConfig](context.Background(), envcfg.WithOpenFile(failing),
		env(map[string]string{"DB_PASSWORD_FILE": "/secret/path"}))
	require.ErrorIs(t, err, envcfg.ErrFile)
	assert.Equal(t, "DB_PASSWORD_FILE: names a file that cannot be opened", err.Error())

	denied := func(string) (io.ReadCloser, error) {
		return nil, &fs.PathError{Op: "open", Path: "/x", Err: fs.ErrPermission}
	}
	_, err = envcfg.Load[fileConfig](context.Background(), envcfg.WithOpenFile(denied),
		env(map[string]string{"DB_PASSWORD_FILE": "/x"}))
	require.ErrorIs(t, err, envcfg.ErrFile)
	assert.Contains(t, err.Error(), "permission denied")
}

// A struct that declares NAME_FILE itself keeps it as an ordinary variable.
func TestNameFileDeclaredVariableWins(t *testing.T) {
	t.Parallel()
	type config struct {
		Log     string `env:"LOG"`
		LogFile string `env:"LOG_FILE"`
	}
	cfg, err := envcfg.Load[config](context.Background(), env(map[string]string{"LOG": "info", "LOG_FILE": "/var/log/app.log"}))
	require.NoError(t, err)
	assert.Equal(t, "info", cfg.Log)
	assert.Equal(t, "/var/log/app.log", cfg.LogFile)
}
