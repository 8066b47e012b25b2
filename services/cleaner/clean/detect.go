package clean

import (
	"unicode/utf8"

	"github.com/gogs/chardet"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"

	"github.com/newsjet/newsjet/pkg/schema"
)

// Detection of the charset of a page that declares none. The detector is
// github.com/gogs/chardet, a port of ICU's charset detector (byte-sequence validity for
// the multi-byte charsets, n-gram language models for the single-byte ones): on pages
// written for the tests it names windows-1251, KOI8-R, Shift_JIS, EUC-KR, GB18030,
// ISO-8859-7 and windows-1252 right where a Go port of Python's chardet took a
// windows-1251 page for x-mac-cyrillic.
const (
	// detectWindow is how many bytes, from just before the first non-ASCII byte, the
	// detector reads: the start of a page is markup and scripts, ASCII that tells
	// nothing.
	detectWindow = 64 << 10
	// minDetectBytes is the fewest non-ASCII bytes a detection is trusted on: on a few
	// accented letters the detector guesses (it reads "café crème" as ISO-8859-2).
	minDetectBytes = 20
	// minDetectConfidence is the least confidence (0..100) a detection needs; the
	// multi-byte recognizers answer 10 when the bytes merely fit.
	minDetectConfidence = 15
)

// undeclared returns the encoding of a page whose charset nothing declares, its name
// and how it was decided: UTF-8 for valid UTF-8 (detected when it has non-ASCII bytes,
// the default for ASCII), else the detector's charset when it reads at least
// minDetectBytes non-ASCII bytes with minDetectConfidence, else windows-1252 (default).
func undeclared(raw []byte) (encoding.Encoding, string, string) {
	if utf8.Valid(raw) {
		if hasHighBit(raw) {
			return encoding.Nop, "utf-8", schema.CharsetFromDetected
		}
		return encoding.Nop, "utf-8", schema.CharsetFromDefault
	}
	if sample := detectSample(raw); highBytes(sample) >= minDetectBytes {
		if r, err := chardet.NewHtmlDetector().DetectBest(sample); err == nil && r.Confidence >= minDetectConfidence {
			if e, name := charset.Lookup(r.Charset); e != nil {
				return e, name, schema.CharsetFromDetected
			}
		}
	}
	e, name := charset.Lookup("windows-1252")
	return e, name, schema.CharsetFromDefault
}

// detectSample returns detectWindow bytes of raw starting a little before its first
// non-ASCII byte.
func detectSample(raw []byte) []byte {
	start := 0
	for i, c := range raw {
		if c >= 0x80 {
			start = max(0, i-256)
			break
		}
	}
	return raw[start:min(len(raw), start+detectWindow)]
}

// highBytes counts the bytes of b at or above 0x80.
func highBytes(b []byte) int {
	n := 0
	for _, c := range b {
		if c >= 0x80 {
			n++
		}
	}
	return n
}
