package respond

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// maxPooledBuffer is the largest buffer returned to the pool: a rare huge
// response must not pin its memory for the life of the process.
const maxPooledBuffer = 64 << 10

// encoder is a pooled buffer with a json.Encoder that writes into it, so
// encoding a response allocates neither.
type encoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var encoderPool = sync.Pool{New: func() any {
	e := &encoder{}
	e.enc = json.NewEncoder(&e.buf)
	return e
}}

func getEncoder() *encoder {
	e := encoderPool.Get().(*encoder)
	e.buf.Reset()
	return e
}

func putEncoder(e *encoder) {
	if e.buf.Cap() > maxPooledBuffer {
		return
	}
	encoderPool.Put(e)
}

// value appends the JSON encoding of v. On error the buffer is left as it
// was (json.Encoder marshals fully before writing). A nil slice is written as
// [] and a nil map as {}: clients iterate over lists without a null check.
func (e *encoder) value(v any) error {
	if v != nil {
		switch rv := reflect.ValueOf(v); rv.Kind() {
		case reflect.Slice:
			if rv.IsNil() {
				e.buf.WriteString("[]")
				return nil
			}
		case reflect.Map:
			if rv.IsNil() {
				e.buf.WriteString("{}")
				return nil
			}
		}
	}
	if err := e.enc.Encode(v); err != nil {
		return err
	}
	// Drop the newline json.Encoder adds after every value.
	e.buf.Truncate(e.buf.Len() - 1)
	return nil
}

// str appends s as a JSON string, escaped exactly as encoding/json does.
func (e *encoder) str(s string) {
	e.buf.Write(appendJSONString(e.buf.AvailableBuffer(), s))
}

// tail appends the timestamp and request ID members and closes the object.
func (e *encoder) tail(now time.Time, requestID string) {
	e.buf.WriteString(`,"timestamp":"`)
	e.buf.Write(now.UTC().AppendFormat(e.buf.AvailableBuffer(), TimestampLayout))
	e.buf.WriteByte('"')
	if requestID != "" {
		e.buf.WriteString(`,"requestId":`)
		e.str(requestID)
	}
	e.buf.WriteByte('}')
}

// success writes a success envelope. On error (data or meta not encodable)
// the buffer content is undefined and must be reset.
func (e *encoder) success(data any, meta *Meta, now time.Time, requestID string) error {
	e.buf.WriteString(`{"success":true,"data":`)
	if err := e.value(data); err != nil {
		return err
	}
	if meta != nil {
		b := e.buf.AvailableBuffer()
		b = append(b, `,"meta":{"page":`...)
		b = strconv.AppendInt(b, int64(meta.Page), 10)
		b = append(b, `,"limit":`...)
		b = strconv.AppendInt(b, int64(meta.Limit), 10)
		b = append(b, `,"total":`...)
		b = strconv.AppendInt(b, int64(meta.Total), 10)
		b = append(b, '}')
		e.buf.Write(b)
	}
	e.tail(now, requestID)
	return nil
}

// failure writes an error envelope. If details cannot be encoded it returns
// the error and the buffer must be reset.
func (e *encoder) failure(code Code, message string, details any, now time.Time, requestID string) error {
	e.buf.WriteString(`{"success":false,"error":{"code":`)
	e.str(string(code))
	e.buf.WriteString(`,"message":`)
	e.str(message)
	if details != nil {
		e.buf.WriteString(`,"details":`)
		if err := e.value(details); err != nil {
			return err
		}
	}
	e.buf.WriteByte('}')
	e.tail(now, requestID)
	return nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a quoted JSON string with the escaping of
// encoding/json (HTML-safe <, >, &; U+2028 and U+2029 escaped; invalid UTF-8
// replaced by U+FFFD), so the envelope's hand-written members are
// byte-for-byte what json.Marshal would produce.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
