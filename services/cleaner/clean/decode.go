package clean

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"

	"github.com/newsjet/newsjet/pkg/schema"
)

// metaScan is how far into the page a <meta> charset declaration is looked for.
const metaScan = 64 << 10

// decode returns raw as UTF-8, the name of the charset it was decoded from and how
// that charset was decided (a schema.CharsetFrom* value).
//
// Order: a byte-order mark; the Content-Type charset; a <meta charset> or
// <meta http-equiv content="...charset="> in the first 64 KiB; otherwise, with nothing
// declared, the bytes tell (see undeclared): UTF-8 when they are valid UTF-8, else the
// charset a detector reads from them, else windows-1252 (the web's default). A declared
// single-byte or multi-byte legacy charset is overridden by UTF-8 when the page holds
// non-ASCII bytes that are all valid UTF-8: pages re-saved as UTF-8 often keep their
// old declaration, and legacy-encoded text is practically never valid UTF-8.
// The text is raw itself (or raw without its byte-order mark) when the charset is
// utf-8, else a buffer of its own.
func decode(raw []byte, contentType string) ([]byte, string, string, error) {
	enc, name, certain := charset.DetermineEncoding(raw, contentType)
	source := schema.CharsetFromHeader
	if certain && hasBOM(raw) {
		source = schema.CharsetFromBOM
	}
	if !certain {
		if e, n := charset.Lookup(metaCharset(raw[:min(len(raw), metaScan)])); e != nil {
			enc, name, source = e, n, schema.CharsetFromMeta
			if strings.HasPrefix(name, "utf-16") {
				// A document that can declare its charset in ASCII is not UTF-16
				// (the HTML standard reads such a declaration as UTF-8).
				enc, name = encoding.Nop, "utf-8"
			}
		} else {
			enc, name, source = undeclared(raw)
		}
	}
	if name != "utf-8" && !hasBOM(raw) && hasHighBit(raw) && utf8.Valid(raw) {
		return raw, "utf-8", schema.CharsetFromDetected, nil
	}
	if name == "utf-8" {
		return bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")), name, source, nil
	}
	out, err := enc.NewDecoder().Bytes(raw)
	if err != nil {
		return nil, "", "", fmt.Errorf("%w: decoding %s: %w", ErrNotHTML, name, err)
	}
	return out, name, source, nil
}

func hasBOM(raw []byte) bool {
	return bytes.HasPrefix(raw, []byte("\xef\xbb\xbf")) || bytes.HasPrefix(raw, []byte("\xfe\xff")) ||
		bytes.HasPrefix(raw, []byte("\xff\xfe"))
}

func hasHighBit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// metaCharset finds the charset label declared by a <meta> element in b.
func metaCharset(b []byte) string {
	for {
		i := indexFold(b, "<meta")
		if i < 0 {
			return ""
		}
		b = b[i+5:]
		end := bytes.IndexByte(b, '>')
		if end < 0 {
			return ""
		}
		tag := b[:end]
		if j := indexFold(tag, "charset"); j >= 0 {
			v := bytes.TrimLeft(tag[j+7:], " \t\r\n")
			if len(v) > 0 && v[0] == '=' {
				v = bytes.TrimLeft(v[1:], " \t\r\n\"'")
				k := 0
				for k < len(v) && v[k] != '"' && v[k] != '\'' && v[k] != ' ' && v[k] != ';' && v[k] != '/' && v[k] != '>' {
					k++
				}
				if k > 0 {
					return string(v[:k])
				}
			}
		}
		b = b[end:]
	}
}

// indexFold is bytes.Index for an ASCII lower-case needle, ignoring ASCII case in b.
func indexFold(b []byte, needle string) int {
	n := len(needle)
	for i := 0; i+n <= len(b); i++ {
		if b[i] != '<' && b[i]|0x20 != needle[0] {
			continue
		}
		match := true
		for k := 0; k < n; k++ {
			if b[i+k]|0x20 != needle[k]|0x20 {
				match = false
				break
			}
		}
		if match {
			return i
		}
	}
	return -1
}

// isBinary reports whether the start of raw looks like binary data rather than
// text: a known file signature, or NUL and control bytes in a text without a
// UTF-16 byte-order mark.
func isBinary(raw []byte) bool {
	head := raw[:min(len(raw), 1024)]
	for _, sig := range binarySignatures {
		if bytes.HasPrefix(head, []byte(sig)) {
			return true
		}
	}
	if bytes.HasPrefix(head, []byte("\xfe\xff")) || bytes.HasPrefix(head, []byte("\xff\xfe")) {
		return false
	}
	ctrl := 0
	for _, c := range head {
		if c == 0 {
			return true
		}
		if c < 0x09 || (c > 0x0d && c < 0x20) {
			ctrl++
		}
	}
	return ctrl*10 > len(head)
}

var binarySignatures = [...]string{
	"%PDF-", "\x89PNG", "GIF87a", "GIF89a", "\xff\xd8\xff", "PK\x03\x04", "\x1f\x8b", "RIFF",
	"\x00\x00\x01\x00", "OggS", "\x7fELF", "wOFF", "wOF2", "\x28\xb5\x2f\xfd", "BZh",
}
