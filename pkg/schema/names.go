package schema

// Schema names, one per message type and version. The newest version of each type is the
// one the Go types in this package describe.
const (
	FetchRequestV1 = "newsjet.fetch_request.v1"
	RawPageV1      = "newsjet.raw_page.v1"
	CleanedPageV1  = "newsjet.cleaned_page.v1"
	CleanedPageV2  = "newsjet.cleaned_page.v2"
	ArticleV1      = "newsjet.article.v1"
	DeadLetterV1   = "newsjet.dead_letter.v1"
	StoryUpdateV1  = "newsjet.story_update.v1"
)

// Header names newsjet reads and writes on NATS messages.
const (
	// HeaderSchema carries the message's schema name, e.g. "newsjet.article.v1".
	HeaderSchema = "Newsjet-Schema"
	// HeaderURL gives the page URL of a bare HTML body published on the raw subject.
	HeaderURL = "Newsjet-Url"
	// HeaderContentType marks a bare body: "text/html" (optionally with a charset).
	HeaderContentType = "Content-Type"
	// HeaderContentEncoding marks a compressed bare body: "gzip".
	HeaderContentEncoding = "Content-Encoding"
	// HeaderMsgID is JetStream's de-duplication header. newsjet sets it to the
	// message's deterministic id, so a redelivered input publishes no duplicate.
	HeaderMsgID = "Nats-Msg-Id"
	// HeaderDeadReason carries DeadLetter.Reason on dead-letter messages.
	HeaderDeadReason = "Newsjet-Dead-Reason"
)
