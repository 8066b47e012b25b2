package cleaner

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// The cleaned page travels gzip-compressed (see pkg/schema's "Compressed messages"):
// on the AEB pages its JSON (14.8 KB a page) shrinks to 4.7 KB at gzip's fastest
// level, a third of the bytes the cleaned stream stores, replicates and the server
// copies. The price is CPU: compressing costs about a tenth of what cleaning the page
// does, and inflating it in the extractor about as much again (pipelinebench's
// profile). Higher levels save a tenth more bytes at twice the CPU.
const gzipLevel = gzip.BestSpeed

// gzipWriters holds compressors for reuse: a gzip writer's state is a large
// allocation.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzipLevel)
	return zw
}}

// compress returns data gzip-compressed.
func compress(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(data)/3 + 64)
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf)
	if _, err := zw.Write(data); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return buf.Bytes(), nil
}
