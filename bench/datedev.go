package bench

import (
	"bytes"
	"io"
	"path/filepath"
	"sort"
	"unicode/utf8"

	"github.com/gogs/chardet"
	"golang.org/x/net/html/charset"
)

// DateEntry is one annotated URL of htmldate's publication-date set
// (htmldate-dev/truth.json) with its document.
type DateEntry struct {
	ID string
	// URL is the annotated URL, "" for a key that is not one; the extractors never
	// get it (htmldate's evaluation passes no URL).
	URL string
	Key string
	// Raw is the document as htmldate's load_document hands it over: see LoadDocument.
	Raw []byte
	// Date is the reference day YYYY-MM-DD; "" for a page annotated without a date
	// (NaN in htmldate's data, which ScoreDate treats as NaN).
	Date string
}

// LoadDateCorpus reads truth.json and html/<id>.html.gz from dir, sorted by id,
// each document decoded by LoadDocument. It returns ErrNoData when dir has no
// truth.json.
func LoadDateCorpus(dir string) ([]DateEntry, error) {
	var truth map[string]struct {
		URL  *string `json:"url"`
		Key  string  `json:"key"`
		Date *string `json:"date"`
	}
	if err := readTruth(dir, &truth); err != nil {
		return nil, err
	}
	out := make([]DateEntry, 0, len(truth))
	for id, t := range truth {
		raw, err := readGzip(filepath.Join(dir, "html", id+".html.gz"))
		if err != nil {
			return nil, err
		}
		out = append(out, DateEntry{ID: id, URL: deref(t.URL), Key: t.Key, Raw: LoadDocument(raw), Date: deref(t.Date)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// LoadDocument decodes a page as htmldate's evaluation (load_document) does: bytes
// that are valid UTF-8 are kept; otherwise they are decoded from the charset a
// statistical detector names (gogs/chardet, a port of ICU's detector, standing in
// for cchardet) and returned as UTF-8; when no known charset is detected the raw
// bytes are returned. Unlike Python's strict decode, bytes the detected charset
// does not define become U+FFFD instead of falling back to the raw bytes.
func LoadDocument(raw []byte) []byte {
	if utf8.Valid(raw) {
		return raw
	}
	res, err := chardet.NewTextDetector().DetectBest(raw)
	if err != nil {
		return raw
	}
	enc, _ := charset.Lookup(res.Charset)
	if enc == nil {
		return raw
	}
	out, err := io.ReadAll(enc.NewDecoder().Reader(bytes.NewReader(raw)))
	if err != nil {
		return raw
	}
	return out
}

// ScoreDate scores one entry as htmldate's evaluate_result does, with a
// reference annotated as absent ("") behaving as htmldate's NaN. result is the
// system's day (see DayOf), "" for none:
//   - no result: FN (and never a TN: NaN is not None);
//   - a result equal to the reference: TP;
//   - any other result, including any date for an absent reference: FP.
//
// So TN stays 0 and accuracy is TP over all entries.
func ScoreDate(result, ref string) Confusion {
	switch {
	case result == "":
		return Confusion{FN: 1}
	case ref != "" && result == ref:
		return Confusion{TP: 1}
	default:
		return Confusion{FP: 1}
	}
}

// dateOutcome names a ScoreDate result for reports.
func dateOutcome(c Confusion) string {
	switch {
	case c.TP > 0:
		return "TP"
	case c.FP > 0:
		return "FP"
	}
	return "FN"
}
