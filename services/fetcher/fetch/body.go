package fetch

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/andybalholm/brotli"
)

// acceptEncoding is what the client offers; it undoes each of them itself, with limits.
const acceptEncoding = "gzip, deflate, br"

// capReader fails with errOver once more than max bytes were read, and remembers the
// first error of the underlying reader so a decoder's error can be told from a wire error.
type capReader struct {
	r       io.Reader
	n, max  int64
	errOver error
	wireErr error
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.n > c.max {
		return 0, c.errOver
	}
	if room := c.max - c.n + 1; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF {
		if c.wireErr == nil {
			c.wireErr = err
		}
		return n, err
	}
	if c.n > c.max {
		return n, c.errOver
	}
	return n, err
}

// readBody reads at most maxWire bytes from r, undoes the Content-Encoding list enc and
// returns at most maxDecoded bytes of plain body and the wire byte count.
func readBody(r io.Reader, enc string, maxWire, maxDecoded, sizeHint int64) ([]byte, int64, error) {
	wire := &capReader{r: r, max: maxWire, errOver: fmt.Errorf("%w: more than %d bytes on the wire", ErrBodyTooLarge, maxWire)}
	var src io.Reader = wire
	codings := strings.Split(enc, ",")
	for i := len(codings) - 1; i >= 0; i-- {
		dec, err := decoder(strings.ToLower(strings.TrimSpace(codings[i])), src)
		if err != nil {
			if wire.wireErr != nil {
				return nil, wire.n, classify(wire.wireErr)
			}
			return nil, wire.n, err
		}
		src = dec
	}
	out := &capReader{r: src, max: maxDecoded, errOver: fmt.Errorf("%w: inflates past %d bytes", ErrDecodedTooLarge, maxDecoded)}
	var buf bytes.Buffer
	if sizeHint > 0 && sizeHint <= maxDecoded {
		buf.Grow(int(sizeHint) + 1)
	}
	_, err := buf.ReadFrom(out)
	body := buf.Bytes()
	switch {
	case err == nil:
		return body, wire.n, nil
	case wire.n > wire.max:
		return nil, wire.n, wire.errOver
	case errors.Is(err, ErrBodyTooLarge), errors.Is(err, ErrDecodedTooLarge):
		return nil, wire.n, err
	case wire.wireErr != nil:
		return nil, wire.n, classify(wire.wireErr)
	case src != io.Reader(wire):
		return nil, wire.n, fmt.Errorf("%w: %s: %v", ErrBadEncoding, enc, err)
	}
	return nil, wire.n, classify(err)
}

func decoder(coding string, r io.Reader) (io.Reader, error) {
	switch coding {
	case "", "identity":
		return r, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("%w: gzip: %v", ErrBadEncoding, err)
		}
		return zr, nil
	case "deflate":
		// HTTP's deflate is zlib-wrapped, but some servers send raw DEFLATE.
		br := bufio.NewReader(r)
		head, err := br.Peek(2)
		if err == nil && isZlibHeader(head) {
			zr, zerr := zlib.NewReader(br)
			if zerr != nil {
				return nil, fmt.Errorf("%w: deflate: %v", ErrBadEncoding, zerr)
			}
			return zr, nil
		}
		return flate.NewReader(br), nil
	case "br":
		return brotli.NewReader(r), nil
	}
	return nil, fmt.Errorf("%w: unsupported Content-Encoding %q", ErrBadEncoding, coding)
}

func isZlibHeader(b []byte) bool {
	return len(b) == 2 && b[0]&0x0f == 8 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0
}

// Gunzip decompresses a gzip file body (a sitemap.xml.gz), refusing output larger than
// limit with ErrDecodedTooLarge and a corrupt stream with ErrBadEncoding.
func Gunzip(b []byte, limit int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: gzip: %v", ErrBadEncoding, err)
	}
	out := &capReader{r: zr, max: limit, errOver: fmt.Errorf("%w: inflates past %d bytes", ErrDecodedTooLarge, limit)}
	plain, err := io.ReadAll(out)
	if err != nil {
		if errors.Is(err, ErrDecodedTooLarge) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: gzip: %v", ErrBadEncoding, err)
	}
	return plain, nil
}
