package clean

// Params are the cleaner's thresholds, in one place: the weights and shares of
// main-content selection and the bounds of the metadata it keeps. DefaultParams
// holds the values the service runs with; a field is read only by the pass or step
// its comment names. Lengths are visible bytes of text (white space not counted)
// unless a field says otherwise; shares are of paragraph weight (see
// ParagraphWeight).
type Params struct {
	// Paragraph weight: the text of a block's own paragraph, discounted by its link
	// share, is its weight; a paragraph more than NoWeightLinkShare links weighs
	// nothing. Paragraphs shorter than ShortParaLen, MidParaLen and LongParaLen weigh
	// ShortParaWeight, MidParaWeight and LongParaWeight of their length; a <p>
	// weighs PBonus times more.
	NoWeightLinkShare float32
	ShortParaLen      int32
	MidParaLen        int32
	LongParaLen       int32
	ShortParaWeight   float32
	MidParaWeight     float32
	LongParaWeight    float32
	PBonus            float32

	// Teaser cards: a heading or paragraph at least TitleMinLen long and at least
	// TitleLinkShare one link (LeadLinkShare when the link opens the block) is a
	// title link; a block of at most CardMaxText holding one and more than
	// CardMinOwnText of other text is a card, its weight times CardDiscount.
	TitleMinLen    int32
	TitleLinkShare float32
	LeadLinkShare  float32
	CardMaxText    int32
	CardMinOwnText int32
	CardDiscount   float32
	// ArticleBodyBoost multiplies the weight of an itemprop=articleBody element when
	// the content root is chosen.
	ArticleBodyBoost float32

	// Root choice (pass "descend"): move to the child holding DescendShare of the
	// weight; a link-poor child holding the page's first h1, at least H1BranchMin
	// weight and H1BranchShare of the element's, is taken when another child is
	// heavier or holds its own h1; the h1's child is also taken holding H1BlockShare.
	// A child whose text is more than LinkListDensity links is a link list.
	DescendShare    float32
	H1BranchMin     float32
	H1BranchShare   float32
	H1BlockShare    float32
	LinkListDensity float32

	// Pass "widen": the root moves up while every other child of its parent is
	// prose (at most WidenLinkShare links, no title link, no h1, at most
	// WidenMaxShare of the root's weight) or shorter than WidenTiny. It looks past
	// wrappers (parents holding nothing else but lines shorter than WidenTiny), at
	// most WidenLabelWrappers of them holding such a line, to prose opening with a
	// paragraph of at least LongParaLen (rule "wrappers").
	WidenLinkShare     float32
	WidenMaxShare      float32
	WidenTiny          int32
	WidenLabelWrappers int

	// SecondOpinionShare: a content whose paragraph weight is under this share of
	// the own paragraphs of the page's largest readable block, that it does not
	// keep, is chosen again from that block (see secondOpinion).
	SecondOpinionShare float32
	// LastResortShare: a content that came out empty is chosen again from the first
	// block whose own paragraphs weigh at least this share of the heaviest block's
	// (see lastResort).
	LastResortShare float32

	// Pass "lead": a standfirst has at most LeadMaxLinkShare of its paragraph in
	// links.
	LeadMaxLinkShare float32

	// HeadShort: a line shorter than this is a dateline, byline or heading line
	// rather than prose (passes "widen", "head-lines", "partner-boxes").
	HeadShort int32

	// Furniture by tag, class, id or role (pass "page-furniture") stays when it
	// holds BoilerKeepShare of the weight.
	BoilerKeepShare float32

	// Pass "next-story": an h1 after at least H1BranchMin of prose opens the next
	// story when a byline, author or date element follows it within StoryHeadScan
	// elements, before a paragraph of StoryProseLen.
	StoryHeadScan int
	StoryProseLen int32

	// Pass "partner-boxes": a box after the last prose holding at most PartnerMax.
	PartnerMax int32

	// Passes "ad-slots", "ad-labels": a block of at most AdLabelMax holding ad
	// code or controls, or saying only an ad label. Pass "signup-boxes": a block of
	// at most SignupMax and SignupShare of the root's weight holding a text field.
	// Pass "link-lists": a block more than LinkListDensity links holding less than
	// LinkListKeep of the root's weight.
	AdLabelMax   int32
	SignupMax    int32
	SignupShare  float32
	LinkListKeep float32

	// Pass "follow-lines": a closing paragraph naming a social account holds at
	// most FollowMaxText.
	FollowMaxText int32

	// Pass "tail": the short lines (under TailShort) after the last prose are cut,
	// the last TailKeep of them kept as the page's tail; a closing line of at least
	// SentenceMinWords words ending a sentence stops the cut.
	TailShort        int32
	TailKeep         int
	SentenceMinWords int

	// Pass "figures": an image's wrapper at most FigureUp levels up holding at most
	// CaptionMax of text is a figure; images narrower or lower than SmallImagePx
	// are icons.
	FigureUp     int
	CaptionMax   int32
	SmallImagePx int

	// Metadata (collectMeta): a candidate is kept whole up to CopyMaxText bytes of
	// text and CopyMaxNodes nodes; each of the first AfterH1MaxWins shown headlines
	// gets the last BeforeH1Texts texts before it and at most AfterH1MaxText bytes
	// and AfterH1MaxBlks blocks after it; MaxBodyEntries bounds the body's entries
	// and MaxFigures the figures kept. A block of at most DatedLineMaxText bytes
	// holding a year is kept as a dated line, the first MaxDatedLines of them.
	CopyMaxText      int
	CopyMaxNodes     int
	AfterH1MaxText   int
	AfterH1MaxBlks   int
	AfterH1MaxWins   int
	BeforeH1Texts    int
	MaxBodyEntries   int
	MaxFigures       int
	DatedLineMaxText int
	MaxDatedLines    int

	// Skip names content passes (see Passes) not to run: the benchmark's ablation.
	// Empty in the service.
	Skip []string
}

// DefaultParams returns the parameters the cleaner runs with.
func DefaultParams() Params {
	return Params{
		NoWeightLinkShare: 0.5, ShortParaLen: 25, MidParaLen: 80, LongParaLen: 150,
		ShortParaWeight: 0.05, MidParaWeight: 0.2, LongParaWeight: 0.6, PBonus: 1.2,

		TitleMinLen: 20, TitleLinkShare: 0.6, LeadLinkShare: 0.2, CardMaxText: 400, CardMinOwnText: 30,
		CardDiscount: 0.2, ArticleBodyBoost: 3,

		DescendShare: 0.8, H1BranchMin: 150, H1BranchShare: 0.1, H1BlockShare: 0.55, LinkListDensity: 0.6,

		WidenLinkShare: 1.0 / 3, WidenMaxShare: 0.5, WidenTiny: 30, WidenLabelWrappers: 1, SecondOpinionShare: 0.5,
		LastResortShare:  0.5,
		LeadMaxLinkShare: 0.2,
		HeadShort:        80,
		BoilerKeepShare:  0.4,

		StoryHeadScan: 12, StoryProseLen: 80,
		PartnerMax: 240,

		AdLabelMax: 40, SignupMax: 240, SignupShare: 0.25, LinkListKeep: 0.15,

		FollowMaxText: 400, TailShort: 40, TailKeep: 4, SentenceMinWords: 6,

		FigureUp: 4, CaptionMax: 120, SmallImagePx: 150,

		CopyMaxText: 400, CopyMaxNodes: 80, AfterH1MaxText: 1200, AfterH1MaxBlks: 24, AfterH1MaxWins: 4,
		BeforeH1Texts: 6, MaxBodyEntries: 400, MaxFigures: 2, DatedLineMaxText: 120, MaxDatedLines: 16,
	}
}

// skips reports whether the pass named name is in Skip.
func (p *Params) skips(name string) bool {
	for _, s := range p.Skip {
		if s == name {
			return true
		}
	}
	return false
}

// PassInfo names and describes a pass or rule that Params.Skip can disable.
type PassInfo struct {
	Name, Does string
}

// SkippablePasses lists what Params.Skip takes: the passes of Passes that the
// others do not need and InsideRules, in the order they run, then widen's look past
// wrappers, the second opinion and the last resort (see selectContent).
func SkippablePasses() []PassInfo {
	var out []PassInfo
	for _, p := range Passes {
		if !p.required {
			out = append(out, PassInfo{p.name, p.does})
		}
	}
	for _, r := range InsideRules {
		out = append(out, PassInfo{r.name, r.does})
	}
	return append(out, wrappersInfo, secondOpinionInfo, lastResortInfo)
}
