package schema

import (
	"net/netip"
	"strings"
	"time"
)

// Retention says when a stream may delete a message. It mirrors JetStream's retention
// policies without importing the NATS client, so this package stays dependency-free.
type Retention int

const (
	// LimitsRetention keeps messages until MaxAge (or a size limit) removes them. Any
	// number of consumers may read the stream, and it can be replayed from the start.
	LimitsRetention Retention = iota
	// WorkQueueRetention deletes a message as soon as it is acknowledged. Only one
	// consumer may cover a subject: right for work handed from one stage to the next.
	WorkQueueRetention
)

// String returns the policy's name as JetStream spells it.
func (r Retention) String() string {
	if r == WorkQueueRetention {
		return "workqueue"
	}
	return "limits"
}

// StreamSpec describes one JetStream stream. The services create or update their
// streams from these specs at start (unless told not to), and the Kubernetes
// manifests are generated from them, so there is a single source of truth.
type StreamSpec struct {
	Name        string
	Description string
	// Subjects the stream captures, with a trailing wildcard over the domain token.
	Subjects  []string
	Retention Retention
	// MaxAge bounds how long a message is kept.
	MaxAge time.Duration
	// Duplicates is the window in which a repeated Nats-Msg-Id is dropped.
	Duplicates time.Duration
}

// Subject prefixes: a full subject is prefix + "." + token.
const (
	FetchSubjectPrefix     = "news.fetch"
	RawSubjectPrefix       = "news.raw"
	CleanedSubjectPrefix   = "news.cleaned"
	ExtractedSubjectPrefix = "news.extracted"
	StoriesSubjectPrefix   = "news.stories"
	DeadSubjectPrefix      = "news.dead"
)

// The six streams. Retention is chosen per stream:
//
//   - FetchStream is a work queue: a request is done once fetched, and only the fetcher
//     reads it.
//   - RawStream keeps pages for a week under limits retention, so they can be replayed
//     through a newer cleaner and extractor, and anyone may publish to it.
//   - CleanedStream is a work queue between cleaner and extractor: the cleaned form can
//     always be rebuilt from the raw page.
//   - ExtractedStream keeps articles for 30 days under limits retention: it must serve
//     any number of user consumers besides the sink (interest retention would drop a
//     message that no consumer wants yet).
//   - StoriesStream keeps the sink's story updates for 30 days under limits retention,
//     like the articles they are about, for any number of subscribers.
//   - DeadLetterStream keeps failures for 30 days so an operator can inspect and replay
//     them.
var (
	FetchStream = StreamSpec{
		Name:        "NEWS_FETCH",
		Description: "Fetch requests: article, feed and sitemap URLs for the fetcher.",
		Subjects:    []string{FetchSubjectPrefix + ".>"},
		Retention:   WorkQueueRetention,
		MaxAge:      7 * 24 * time.Hour,
		Duplicates:  2 * time.Minute,
	}
	RawStream = StreamSpec{
		Name:        "NEWS_RAW",
		Description: "Raw pages as fetched or published, kept for replay.",
		Subjects:    []string{RawSubjectPrefix + ".>"},
		Retention:   LimitsRetention,
		MaxAge:      7 * 24 * time.Hour,
		Duplicates:  2 * time.Minute,
	}
	CleanedStream = StreamSpec{
		Name:        "NEWS_CLEANED",
		Description: "Pages decoded to UTF-8 with boilerplate removed, for the extractor.",
		Subjects:    []string{CleanedSubjectPrefix + ".>"},
		Retention:   WorkQueueRetention,
		MaxAge:      7 * 24 * time.Hour,
		Duplicates:  2 * time.Minute,
	}
	ExtractedStream = StreamSpec{
		Name:        "NEWS_EXTRACTED",
		Description: "Structured articles: the pipeline's output for users and the sink.",
		Subjects:    []string{ExtractedSubjectPrefix + ".>"},
		Retention:   LimitsRetention,
		MaxAge:      30 * 24 * time.Hour,
		Duplicates:  2 * time.Minute,
	}
	StoriesStream = StreamSpec{
		Name:        "NEWS_STORIES",
		Description: "Story updates from the sink: an article joined a group of copies of one text.",
		Subjects:    []string{StoriesSubjectPrefix + ".>"},
		Retention:   LimitsRetention,
		MaxAge:      30 * 24 * time.Hour,
		Duplicates:  2 * time.Minute,
	}
	DeadLetterStream = StreamSpec{
		Name:        "NEWS_DEAD",
		Description: "Messages a stage could not process, with the reason.",
		Subjects:    []string{DeadSubjectPrefix + ".>"},
		Retention:   LimitsRetention,
		MaxAge:      30 * 24 * time.Hour,
		Duplicates:  2 * time.Minute,
	}
)

// Streams lists every stream in pipeline order.
func Streams() []StreamSpec {
	return []StreamSpec{FetchStream, RawStream, CleanedStream, ExtractedStream, StoriesStream, DeadLetterStream}
}

// ConsumerSpec describes a stage's durable pull consumer. All replicas of a stage bind
// to the same durable and share its messages.
type ConsumerSpec struct {
	Durable       string
	Stream        string
	FilterSubject string
	// AckWait is how long a delivered message may stay unacknowledged before it is
	// delivered again; slow work extends it with progress signals.
	AckWait time.Duration
	// MaxDeliver bounds deliveries; the last failed delivery ends in dead letters.
	MaxDeliver int
	// MaxAckPending bounds messages in flight across all replicas.
	MaxAckPending int
}

// The stages' consumers.
var (
	FetcherConsumer = ConsumerSpec{
		Durable: "fetcher", Stream: FetchStream.Name, FilterSubject: FetchSubjectPrefix + ".>",
		AckWait: 60 * time.Second, MaxDeliver: 6, MaxAckPending: 256,
	}
	CleanerConsumer = ConsumerSpec{
		Durable: "cleaner", Stream: RawStream.Name, FilterSubject: RawSubjectPrefix + ".>",
		AckWait: 30 * time.Second, MaxDeliver: 5, MaxAckPending: 256,
	}
	ExtractorConsumer = ConsumerSpec{
		Durable: "extractor", Stream: CleanedStream.Name, FilterSubject: CleanedSubjectPrefix + ".>",
		AckWait: 30 * time.Second, MaxDeliver: 5, MaxAckPending: 256,
	}
	SinkConsumer = ConsumerSpec{
		Durable: "sink", Stream: ExtractedStream.Name, FilterSubject: ExtractedSubjectPrefix + ".>",
		AckWait: 30 * time.Second, MaxDeliver: 20, MaxAckPending: 512,
	}
)

// DomainToken turns a host name or URL into the subject token that names its site:
// lower-cased, port and "www." dropped, dots replaced by underscores. An IPv6 address
// gives its eight groups without leading zeros, joined by underscores ([::1] is
// 0_0_0_0_0_0_0_1; an IPv4-mapped one gives the IPv4 token). Characters NATS reserves
// in subjects (space, '*', '>', '.') never appear in the result. An empty or
// unparsable input gives "unknown".
func DomainToken(hostOrURL string) string {
	h := hostOf(hostOrURL)
	h = strings.TrimPrefix(h, "www.")
	if h == "" {
		return "unknown"
	}
	if ip, err := netip.ParseAddr(h); err == nil && ip.Is6() {
		h = ipv6Token(ip)
	}
	var b strings.Builder
	b.Grow(len(h))
	for _, r := range h {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == '.':
			b.WriteByte('_')
		default:
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "_")
}

// ipv6Token spells an IPv6 address as dot-separated groups (dots become underscores
// in the token): the expanded form, leading zeros dropped, zone dropped.
func ipv6Token(ip netip.Addr) string {
	ip = ip.WithZone("")
	if ip.Is4In6() {
		return ip.Unmap().String()
	}
	groups := strings.Split(ip.StringExpanded(), ":")
	for i, g := range groups {
		if g = strings.TrimLeft(g, "0"); g == "" {
			g = "0"
		}
		groups[i] = g
	}
	return strings.Join(groups, ".")
}

// FetchSubject is the subject a FetchRequest for url is published on.
func FetchSubject(url string) string { return FetchSubjectPrefix + "." + DomainToken(url) }

// RawSubject is the subject a RawPage for url is published on.
func RawSubject(url string) string { return RawSubjectPrefix + "." + DomainToken(url) }

// CleanedSubject is the subject a CleanedPage for url is published on.
func CleanedSubject(url string) string { return CleanedSubjectPrefix + "." + DomainToken(url) }

// ExtractedSubject is the subject an Article for url is published on.
func ExtractedSubject(url string) string { return ExtractedSubjectPrefix + "." + DomainToken(url) }

// StoriesSubject is the subject a StoryUpdate about an article at url is published on.
func StoriesSubject(url string) string { return StoriesSubjectPrefix + "." + DomainToken(url) }

// DeadSubject is the subject the named stage publishes its dead letters on.
func DeadSubject(stage string) string { return DeadSubjectPrefix + "." + stage }

// SubjectToken returns the last token of a subject: the domain token of a pipeline
// subject, or "" when the subject has no dot.
func SubjectToken(subject string) string {
	i := strings.LastIndexByte(subject, '.')
	if i < 0 {
		return ""
	}
	return subject[i+1:]
}

// PageBucket is the JetStream object store bucket holding page bodies too large for one
// message (claim checks, see RawPage.BodyRef). Objects expire with PageBucketTTL, the
// raw stream's MaxAge, so a replayable raw page keeps its body and nothing outlives it.
const PageBucket = "NEWS_PAGES"

// PageBucketTTL is how long a stored page body is kept.
var PageBucketTTL = RawStream.MaxAge
