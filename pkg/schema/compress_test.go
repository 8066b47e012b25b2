package schema

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// decoders decodes data with the Decode function of a golden file's message type.
var decoders = map[string]func([]byte) (any, error){
	"fetch_request": func(b []byte) (any, error) { return DecodeFetchRequest(b) },
	"raw_page":      func(b []byte) (any, error) { return DecodeRawPage(b) },
	"cleaned_page":  func(b []byte) (any, error) { return DecodeCleanedPage(b) },
	"article":       func(b []byte) (any, error) { return DecodeArticle(b) },
	"dead_letter":   func(b []byte) (any, error) { return DecodeDeadLetter(b) },
	"story_update":  func(b []byte) (any, error) { return DecodeStoryUpdate(b) },
}

// TestDecodersReadEveryForm decodes every golden file as written (indented: its
// schema member read by PeekSchema), compacted (the schema member leading, read
// without a second parse), compacted with the schema member last, and
// gzip-compressed: each form gives the same message.
func TestDecodersReadEveryForm(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("golden files: %v %v", files, err)
	}
	for _, f := range files {
		base := filepath.Base(f)
		kind := strings.TrimSuffix(strings.Split(base, ".")[0], "_ref")
		kind = strings.TrimSuffix(kind, "_detected")
		dec := decoders[kind]
		if dec == nil {
			t.Fatalf("%s: no decoder for %q", base, kind)
		}
		t.Run(base, func(t *testing.T) {
			golden, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := dec(golden)
			if err != nil {
				t.Fatal(err)
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, golden); err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(compact.Bytes(), []byte(`{"schema":"`)) {
				t.Fatalf("compacted golden does not open with its schema: %.40s", compact.Bytes())
			}
			forms := map[string][]byte{
				"compact":      compact.Bytes(),
				"schema last":  schemaLast(t, compact.Bytes()),
				"gzip":         gzipped(t, golden),
				"gzip compact": gzipped(t, compact.Bytes()),
			}
			for name, data := range forms {
				got, err := dec(data)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s: decoded %+v, want %+v", name, got, want)
				}
			}
		})
	}
}

// schemaLast moves the leading schema member of a compact message to its end.
func schemaLast(t *testing.T, compact []byte) []byte {
	t.Helper()
	end := bytes.IndexByte(compact[len(`{"schema":"`):], '"') + len(`{"schema":"`) + 1
	member, rest := compact[1:end], compact[end+1:]
	return []byte("{" + string(rest[:len(rest)-1]) + "," + string(member) + "}")
}

func TestCompressedErrors(t *testing.T) {
	article := readGolden(t, "article.v1.json")
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"gzip magic then junk", []byte("\x1f\x8b\x08junk"), ErrMalformed},
		{"cut short", gzipped(t, article)[:40], ErrMalformed},
		{"not JSON inside", gzipped(t, []byte("<html>")), ErrMalformed},
		{"wrong type inside", gzipped(t, readGolden(t, "raw_page.v1.json")), ErrWrongType},
		{"unknown version inside", gzipped(t, []byte(`{"schema":"newsjet.article.v9","id":"x"}`)), ErrUnknownVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeArticle(tt.data); !errors.Is(err, tt.want) {
				t.Fatalf("DecodeArticle = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCompressedBombRefused(t *testing.T) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write([]byte(`{"schema":"newsjet.article.v1","id":"`))
	zw.Write(bytes.Repeat([]byte("a"), 3<<20))
	zw.Close()
	// Decoders use MaxMessageSize; a smaller limit keeps the test quick.
	if _, err := gunzip(buf.Bytes(), 1<<20, ErrMalformed, "gzip message"); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "inflates") {
		t.Fatalf("err = %v", err)
	}
	if plain, err := gunzip(buf.Bytes(), 4<<20, ErrMalformed, "gzip message"); err != nil || len(plain) != 3<<20+37 {
		t.Fatalf("within the limit: %d bytes, %v", len(plain), err)
	}
}

func TestCompressed(t *testing.T) {
	if !Compressed(gzipped(t, []byte("{}"))) || Compressed([]byte(`{"schema":"x"}`)) || Compressed(nil) || Compressed([]byte{0x1f}) {
		t.Error("Compressed misjudges gzip magic")
	}
}

// TestEncodeReturnsOwnBytes: Encode reuses its scratch buffer, never the bytes it
// returned, and writes the schema member first (what the decoders read first).
func TestEncodeReturnsOwnBytes(t *testing.T) {
	first, err := DecodeArticle(readGolden(t, "article.v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := Encode(first)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(a, []byte(`{"schema":"newsjet.article.v1",`)) {
		t.Errorf("the schema member does not lead: %.40s", a)
	}
	kept := bytes.Clone(a)
	second := *first
	second.Title = strings.Repeat("other title ", 20)
	if _, err := Encode(&second); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, kept) {
		t.Error("a later Encode changed the bytes an earlier one returned")
	}
}
