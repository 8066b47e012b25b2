package extract

// Params are the extractor's thresholds, in one place; DefaultParams holds the
// values the service runs with. Lengths are bytes unless a field says runes or
// lines.
type Params struct {
	// Header lines (the text the cleaner read after the headline): a byline is
	// looked for in the first BylineLines of them, a dateline in the first
	// DatelineLines.
	// A byline continued on the next lines ("By Jane Roe" / ", John Doe") is read
	// from the first BylineLines+1 lines, over at most BylineContinued lines. Past
	// a line of more than DatelineMaxLine, only a bare date line counts as the
	// dateline: its text around the date holds at most BareDateRest runes. A long
	// line is the dateline when at most BareDateRest runes precede its date and a
	// dash or bracket sets the date off, or it is the first long line and the date
	// shows a clock (a dateline run into a paragraph).
	BylineLines     int
	BylineContinued int
	DatelineLines   int
	DatelineMaxLine int
	BareDateRest    int
	// DateElemMaxText bounds the text of a date element read as a dateline. A
	// short line of SentenceWords words or more besides its date that ends a
	// sentence is prose, not a dateline.
	DateElemMaxText int
	SentenceWords   int
	// NearAfterHeadline and NearBeforeHeadline: the candidates of the article's
	// header are the first NearAfterHeadline after the headline and the last
	// NearBeforeHeadline before it.
	NearAfterHeadline  int
	NearBeforeHeadline int

	// Credits: a one-word label ending in a colon is at most CreditLabelRunes; a
	// person name at most NameMaxRunes and NameMaxWords words; an organisation at
	// most OrgMaxRunes. A credit matching the site's or publisher's name by
	// OrgSiteF1 (token F1) is the outlet.
	CreditLabelRunes int
	NameMaxRunes     int
	NameMaxWords     int
	OrgMaxRunes      int
	OrgSiteF1        float64
	// SignOffLen is how much text at each end of the content is searched for a
	// Korean or Chinese sign-off credit; a sign-off line cut from the end of the
	// content holds at most SignOffMaxRunes.
	SignOffLen      int
	SignOffMaxRunes int

	// Titles: a shown h1 agreeing with a declared title by TitleAgreeF1 (token F1)
	// is the headline; an h2 or itemprop=headline by ShownHeadlineF1; an h1 of more
	// than HeadlineMaxRunes is no headline; one matching the site name by LogoF1 (or
	// the title's site part by LogoSuffixF1) is the logo. A title's tail part is the
	// site name when it matches it by SiteLikeF1. A page without any title takes the
	// first FallbackTitleRunes of its content.
	TitleAgreeF1       float64
	ShownHeadlineF1    float64
	HeadlineMaxRunes   int
	LogoF1             float64
	LogoSuffixF1       float64
	SiteLikeF1         float64
	FallbackTitleRunes int
	// A site name read from <title> has at most SiteSuffixTokens words and
	// SiteSuffixRunes runes, and the rest reads as the headline by SiteHeadlineF1.
	SiteSuffixTokens int
	SiteSuffixRunes  int
	SiteHeadlineF1   float64
	// A shown headline ending with a declared title of at least KickerMinWords
	// words shows a kicker before it when the rest holds at most KickerMaxWords
	// words: the title is the part without it.
	KickerMinWords int
	KickerMaxWords int

	// Tags: a tag has at most TagMaxRunes; a shown tag list of more than
	// MaxShownTags links is a menu or a tag cloud.
	TagMaxRunes  int
	MaxShownTags int

	// Language: the detector reads LangSample bytes of the title and text (with
	// the description when the text gives less than LangDescription); under
	// LangMinRunes the declared language stands; a detection of at least
	// LangConfidence on LangConfidentRunes of text wins over the declaration, and
	// without a declaration a detection below LangConfidence gives no language;
	// function words making FunctionWordShare of the words name the language.
	LangSample         int
	LangDescription    int
	LangMinRunes       int
	LangConfidence     float64
	LangConfidentRunes int
	FunctionWordShare  float64

	// Reading time: WordsPerMinute for space-separated scripts, CJKPerMinute
	// characters for Chinese, Japanese and Korean.
	WordsPerMinute float64
	CJKPerMinute   float64

	// Live blogs: at least MinLivePosts timestamped blocks, at most MaxLivePosts.
	MinLivePosts int
	MaxLivePosts int
}

// DefaultParams returns the parameters the extractor runs with.
func DefaultParams() Params {
	return Params{
		BylineLines: 12, BylineContinued: 3, DatelineLines: 10, DatelineMaxLine: 160, BareDateRest: 24,
		DateElemMaxText:   200,
		NearAfterHeadline: 30, NearBeforeHeadline: 3,

		CreditLabelRunes: 16, NameMaxRunes: 50, NameMaxWords: 5, OrgMaxRunes: 60, OrgSiteF1: 0.6, SignOffLen: 400, SignOffMaxRunes: 48,

		TitleAgreeF1: 0.5, ShownHeadlineF1: 0.8, HeadlineMaxRunes: 400, LogoF1: 0.6, LogoSuffixF1: 0.8,
		SiteLikeF1: 0.5, FallbackTitleRunes: 120, SiteSuffixTokens: 5, SiteSuffixRunes: 40, SiteHeadlineF1: 0.9,
		KickerMinWords: 3, KickerMaxWords: 6,

		TagMaxRunes: 60, MaxShownTags: 15,

		LangSample: 600, LangDescription: 400, LangMinRunes: 40, LangConfidence: 0.5, LangConfidentRunes: 200,
		FunctionWordShare: 0.12,

		WordsPerMinute: 230, CJKPerMinute: 500,

		MinLivePosts: 3, MaxLivePosts: 500,
	}
}

// defaultParams is DefaultParams, made once.
var defaultParams = DefaultParams()
