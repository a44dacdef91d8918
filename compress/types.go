package compress

import "strings"

// typeRules holds the AllowTypes and DenyTypes patterns. Lookup goes from the
// most specific pattern to the least: exact media type, then "type/*", then
// "*/*"; at one level a deny beats an allow.
type typeRules struct {
	exact map[string]bool // media type -> allowed
	major map[string]bool // top-level type -> allowed
	all   int8            // 0: no "*/*" rule, 1: allow, -1: deny
}

func (r *typeRules) add(pattern string, allow bool) {
	typ, sub, _ := strings.Cut(pattern, "/")
	switch {
	case typ == "*":
		if r.all != -1 {
			r.all = boolRule(allow)
		}
	case sub == "*":
		if r.major == nil {
			r.major = make(map[string]bool)
		}
		if prev, ok := r.major[typ]; !ok || prev {
			r.major[typ] = allow
		}
	default:
		if r.exact == nil {
			r.exact = make(map[string]bool)
		}
		if prev, ok := r.exact[pattern]; !ok || prev {
			r.exact[pattern] = allow
		}
	}
}

func boolRule(allow bool) int8 {
	if allow {
		return 1
	}
	return -1
}

// lookup returns the user's verdict for a lower-case media type, if any rule
// matches.
func (r *typeRules) lookup(mt string) (allow, found bool) {
	if r.exact != nil {
		if v, ok := r.exact[mt]; ok {
			return v, true
		}
	}
	if r.major != nil {
		typ, _, _ := strings.Cut(mt, "/")
		if v, ok := r.major[typ]; ok {
			return v, true
		}
	}
	if r.all != 0 {
		return r.all > 0, true
	}
	return false, false
}

// compressible reports whether a response with Content-Type ct may be
// compressed: the user's rules first, then the built-in list.
func (c *config) compressible(ct string) bool {
	mt := mediaType(ct)
	if allow, found := c.types.lookup(mt); found {
		return allow
	}
	return !alreadyCompressed(mt)
}

// mediaType returns the lower-case type/subtype of a Content-Type value,
// without parameters. It allocates only when the value has upper-case
// letters.
func mediaType(ct string) string {
	for i := 0; i < len(ct); i++ {
		if ct[i] == ';' {
			ct = ct[:i]
			break
		}
	}
	ct = trimOWS(ct)
	for i := 0; i < len(ct); i++ {
		if 'A' <= ct[i] && ct[i] <= 'Z' {
			return strings.ToLower(ct)
		}
	}
	return ct
}

// deniedTypes are formats whose bodies are already compressed (or are
// containers of compressed data): compressing them again costs CPU and
// usually makes them larger. Names from IANA, /etc/mime.types and
// freedesktop shared-mime-info; the patterns in alreadyCompressed cover the
// families (+zip, -compressed, OOXML, OpenDocument).
var deniedTypes = map[string]bool{
	// Fonts: WOFF and WOFF2 are zlib- and brotli-compressed (TTF/OTF are not).
	"font/woff": true, "font/woff2": true, "application/font-woff": true,
	"application/font-woff2": true, "application/x-font-woff": true,
	// Archives and compressed streams (plain tar, cpio and ISO images are not
	// compressed and are left out).
	"application/zip": true, "application/x-zip": true,
	"application/gzip": true, "application/x-gzip": true, "application/zlib": true,
	"application/zstd": true, "application/x-zstd": true,
	"application/x-brotli": true, "application/brotli": true,
	"application/vnd.rar": true, "application/x-rar": true,
	"application/x-bzip": true, "application/x-bzip2": true,
	"application/x-xz": true, "application/x-lzma": true, "application/x-lzip": true,
	"application/x-lz4": true, "application/x-lzop": true, "application/x-lrzip": true,
	"application/x-snappy-framed": true, "application/x-compress": true,
	"application/x-tarz": true, "application/x-lzh": true, "application/x-lha": true,
	"application/x-lzx": true, "application/x-arj": true, "application/x-ace": true,
	"application/x-alz": true, "application/x-xar": true, "application/x-cb7": true,
	"application/vnd.comicbook-rar": true,
	"application/x-stuffit":         true, "application/x-apple-diskimage": true,
	// Packages and images of compressed file systems.
	"application/x-rpm": true, "application/x-redhat-package-manager": true,
	"application/x-source-rpm": true, "application/vnd.debian.binary-package": true,
	"application/x-debian-package": true, "application/vnd.snap": true,
	"application/vnd.squashfs": true, "application/vnd.appimage": true,
	"application/vnd.flatpak": true,
	// Zip containers without +zip in their name.
	"application/java-archive": true, "application/vnd.android.package-archive": true,
	"application/x-xpinstall": true, "application/x-chrome-extension": true,
	"application/vnd.google-earth.kmz": true, "application/vnd.ms-xpsdocument": true,
	"application/oxps": true, "application/vnd.ms-3mfdocument": true, "model/3mf": true,
	"application/vnd.apple.keynote": true, "application/vnd.apple.numbers": true,
	"application/vnd.apple.pages": true,
	// Documents and media stored compressed.
	"application/pdf": true, "application/ogg": true,
	"application/x-shockwave-flash": true,
}

// alreadyCompressed is the built-in deny list: every image type except SVG,
// all audio and video, the types above, zip-based formats (+zip, OOXML with
// or without macros, OpenDocument), +gzip and the "-compressed" family
// (x-7z-compressed, vnd.ms-cab-compressed, x-xz-compressed-tar, ...).
func alreadyCompressed(mt string) bool {
	typ, sub, _ := strings.Cut(mt, "/")
	switch typ {
	case "text":
		return false
	case "image":
		return sub != "svg+xml"
	case "audio", "video":
		return true
	case "application":
		switch {
		case sub == "json", sub == "javascript", sub == "xml",
			strings.HasSuffix(sub, "+json"), strings.HasSuffix(sub, "+xml"):
			return false // the common cases, and XML parts of OOXML packages
		}
	}
	return deniedTypes[mt] ||
		strings.HasSuffix(sub, "+zip") || strings.HasSuffix(sub, "+gzip") ||
		strings.HasSuffix(sub, "-compressed") || strings.HasSuffix(sub, "-compressed-tar") ||
		strings.HasSuffix(sub, ".macroenabled.12") ||
		strings.HasPrefix(sub, "vnd.openxmlformats-officedocument.") ||
		strings.HasPrefix(sub, "vnd.oasis.opendocument.")
}
