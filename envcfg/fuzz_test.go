package envcfg_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sethvargo/go-envconfig"

	"github.com/nexuskit/nexus/envcfg"
)

type fuzzDB struct {
	Host string `env:"HOST, required" validate:"hostname"`
	Port uint16 `env:"PORT, default=5432" validate:"min=1"`
}

type fuzzConfig struct {
	Env      string            `env:"APP_ENV, default=development" validate:"oneof=development production test"`
	Port     int               `env:"PORT, default=5000" validate:"min=1,max=65535"`
	URL      url.URL           `env:"URL"`
	URLs     []*url.URL        `env:"URLS"`
	Timeout  time.Duration     `env:"TIMEOUT, default=5s"`
	Ratio    float64           `env:"RATIO"`
	Flag     bool              `env:"FLAG"`
	Level    slog.Level        `env:"LEVEL, default=info"`
	Labels   map[string]int    `env:"LABELS" validate:"dive,keys,alpha,endkeys,min=0"`
	Emails   []string          `env:"EMAILS" validate:"dive,email"`
	Custom   upper             `env:"CUSTOM"`
	Expanded string            `env:"EXPANDED, default=${PORT}-x"`
	DB       fuzzDB            `env:", prefix=DB_"`
	Session  envcfg.Secret     `env:"SESSION_SECRET, required" validate:"min=16"`
	APIKey   *envcfg.Secret    `env:"API_KEY, default=dev-api-key" envcfg:"devdefault"`
	Keys     []envcfg.Secret   `env:"KEYS"`
	KeyMap   map[string]string `env:"KEY_MAP"`
}

var fuzzVars = []string{"APP_ENV", "PORT", "URL", "URLS", "TIMEOUT", "RATIO", "FLAG", "LEVEL", "LABELS",
	"EMAILS", "CUSTOM", "EXPANDED", "DB_HOST", "DB_PORT", "SESSION_SECRET", "API_KEY", "KEYS", "KEY_MAP"}

// FuzzLoad: Load over arbitrary environments never panics, and its error
// text contains no value at all: not the secrets', not anyone's. Values are
// wrapped in markers that no message can contain, so a leak of a whole value
// is always detected.
func FuzzLoad(f *testing.F) {
	f.Add([]byte("PORT=80\x00SESSION_SECRET=abc\x00DB_HOST=db\x00APP_ENV=production"), "hunter2", uint32(0))
	f.Add([]byte("URL=http://u:p@[::1\x00LABELS=a:1,b\x00EMAILS=x,y@z.io\x00RATIO=NaN"), "changeme", uint32(7))
	f.Add([]byte("API_KEY_FILE=/f\x00DB_PORT=99999\x00LEVEL=loud\x00TIMEOUT=-1h"), "", uint32(3))
	f.Add([]byte("PORT=eighty\x00LABELS=k\x00EMAILS=no\x00DB_HOST=-\x00CUSTOM=bad"), "strong-enough-secret-42", uint32(0xffffffff))
	f.Add([]byte("SESSION_SECRET_FILE=/f\x00SESSION_SECRET=\x00KEYS=a,b,,\x00EXPANDED=$$"), "x\n", uint32(1))
	f.Add([]byte("PORT=010\x00DB_PORT=0x10\x00LABELS=a:08\x00APP_ENV=\x00SESSION_SECRET=ref:!x"), "", uint32(3<<29))
	f.Fuzz(func(t *testing.T, raw []byte, fileContent string, mask uint32) {
		const open, closing = "\u2063«", "»\u2063"
		m := map[string]string{}
		for _, kv := range bytes.Split(raw, []byte{0}) {
			k, v, _ := strings.Cut(string(kv), "=")
			m[k] = v
		}
		// Some variables get a marked value, so that a leak is detectable.
		for i, name := range fuzzVars {
			if mask&(1<<i) != 0 {
				m[name] = open + m[name] + closing
			}
		}
		files := func(string) (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader(open + fileContent + closing)), nil
		}
		var logs bytes.Buffer
		opts := []envcfg.Option{
			envcfg.WithLookup(func(k string) (string, bool) { v, ok := m[k]; return v, ok }),
			envcfg.WithOpenFile(files),
			envcfg.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
		}
		if mask&(1<<31) == 0 { // the top bit leaves production assumed
			opts = append(opts, envcfg.WithProduction("APP_ENV", "production"))
			if mask&(1<<30) != 0 {
				opts = append(opts, envcfg.WithProductionRequired())
			}
		}
		if mask&(1<<29) != 0 {
			// A mutator that fails on some values, quoting them in its
			// error: the quote must not reach Load's error text.
			opts = append(opts, envcfg.WithMutators(envconfig.MutatorFunc(
				func(_ context.Context, _, _, _, cur string) (string, bool, error) {
					if strings.Contains(cur, "!") {
						return "", true, fmt.Errorf("cannot resolve %q", cur)
					}
					return strings.TrimPrefix(cur, "ref:"), false, nil
				})))
		}
		cfg, err := envcfg.Load[fuzzConfig](context.Background(), opts...)
		if err == nil {
			if cfg == nil {
				t.Fatal("nil config without error")
			}
			// A loaded config prints without its secrets.
			out := fmt.Sprintf("%v %+v %#v", cfg, *cfg, cfg.DB)
			j, jerr := json.Marshal(cfg)
			if jerr != nil {
				t.Fatal(jerr)
			}
			for _, s := range []string{cfg.Session.Reveal()} {
				if len(s) >= 8 && (strings.Contains(out, s) || bytes.Contains(j, []byte(s))) {
					t.Fatalf("secret value printed: %q", out)
				}
			}
		} else if cfg != nil {
			t.Fatal("config returned with an error")
		}
		text := logs.String()
		if err != nil {
			text += err.Error()
		}
		if strings.Contains(text, open) || strings.Contains(text, closing) {
			t.Fatalf("a value leaked into the error or logs:\n%s", text)
		}
	})
}

// FuzzSecretFormat: a Secret formatted with any verb and flags, alone or
// inside values, never shows its value.
func FuzzSecretFormat(f *testing.F) {
	for _, seed := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "% x", "%10.3s", "%-8q", "%#q", "%U", "%d", "%[1]v", "%v%v", "%!", "%"} {
		f.Add(seed, "s3cr3t-value")
	}
	f.Fuzz(func(t *testing.T, format, value string) {
		if strings.Contains(format, "\u2063") || usesVerb(format, "pw") {
			// %p and %w report a bad operand and print it bypassing all
			// methods; see the Secret doc comment.
			return
		}
		const mark = "\u2063§"
		s := envcfg.Secret(mark + value + mark)
		type wrap struct {
			S envcfg.Secret
			P *envcfg.Secret
		}
		outs := []string{
			fmt.Sprintf(format, s),
			fmt.Sprintf(format, &s),
			fmt.Sprintf(format, wrap{s, &s}),
			fmt.Sprintf(format, []envcfg.Secret{s}),
			fmt.Sprintf(format, map[string]envcfg.Secret{"k": s}),
			fmt.Sprintf(format, s, s),
			fmt.Sprint(s, wrap{s, &s}),
			fmt.Sprintln(s),
		}
		for _, out := range outs {
			if strings.Contains(out, mark) || strings.Contains(out, fmt.Sprintf("%x", mark)) || strings.Contains(out, fmt.Sprintf("%X", mark)) {
				t.Fatalf("format %q revealed the secret: %q", format, out)
			}
		}
		var logs bytes.Buffer
		slog.New(slog.NewJSONHandler(&logs, nil)).Info(format, "s", s, "w", wrap{s, &s})
		if strings.Contains(logs.String(), mark) || strings.Contains(logs.String(), `\u2063§`) {
			t.Fatalf("slog revealed the secret: %s", logs.String())
		}
	})
}

// usesVerb reports whether format has a directive whose verb is one of verbs.
func usesVerb(format, verbs string) bool {
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("+-# 0123456789.*[]", format[j]) >= 0 {
			j++
		}
		if j >= len(format) {
			return false
		}
		r, _ := utf8.DecodeRuneInString(format[j:])
		if strings.ContainsRune(verbs, r) {
			return true
		}
		i = j
	}
	return false
}
