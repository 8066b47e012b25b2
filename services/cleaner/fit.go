package cleaner

import (
	"fmt"
	"strings"

	"github.com/newsjet/newsjet/internal/claimcheck"
	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
)

// encodeToFit encodes page so that its message fits maxPayload (headers included, see
// claimcheck.HeaderReserve). A page whose encoding is too large has its content cut at
// the last tag or word boundary that fits (see cutAtTag) and is marked Truncated: a
// best-effort result rather than a lost page (the extractor's parser closes the
// elements left open). maxPayload <= 0 means no limit. A page that cannot be made
// to fit is a permanent error with reason too_large.
func encodeToFit(page *schema.CleanedPage, maxPayload int64) ([]byte, error) {
	data, err := schema.Encode(page)
	if err != nil || maxPayload <= 0 {
		return data, err
	}
	budget := maxPayload - claimcheck.HeaderReserve
	for attempt := 0; int64(len(data)) > budget && attempt < 4; attempt++ {
		// JSON escaping makes the encoded content a little larger than the string;
		// cut by the overshoot plus a margin, and check again.
		over := int64(len(data)) - budget
		keep := len(page.Content) - int(over) - 1024<<attempt
		if keep <= 0 {
			break
		}
		page.Content = cutAtTag(page.Content, keep)
		page.Truncated = true
		if data, err = schema.Encode(page); err != nil {
			return nil, err
		}
	}
	if int64(len(data)) > budget {
		return nil, stage.Permanent(stage.ReasonTooLarge, fmt.Errorf("%w: cleaned page %s is %d bytes even cut short, max_payload %d",
			stage.ErrTooLarge, page.ID, len(data), maxPayload))
	}
	return data, nil
}

// cutAtTag returns a prefix of doc no longer than n bytes that cuts no tag, entity or
// word in half: it ends just before a tag, or, when the text after the last tag that
// fits is longer than n/16 bytes (one huge paragraph), after the last word of that
// text that fits.
func cutAtTag(doc string, n int) string {
	if n >= len(doc) {
		return doc
	}
	lt, gt := strings.LastIndexByte(doc[:n], '<'), strings.LastIndexByte(doc[:n], '>')
	if gt > lt && n-gt > n/16 {
		if sp := strings.LastIndexAny(doc[gt+1:n], " \n"); sp >= 0 {
			return doc[:gt+1+sp]
		}
	}
	if lt > 0 {
		return doc[:lt]
	}
	return ""
}
