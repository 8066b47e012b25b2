package schema

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"mime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/segmentio/encoding/json"
)

// Decoding errors. Every decode error wraps exactly one of them, so a stage can tell a
// message to dead-letter (all four) from a failure worth retrying (none of them).
var (
	// ErrMalformed: the payload is not a JSON object, or has no "schema" member.
	ErrMalformed = errors.New("schema: malformed message")
	// ErrWrongType: the payload is a newsjet message of another type than expected.
	ErrWrongType = errors.New("schema: wrong message type")
	// ErrUnknownVersion: the payload names a version of the type this build cannot read.
	ErrUnknownVersion = errors.New("schema: unknown schema version")
	// ErrInvalid: a known version with a required field missing or out of range.
	ErrInvalid = errors.New("schema: invalid message")
	// ErrEmptyBody: a raw page without any bytes (no body and no body_ref), an
	// ErrInvalid that the cleaner dead-letters as an empty page (unprocessable).
	ErrEmptyBody = fmt.Errorf("%w: empty page (no body bytes)", ErrInvalid)
)

// Message is implemented by every message type of this package.
type Message interface {
	// SchemaName returns the schema name the type encodes as, e.g. ArticleV1.
	SchemaName() string
	// Validate reports a missing or out-of-range required field, wrapping ErrInvalid.
	Validate() error
	setSchema()
}

// SchemaName implements Message.
func (*FetchRequest) SchemaName() string { return FetchRequestV1 }

// SchemaName implements Message.
func (*RawPage) SchemaName() string { return RawPageV1 }

// SchemaName implements Message.
func (*CleanedPage) SchemaName() string { return CleanedPageV2 }

// SchemaName implements Message.
func (*Article) SchemaName() string { return ArticleV1 }

// SchemaName implements Message.
func (*DeadLetter) SchemaName() string { return DeadLetterV1 }

// SchemaName implements Message.
func (*StoryUpdate) SchemaName() string { return StoryUpdateV1 }

func (m *FetchRequest) setSchema() { m.Schema = FetchRequestV1 }
func (m *RawPage) setSchema()      { m.Schema = RawPageV1 }
func (m *CleanedPage) setSchema()  { m.Schema = CleanedPageV2 }
func (m *Article) setSchema()      { m.Schema = ArticleV1 }
func (m *DeadLetter) setSchema()   { m.Schema = DeadLetterV1 }
func (m *StoryUpdate) setSchema()  { m.Schema = StoryUpdateV1 }

// Encode sets the message's schema member to its newest version, validates it and
// returns its JSON encoding. A message that fails validation is not encoded. HTML
// characters in strings are not escaped ("<p>" stays "<p>", not "\u003cp\u003e"): pages
// and article bodies are mostly markup, and escaping would triple their size against the
// server's max payload. The schema member comes first, which lets the decoders read it
// without parsing the message twice.
func Encode(m Message) ([]byte, error) {
	m.setSchema()
	if err := m.Validate(); err != nil {
		return nil, err
	}
	buf := encodeBuffers.Get().(*[]byte)
	defer encodeBuffers.Put(buf)
	b, err := json.Append((*buf)[:0], m, json.SortMapKeys)
	if err != nil {
		return nil, fmt.Errorf("schema: encoding %s: %w", m.SchemaName(), err)
	}
	if cap(b) <= maxPooledBuffer {
		*buf = b
	}
	return bytes.Clone(b), nil
}

// maxPooledBuffer bounds the encoding buffers kept for reuse, so one huge message
// does not pin its buffer.
const maxPooledBuffer = 1 << 20

// encodeBuffers holds Encode's scratch buffers: a message is encoded into one, then
// copied out at its exact size, instead of growing a new slice by doubling each time.
var encodeBuffers = sync.Pool{New: func() any { return new([]byte) }}

// ContentEncodingGzip is the Content-Encoding header value of a gzip-compressed
// message (see Compressed).
const ContentEncodingGzip = "gzip"

// Headers returns the NATS headers every newsjet message carries: its schema name and
// its de-duplication id.
func Headers(schemaName, msgID string) map[string][]string {
	return map[string][]string{
		HeaderSchema: {schemaName},
		HeaderMsgID:  {msgID},
	}
}

// PeekSchema returns the "schema" member of a JSON message without decoding the rest.
func PeekSchema(data []byte) (string, error) {
	var env struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return "", malformedJSON(data, err)
	}
	if env.Schema == "" {
		return "", fmt.Errorf("%w: no \"schema\" member", ErrMalformed)
	}
	return env.Schema, nil
}

// decode reads data, JSON or gzip-compressed JSON (see Compressed), as the message
// type whose versions are listed. Each entry maps a schema name to a function that
// decodes that version and upcasts it to the newest type.
func decode[T any, PT interface {
	*T
	Message
}](data []byte, family string, versions map[string]func([]byte) (*T, error)) (*T, error) {
	if Compressed(data) {
		plain, err := gunzip(data, MaxMessageSize, ErrMalformed, "gzip message")
		if err != nil {
			return nil, err
		}
		data = plain
	}
	name, ok := leadingSchema(data)
	if !ok {
		var err error
		if name, err = PeekSchema(data); err != nil {
			return nil, err
		}
	}
	read, ok := versions[name]
	if !ok {
		if strings.HasPrefix(name, family+".") {
			return nil, fmt.Errorf("%w: %q (this build reads %s)", ErrUnknownVersion, name, known(versions))
		}
		return nil, fmt.Errorf("%w: got %q, want %s", ErrWrongType, name, known(versions))
	}
	m, err := read(data)
	if err != nil {
		return nil, err
	}
	if err := PT(m).Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// leadingSchema returns the schema name of a message whose first member is
// "schema" with a plain string value, as Encode writes it, without reading further;
// ok is false for any other layout, which PeekSchema then reads. The name is the
// version decoder's choice only: the message is then parsed in full, so a payload
// that is not JSON is still ErrMalformed (unless it names a version this build does
// not know: that is ErrUnknownVersion first).
func leadingSchema(data []byte) (name string, ok bool) {
	const open = `{"schema":"`
	if !bytes.HasPrefix(data, []byte(open)) {
		return "", false
	}
	rest := data[len(open):]
	end := bytes.IndexByte(rest, '"')
	if end <= 0 || bytes.IndexByte(rest[:end], '\\') >= 0 {
		return "", false
	}
	return string(rest[:end]), true
}

// Compressed reports whether a message payload is gzip-compressed: it starts with
// gzip's magic bytes, which no JSON text does. Every Decode function of this
// package accepts a compressed message as well as a plain one; the sender marks it
// with the header Content-Encoding: gzip (ContentEncodingGzip) for other readers.
func Compressed(data []byte) bool {
	return len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b
}

// MaxMessageSize bounds the decompressed size of a compressed message.
const MaxMessageSize = 64 << 20

// gzipReaders holds gzip readers for reuse: a reader's decompression window is a
// large allocation.
var gzipReaders sync.Pool

// gunzip decompresses data (what names it in errors: "gzip message", "gzip body"),
// refusing with kind data that does not decompress or inflates past limit bytes.
func gunzip(data []byte, limit int64, kind error, what string) ([]byte, error) {
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(bytes.NewReader(data))
	} else {
		err = zr.Reset(bytes.NewReader(data))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", kind, what, err)
	}
	defer gzipReaders.Put(zr)
	var out bytes.Buffer
	out.Grow(4 * len(data))
	if _, err := out.ReadFrom(io.LimitReader(zr, limit+1)); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", kind, what, err)
	}
	if int64(out.Len()) > limit {
		return nil, fmt.Errorf("%w: %s inflates past %d bytes", kind, what, limit)
	}
	return out.Bytes(), nil
}

// direct decodes a version whose layout is the newest type's.
func direct[T any](data []byte) (*T, error) {
	m := new(T)
	if err := json.Unmarshal(data, m); err != nil {
		return nil, malformedJSON(data, err)
	}
	return m, nil
}

// quotedHead is how many bytes of a payload that is not JSON its error quotes.
const quotedHead = 32

// malformedJSON is the ErrMalformed error for data that does not decode. The JSON
// library's syntax errors repeat the input's bytes as they are; this error quotes the
// payload's first bytes escaped instead (strconv.Quote) and cuts them, so binary junk
// never reaches a log line or a dead letter's error text.
func malformedJSON(data []byte, err error) error {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	head, more := data, ""
	if len(head) > quotedHead {
		head, more = head[:quotedHead], "..."
	}
	return fmt.Errorf("%w: not JSON: %d bytes starting %s%s", ErrMalformed, len(data), strconv.Quote(string(head)), more)
}

func known[T any](versions map[string]func([]byte) (*T, error)) string {
	names := make([]string, 0, len(versions))
	for n := range versions {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// Decoders, one per message type: each reads every version ever published and returns
// the newest type.
var (
	fetchRequestVersions = map[string]func([]byte) (*FetchRequest, error){FetchRequestV1: direct[FetchRequest]}
	rawPageVersions      = map[string]func([]byte) (*RawPage, error){RawPageV1: direct[RawPage]}
	cleanedPageVersions  = map[string]func([]byte) (*CleanedPage, error){
		CleanedPageV1: upcastCleanedPageV1, CleanedPageV2: direct[CleanedPage],
	}
	articleVersions     = map[string]func([]byte) (*Article, error){ArticleV1: direct[Article]}
	deadLetterVersions  = map[string]func([]byte) (*DeadLetter, error){DeadLetterV1: direct[DeadLetter]}
	storyUpdateVersions = map[string]func([]byte) (*StoryUpdate, error){StoryUpdateV1: direct[StoryUpdate]}
)

// DecodeFetchRequest decodes any version of a FetchRequest.
func DecodeFetchRequest(data []byte) (*FetchRequest, error) {
	return decode[FetchRequest](data, "newsjet.fetch_request", fetchRequestVersions)
}

// DecodeRawPage decodes any version of a RawPage JSON message.
func DecodeRawPage(data []byte) (*RawPage, error) {
	return decode[RawPage](data, "newsjet.raw_page", rawPageVersions)
}

// DecodeCleanedPage decodes any version of a CleanedPage. A v1 message keeps its
// schema name and has its document in V1HTML (see CleanedPage).
func DecodeCleanedPage(data []byte) (*CleanedPage, error) {
	return decode[CleanedPage](data, "newsjet.cleaned_page", cleanedPageVersions)
}

// DecodeArticle decodes any version of an Article.
func DecodeArticle(data []byte) (*Article, error) {
	return decode[Article](data, "newsjet.article", articleVersions)
}

// DecodeDeadLetter decodes any version of a DeadLetter.
func DecodeDeadLetter(data []byte) (*DeadLetter, error) {
	return decode[DeadLetter](data, "newsjet.dead_letter", deadLetterVersions)
}

// DecodeStoryUpdate decodes any version of a StoryUpdate.
func DecodeStoryUpdate(data []byte) (*StoryUpdate, error) {
	return decode[StoryUpdate](data, "newsjet.story_update", storyUpdateVersions)
}

// MaxBareGzipSize bounds the decompressed size of a gzip-encoded bare page, so a
// decompression bomb is refused instead of exhausting memory.
const MaxBareGzipSize = 64 << 20

// DecodeRawPageMessage decodes a message from the raw subject, which accepts two forms:
//
//   - a RawPage JSON message: when the Newsjet-Schema header is set, the Content-Type is
//     JSON, or (with neither header) the body starts with '{';
//   - a bare page body, as `nats pub news.raw.example_com < page.html` sends it: any
//     other body. Content-Type may name the charset ("text/html; charset=shift_jis"),
//     Newsjet-Url the page URL and Content-Encoding "gzip" a compressed body.
//
// A bare body becomes a RawPage whose bytes are kept exactly as published; its id is
// RawPageID(url, ContentHash) and its FetchedAt is received. Whether the bytes are
// really HTML is for the cleaner to judge.
func DecodeRawPageMessage(header map[string][]string, data []byte, received time.Time) (*RawPage, error) {
	if isJSONMessage(header, data) {
		return DecodeRawPage(data)
	}
	page := &RawPage{
		Schema:      RawPageV1,
		URL:         strings.TrimSpace(first(header, HeaderURL)),
		ContentType: first(header, HeaderContentType),
		Body:        data,
		BodySize:    int64(len(data)),
		FetchedAt:   received.UTC(),
	}
	hashed := data
	switch enc := strings.ToLower(strings.TrimSpace(first(header, HeaderContentEncoding))); enc {
	case "", "identity":
	case "gzip":
		plain, err := gunzip(data, MaxBareGzipSize, ErrInvalid, "gzip body")
		if err != nil {
			return nil, err
		}
		page.BodyEncoding, page.BodySize, hashed = "gzip", int64(len(plain)), plain
	default:
		return nil, fmt.Errorf("%w: unsupported Content-Encoding %q (only gzip)", ErrInvalid, enc)
	}
	page.ContentHash = ContentHash(hashed)
	page.ID = RawPageID(page.URL, page.ContentHash)
	if err := page.Validate(); err != nil {
		return nil, err
	}
	return page, nil
}

func isJSONMessage(header map[string][]string, data []byte) bool {
	if first(header, HeaderSchema) != "" {
		return true
	}
	if ct := first(header, HeaderContentType); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	return len(trimmed) > 0 && trimmed[0] == '{'
}

// first returns a header's first value, matching the name exactly and then
// case-insensitively (nats.go keeps header names as published).
func first(header map[string][]string, name string) string {
	if v := header[name]; len(v) > 0 {
		return v[0]
	}
	for k, v := range header {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// PlainBody returns the page's uncompressed bytes when they travel inline. It returns
// ErrInvalid when the body is only a reference (resolve BodyRef through the object
// store first) or does not decompress.
func (p *RawPage) PlainBody() ([]byte, error) {
	if p.BodyRef != nil && p.Body == nil {
		return nil, fmt.Errorf("%w: body is stored in object %s/%s", ErrInvalid, p.BodyRef.Bucket, p.BodyRef.Name)
	}
	switch p.BodyEncoding {
	case "":
		return p.Body, nil
	case "gzip":
		return gunzip(p.Body, MaxBareGzipSize, ErrInvalid, "gzip body")
	default:
		return nil, fmt.Errorf("%w: unknown body_encoding %q", ErrInvalid, p.BodyEncoding)
	}
}
