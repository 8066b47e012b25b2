package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/sink/store"
	"github.com/newsjet/newsjet/services/sink/story"
)

// StoryDB is a fresh database for the stories contract.
type StoryDB struct {
	// Open opens a new Store on the database each time it is called; the suite closes
	// the stores it opens.
	Open func(t *testing.T, opts ...store.Option) store.Store
	// CorruptSketch overwrites the stored sketch of an article's story membership with
	// bytes that do not decode, making the story step fail on it.
	CorruptSketch func(t *testing.T, articleID string)
}

// NewStoryDB creates a fresh, empty database for one test.
type NewStoryDB func(t *testing.T) StoryDB

// RunStories runs the stories contract against newDB.
func RunStories(t *testing.T, newDB NewStoryDB) {
	tests := []struct {
		name string
		fn   func(t *testing.T, db StoryDB)
	}{
		{"CopiesShareAStory", testCopiesShareAStory},
		{"DifferentStoriesStayApart", testDifferentStories},
		{"ShortBodiesStandAlone", testShortBodies},
		{"BatchOfCopies", testBatchOfCopies},
		{"NewVersionMovesStory", testNewVersionMovesStory},
		{"OriginDeclared", testOriginDeclared},
		{"RacingCopies", testRacingCopies},
		{"StoryFailureKeepsArticle", testStoryFailureKeepsArticle},
		{"StoriesOff", testStoriesOff},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newDB(t)) })
	}
}

func openStories(t *testing.T, db StoryDB, opts ...store.Option) store.Store {
	t.Helper()
	s := db.Open(t, opts...)
	t.Cleanup(func() { s.Close() })
	return s
}

// storyText is a story of about 200 words, written for these tests, in paragraphs.
var storyText = []string{
	"The harbour authority reopened the northern basin on Wednesday after six weeks of repairs to the sea wall that a winter storm had breached in two places.",
	"Fishing boats were the first to return, followed by the ferry to the islands, which had been diverted to the southern quay since the middle of January.",
	"Engineers replaced more than three hundred concrete blocks and raised the top of the wall by forty centimetres, the authority said in a statement.",
	"The work cost four million euros, most of it paid by the regional government, and came in a week ahead of the schedule announced in February.",
	"Harbour master Ines Vidal said the basin would be dredged in the autumn so that larger cargo ships could use the eastern berths again next year.",
	"Local businesses welcomed the reopening after a quiet winter, and the fish market said it expected its busiest spring since the pandemic.",
}

// otherText is a different story on the same topic and site.
var otherText = []string{
	"The city council approved a plan on Tuesday to build a new cycle path along the harbour front, linking the old town with the beaches to the west.",
	"The path will run for three kilometres and cross the river on a new bridge, with work starting next spring if the regional funding is confirmed.",
	"Residents of the fishing quarter objected to the loss of parking spaces, but the mayor said most of them would be moved to a car park nearby.",
	"Cyclists' groups had campaigned for the route for a decade and called the vote a turning point for the town, which has few safe lanes today.",
	"The council will publish the final design in June and hold two public meetings before the contracts are signed later in the summer.",
}

func body(paras ...string) string { return strings.Join(paras, "\n\n") }

// storyArticle is an article at url with the given body, published at published.
func storyArticle(url, title, text string, published time.Time) *schema.Article {
	a := NewArticle(url, title, text, published.Add(time.Minute))
	p := published
	a.PublishedAt = &p
	return a
}

func putStory(t *testing.T, s store.Store, a *schema.Article) *store.StoryResult {
	t.Helper()
	res, err := s.Put(context.Background(), a)
	if err != nil {
		t.Fatalf("Put(%s): %v", a.URL, err)
	}
	if res.StoryErr != nil || res.Story == nil {
		t.Fatalf("Put(%s): story %+v, story error %v", a.URL, res.Story, res.StoryErr)
	}
	return res.Story
}

func storyOf(t *testing.T, s store.Store, id string) *store.Story {
	t.Helper()
	st, err := s.Story(context.Background(), id)
	if err != nil {
		t.Fatalf("Story(%s): %v", id, err)
	}
	return st
}

func testCopiesShareAStory(t *testing.T, db StoryDB) {
	s := openStories(t, db)
	ctx := context.Background()
	orig := storyArticle("https://harbour-news.example/basin-reopens", "Basin reopens", body(storyText...), Base)
	// Another site: a new headline, chrome lines, the last paragraph cut.
	agg := storyArticle("https://digest.example/2026/05/harbour", "Harbour back in business",
		body(append([]string{"Advertisement"}, append(storyText[:5:5], "Sign up for our newsletter.", "Share this article")...)...),
		Base.Add(2*time.Hour))
	// The same site under a second URL.
	mirror := storyArticle("https://harbour-news.example/amp/basin-reopens", "Basin reopens", body(storyText...), Base.Add(3*time.Hour))
	other := storyArticle("https://harbour-news.example/cycle-path", "Cycle path approved", body(otherText...), Base.Add(time.Hour))

	first := putStory(t, s, orig)
	if !first.Joined || !first.Created || first.ID != store.StoryID(orig.ID, orig.ContentHash) || first.Copies != 1 {
		t.Fatalf("first copy: %+v", first)
	}
	if o := putStory(t, s, other); o.ID == first.ID || !o.Created {
		t.Fatalf("another story of the site: %+v", o)
	}
	joined := putStory(t, s, agg)
	if !joined.Joined || joined.Created || joined.ID != first.ID || joined.MatchedID != orig.ID ||
		joined.Similarity < story.Threshold || joined.Similarity >= 1 || joined.Copies != 2 {
		t.Fatalf("aggregator copy: %+v", joined)
	}
	if m := putStory(t, s, mirror); m.ID != first.ID || m.Similarity != 1 || m.Copies != 3 {
		t.Fatalf("second URL of the site: %+v", m)
	}
	// A redelivery changes nothing and reports the story as it is.
	if again := putStory(t, s, agg); again.Joined || again.ID != first.ID || again.Copies != 3 || again.MatchedID != orig.ID {
		t.Fatalf("redelivered copy: %+v", again)
	}

	for _, a := range []*schema.Article{orig, agg, mirror} {
		if rec := get(t, s, a.ID); rec.StoryID != first.ID {
			t.Errorf("Get(%s).StoryID = %q, want %q", a.URL, rec.StoryID, first.ID)
		}
	}
	if rec := get(t, s, other.ID); rec.StoryID == "" || rec.StoryID == first.ID {
		t.Errorf("other article's story %q", rec.StoryID)
	}
	page, err := s.List(ctx, store.Query{Story: first.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(page); len(got) != 3 || got[0] != mirror.ID || got[1] != agg.ID || got[2] != orig.ID {
		t.Errorf("List(story) = %v, want mirror, aggregator, original (newest first)", got)
	}
	all, err := s.List(ctx, store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range all.Articles {
		if rec.StoryID == "" {
			t.Errorf("List: article %s without a story", rec.ID)
		}
	}

	st := storyOf(t, s, first.ID)
	if st.Origin.Status != story.OriginEarliest || st.Origin.ArticleID != orig.ID || len(st.Copies) != 3 {
		t.Fatalf("story = %+v", st)
	}
	c := st.Copies[0]
	if c.ArticleID != orig.ID || !c.Origin || c.Site != "harbour-news.example" || c.URL != orig.CanonicalURL ||
		c.PublishedAt == nil || !c.PublishedAt.Equal(Base) || c.Similarity != 1 || c.MatchedID != "" || c.Version != 1 {
		t.Errorf("first copy = %+v", c)
	}
	if c := st.Copies[1]; c.ArticleID != agg.ID || c.Origin || c.Site != "digest.example" || c.MatchedID != orig.ID {
		t.Errorf("second copy = %+v", c)
	}
	if _, err := s.Story(ctx, "nope"); !errors.Is(err, store.ErrStoryNotFound) {
		t.Errorf("Story(nope) = %v, want ErrStoryNotFound", err)
	}
}

func testDifferentStories(t *testing.T, db StoryDB) {
	s := openStories(t, db)
	// The same event reported differently: one quote and the facts in common, not the text.
	rewrite := body(
		"Ships are back in the northern basin. After a storm broke the sea wall this winter, the harbour authority spent six weeks and four million euros on repairs.",
		"\"The basin would be dredged in the autumn so that larger cargo ships could use the eastern berths again,\" harbour master Ines Vidal told reporters.",
		"Traders at the fish market, who lost much of their winter trade, hope for a strong spring now that the boats have returned to their usual quay.",
	)
	a := putStory(t, s, storyArticle("https://harbour-news.example/basin", "Basin reopens", body(storyText...), Base))
	b := putStory(t, s, storyArticle("https://coast-daily.example/basin", "Ships return", rewrite, Base.Add(time.Hour)))
	if a.ID == b.ID {
		t.Errorf("different reporting of one event shares story %s", a.ID)
	}
}

func testShortBodies(t *testing.T, db StoryDB) {
	s := openStories(t, db)
	a := putStory(t, s, storyArticle("https://video.example/1", "Clip one", "Watch the video above.", Base))
	b := putStory(t, s, storyArticle("https://video.example/2", "Clip two", "Watch the video above.", Base.Add(time.Hour)))
	if a.ID == b.ID || !b.Created {
		t.Errorf("two pages with the same caption share a story: %+v %+v", a, b)
	}
}

func testBatchOfCopies(t *testing.T, db StoryDB) {
	s := openStories(t, db)
	arts := []*schema.Article{
		storyArticle("https://b.example/1", "One", body(storyText[1:]...), Base.Add(time.Hour)),
		storyArticle("https://c.example/1", "Two", body(otherText...), Base),
		storyArticle("https://a.example/1", "Three", body(storyText...), Base),
		storyArticle("https://d.example/1", "Four", body(storyText[:5]...), Base.Add(2*time.Hour)),
	}
	res, err := s.PutBatch(context.Background(), arts)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Story == nil || r.StoryErr != nil {
			t.Fatalf("result %d: story %+v, error %v", i, r.Story, r.StoryErr)
		}
	}
	if res[0].Story.ID != res[2].Story.ID || res[0].Story.ID != res[3].Story.ID || res[1].Story.ID == res[0].Story.ID {
		t.Fatalf("batch stories: %s %s %s %s", res[0].Story.ID, res[1].Story.ID, res[2].Story.ID, res[3].Story.ID)
	}
	if !res[0].Story.Created || res[2].Story.MatchedID != arts[0].ID || res[3].Story.Copies != 3 {
		t.Errorf("in batch order, the first copy founds the story: %+v / %+v / %+v", res[0].Story, res[2].Story, res[3].Story)
	}
	if st := storyOf(t, s, res[0].Story.ID); len(st.Copies) != 3 || st.Origin.Status != story.OriginEarliest ||
		st.Origin.ArticleID != arts[2].ID {
		t.Errorf("story = %+v", st)
	}
}

func testNewVersionMovesStory(t *testing.T, db StoryDB) {
	s := openStories(t, db)
	orig := storyArticle("https://a.example/basin", "Basin", body(storyText...), Base)
	cp := storyArticle("https://b.example/basin", "Basin", body(storyText[:5]...), Base.Add(time.Hour))
	first := putStory(t, s, orig)
	putStory(t, s, cp)

	// A light edit of the copy keeps its story, without a new join.
	edited := storyArticle(cp.URL, "Basin, updated", body(append(storyText[:5:5], "Updated at 14:00.")...), Base.Add(time.Hour))
	edited.FetchedAt = cp.FetchedAt.Add(time.Hour)
	if r := putStory(t, s, edited); r.Joined || r.ID != first.ID || r.Copies != 2 {
		t.Fatalf("light edit: %+v", r)
	}
	// The page is replaced by another story: the copy leaves.
	replaced := storyArticle(cp.URL, "Cycle path", body(otherText...), Base.Add(time.Hour))
	replaced.FetchedAt = cp.FetchedAt.Add(2 * time.Hour)
	moved := putStory(t, s, replaced)
	if !moved.Joined || !moved.Created || moved.ID == first.ID || moved.PreviousID != first.ID {
		t.Fatalf("replaced page: %+v", moved)
	}
	if st := storyOf(t, s, first.ID); len(st.Copies) != 1 || st.Origin.ArticleID != orig.ID {
		t.Errorf("story left behind = %+v", st)
	}
	// The site reverts: the copy is current again and rejoins.
	back := storyArticle(cp.URL, edited.Title, edited.BodyText, Base.Add(time.Hour))
	back.FetchedAt = cp.FetchedAt.Add(3 * time.Hour)
	res, err := s.Put(context.Background(), back)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != store.Reverted || res.Story == nil || !res.Story.Joined || res.Story.ID != first.ID ||
		res.Story.PreviousID != moved.ID || res.Story.Copies != 2 {
		t.Fatalf("revert: %s, story %+v", res.Outcome, res.Story)
	}
	if _, err := s.Story(context.Background(), moved.ID); !errors.Is(err, store.ErrStoryNotFound) {
		t.Errorf("the emptied story %s: %v, want ErrStoryNotFound", moved.ID, err)
	}
	// The original's own new version: it stays, its story keeps the copy.
	orig2 := storyArticle(orig.URL, "Basin (corrected)", body(append(storyText[:5:5], "Correction: the wall was raised by forty, not fifty, centimetres.")...), Base)
	orig2.FetchedAt = orig.FetchedAt.Add(time.Hour)
	if r := putStory(t, s, orig2); r.Joined || r.ID != first.ID || r.Copies != 2 {
		t.Errorf("original's correction: %+v", r)
	}
}

func testOriginDeclared(t *testing.T, db StoryDB) {
	s := openStories(t, db)
	paper := storyArticle("https://paper.example/basin", "Basin", body(storyText...), Base)
	paper.Organization = "Associated Press"
	wire := storyArticle("https://apnews.com/article/basin", "Basin", body(storyText...), Base.Add(time.Hour))
	wire.Organization = "The Associated Press"
	id := putStory(t, s, paper).ID
	if st := storyOf(t, s, id); st.Origin.Status != story.OriginDeclared || st.Origin.ArticleID != "" ||
		st.Origin.Source != "Associated Press" || len(st.Copies[0].Declared) != 1 {
		t.Fatalf("declared before the wire's copy is stored: %+v", st)
	}
	r := putStory(t, s, wire)
	if r.ID != id || r.Origin.Status != story.OriginDeclared || r.Origin.ArticleID != wire.ID {
		t.Fatalf("after the wire's copy: %+v", r)
	}
	if st := storyOf(t, s, id); !st.Copies[1].Origin || st.Copies[1].ArticleID != wire.ID {
		t.Errorf("copies = %+v", st.Copies)
	}
	// A copy crediting another wire: the evidence conflicts.
	other := storyArticle("https://other.example/basin", "Basin", body(storyText...)+"\n\nCopyright 2026 Reuters.", Base.Add(2*time.Hour))
	r = putStory(t, s, other)
	if r.ID != id || r.Origin.Status != story.OriginConflict || r.Origin.ArticleID != "" || len(r.Origin.Candidates) != 2 {
		t.Errorf("conflicting credits: %+v", r.Origin)
	}
}

// testRacingCopies plays two sink replicas, each with several writers, storing the
// copies of several stories at the same time, in batches and one by one: every story's
// copies must end in one story.
func testRacingCopies(t *testing.T, db StoryDB) {
	s1, s2 := openStories(t, db), openStories(t, db)
	const stories, copies = 8, 6
	r := rand.New(rand.NewPCG(7, 7))
	var arts []*schema.Article
	vocabulary := strings.Fields(body(storyText...) + " " + body(otherText...))
	for i := range stories {
		// A text of its own: random words share no run of five words with another.
		paras := make([]string, 6)
		for j := range paras {
			w := make([]string, 30)
			for k := range w {
				w[k] = vocabulary[r.IntN(len(vocabulary))]
			}
			paras[j] = strings.Join(w, " ") + "."
		}
		for c := range copies {
			cut := paras[:len(paras)-r.IntN(2)]
			arts = append(arts, storyArticle(fmt.Sprintf("https://site%d.example/story-%d", c, i),
				fmt.Sprintf("Story %d copy %d", i, c), body(cut...), Base.Add(time.Duration(c)*time.Minute)))
		}
	}
	r.Shuffle(len(arts), func(i, j int) { arts[i], arts[j] = arts[j], arts[i] })
	var wg sync.WaitGroup
	errs := make(chan error, len(arts))
	next := make(chan []*schema.Article)
	for w := range 6 {
		s := s1
		if w%2 == 1 {
			s = s2
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range next {
				res, err := s.PutBatch(context.Background(), batch)
				if err != nil {
					errs <- err
					continue
				}
				for _, r := range res {
					if r.StoryErr != nil {
						errs <- r.StoryErr
					}
				}
			}
		}()
	}
	for i := 0; i < len(arts); {
		n := 1 + r.IntN(3)
		next <- arts[i:min(i+n, len(arts))]
		i += n
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("racing put: %v", err)
	}
	byStory := map[string]map[string]bool{} // text story -> story ids
	last := map[string]*schema.Article{}
	for _, a := range arts {
		var i, c int
		fmt.Sscanf(a.Title, "Story %d copy %d", &i, &c)
		key := fmt.Sprint(i)
		if byStory[key] == nil {
			byStory[key] = map[string]bool{}
		}
		byStory[key][get(t, s1, a.ID).StoryID] = true
		last[key] = a
	}
	seen := map[string]bool{}
	for k, ids := range byStory {
		if len(ids) != 1 {
			t.Errorf("copies of story %s ended in %d stories: %v", k, len(ids), ids)
		}
		for id := range ids {
			if seen[id] {
				t.Errorf("story %s holds copies of two texts", id)
			}
			seen[id] = true
			if st := storyOf(t, s2, id); len(st.Copies) != copies {
				t.Errorf("story %s has %d copies, want %d", id, len(st.Copies), copies)
			}
		}
		// The story row, written by racing writers, counts every copy.
		if r := putStory(t, s1, last[k]); r.Copies != copies || r.Origin.Status != story.OriginEarliest {
			t.Errorf("story %s after the race: %d copies, origin %+v", r.ID, r.Copies, r.Origin)
		}
	}
}

func testStoryFailureKeepsArticle(t *testing.T, db StoryDB) {
	s := openStories(t, db)
	orig := storyArticle("https://a.example/basin", "Basin", body(storyText...), Base)
	first := putStory(t, s, orig)
	db.CorruptSketch(t, orig.ID)

	cp := storyArticle("https://b.example/basin", "Basin", body(storyText[:5]...), Base.Add(time.Hour))
	res, err := s.Put(context.Background(), cp)
	if err != nil {
		t.Fatalf("Put with a failing story step: %v", err)
	}
	if res.Outcome != store.Created || res.StoryErr == nil || res.Story != nil {
		t.Fatalf("result = %s, story %+v, story error %v", res.Outcome, res.Story, res.StoryErr)
	}
	if rec := get(t, s, cp.ID); rec.Version != 1 || rec.StoryID != "" {
		t.Fatalf("stored copy: version %d, story %q", rec.Version, rec.StoryID)
	}
	// The step is retried by storing the article again (its message redelivered):
	// once the cause is gone, the copy gets its story.
	putStory(t, s, storyArticle(orig.URL, "Basin, again", body(storyText...)+"\n\nUpdated.", Base))
	again := putStory(t, s, cp)
	if !again.Joined || again.ID != first.ID {
		t.Errorf("retried story step: %+v", again)
	}
}

func testStoriesOff(t *testing.T, db StoryDB) {
	s := openStories(t, db, store.WithStories(false))
	a := storyArticle("https://a.example/basin", "Basin", body(storyText...), Base)
	res, err := s.Put(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if res.Story != nil || res.StoryErr != nil {
		t.Errorf("stories off: result story %+v, error %v", res.Story, res.StoryErr)
	}
	if rec := get(t, s, a.ID); rec.StoryID != "" {
		t.Errorf("stories off: story id %q", rec.StoryID)
	}
	if sa, ok := s.(store.StoryAssigner); !ok || sa.AssignsStories() {
		t.Error("the store says it assigns stories")
	}
}
