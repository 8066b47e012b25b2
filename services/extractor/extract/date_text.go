package extract

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

var (
	reMonthDayYear = regexp.MustCompile(`(?i)(\p{L}{3,})\.?\s+(\d{1,2})(?:\s?(?:st|nd|rd|th))?,?\s+(\d{4})`)
	reDayMonthYear = regexp.MustCompile(`(?i)(\d{1,2})(?:\s?(?:st|nd|rd|th|er|º))?\.?\s+(?:de\s+)?(\p{L}{3,})\.?,?\s+(?:de\s+)?(\d{4})`)
	reYearMonthDay = regexp.MustCompile(`(\d{4})\s*(?:[-/.年년]\s*)(\d{1,2})\s*(?:[-/.月월]\s*)(\d{1,2})`)
	reDayMonthNum  = regexp.MustCompile(`(\d{1,2})([./])(\d{1,2})[./](\d{4}|\d{2})\b`)
	// reDayMonthDots is day.month.year with a space after the dots ("4. 2. 2022").
	reDayMonthDots = regexp.MustCompile(`\b(\d{1,2})\.\s(\d{1,2})\.\s?(\d{4})\b`)
	reClock        = regexp.MustCompile(`(?i)(\d{1,2})[:h](\d{2})(?::(\d{2}))?\s*(?:([ap])\.?\s?m\b\.?)?`)
	reZone         = regexp.MustCompile(`(?:GMT|UTC)\s?([+-])(\d{1,2})(?::?(\d{2}))?|\b(ET|EST|EDT|CT|CST|CDT|MT|MST|MDT|PT|PST|PDT|GMT|UTC|BST|CET|CEST|EET|EEST|IST|AEST|AEDT|JST|KST|MSK|WIB|HKT|SGT|HST|AKST|AKDT|NZST|NZDT|WET|WEST|SAST|PHT|ICT|EAT|WAT|PKT|BRT|ART|AMT|GST|TRT|CAT|UK)\b`)
)

// zoneOffsets are the UTC offsets, in hours, of zone abbreviations shown on pages
// ("ET" and friends follow the date's daylight saving time in the US).
var zoneOffsets = map[string]float64{
	"EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
	"GMT": 0, "UTC": 0, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "IST": 5.5,
	"AEST": 10, "AEDT": 11, "JST": 9, "KST": 9, "MSK": 3, "WIB": 7, "HKT": 8, "SGT": 8,
	"HST": -10, "AKST": -9, "AKDT": -8, "NZST": 12, "NZDT": 13, "WET": 0, "WEST": 1, "SAST": 2, "PHT": 8,
	"ICT": 7, "EAT": 3, "WAT": 1, "PKT": 5, "BRT": -3, "ART": -3,
	// AMT is Armenia time here; Amazon time (-4) is written BRT-style on Brazilian
	// pages. GST is Gulf time, TRT Turkey, CAT Central Africa.
	"AMT": 4, "GST": 4, "TRT": 3, "CAT": 2,
}

// textDate is a date read from visible text.
type textDate struct {
	year     int
	month    time.Month
	day      int
	hasClock bool
	hour     int
	min      int
	sec      int
	zone     *time.Location // nil when the text names no zone
	// fromWord is set on an update date introduced by a word such as "Updated";
	// beforeTitle on a date shown before the headline; besideUpdate on a date shown
	// in the same element as an "Updated" stamp (an article's dateline, never the
	// page header's date of the day).
	fromWord     bool
	beforeTitle  bool
	besideUpdate bool
	// start and end delimit, in the text read, the date and the clock and zone
	// read beside it. src is the text of the date element it was read from, and
	// adjacent is set when that element is right before the headline.
	start, end int
	src        string
	adjacent   bool
}

// parseTextDate finds the first calendar date in s (month names in several
// languages, ISO, CJK, day.month.year) with a clock time and zone next to it.
// Numeric dates with slashes are read month first (US) unless dayFirst is set or
// the first number exceeds 12.
func (l *lexicon) parseTextDate(s string, dayFirst bool) (textDate, bool) {
	var d textDate
	year := longestDigitRun(s)
	if year < 2 {
		return d, false // every form has a year of two or four digits
	}
	start, end := -1, -1
	try := func(idx []int, y, dd int, mo time.Month) {
		if idx == nil || (start >= 0 && idx[0] >= start) {
			return
		}
		if y < 1990 || y > 2100 || mo < 1 || mo > 12 || dd < 1 || dd > 31 {
			return
		}
		d = textDate{year: y, month: mo, day: dd}
		start, end = idx[0], idx[1]
	}
	if year >= 4 { // the forms with a four-digit year
		if m := reMonthDayYear.FindStringSubmatchIndex(s); m != nil {
			if mo, ok := l.months[strings.ToLower(s[m[2]:m[3]])]; ok {
				try(m, atoi(s[m[6]:m[7]]), atoi(s[m[4]:m[5]]), mo)
			}
		}
		if m := reDayMonthYear.FindStringSubmatchIndex(s); m != nil {
			if mo, ok := l.months[strings.ToLower(s[m[4]:m[5]])]; ok {
				try(m, atoi(s[m[6]:m[7]]), atoi(s[m[2]:m[3]]), mo)
			}
		}
		if m := reYearMonthDay.FindStringSubmatchIndex(s); m != nil {
			try(m, atoi(s[m[2]:m[3]]), atoi(s[m[6]:m[7]]), time.Month(atoi(s[m[4]:m[5]])))
		}
	}
	if m := reDayMonthNum.FindStringSubmatchIndex(s); m != nil {
		a, b := atoi(s[m[2]:m[3]]), atoi(s[m[6]:m[7]])
		day, mo := a, b
		if s[m[4]:m[5]] == "/" && a <= 12 && b > 12 {
			day, mo = b, a
		} else if s[m[4]:m[5]] == "/" && a <= 12 && b <= 12 && !dayFirst {
			day, mo = b, a // US order when ambiguous with slashes
		}
		y := atoi(s[m[8]:m[9]])
		if m[9]-m[8] == 2 {
			y += 2000 // "11/13/19"
		}
		try(m, y, day, time.Month(mo))
	}
	if year >= 4 {
		if m := reDayMonthDots.FindStringSubmatchIndex(s); m != nil {
			try(m, atoi(s[m[6]:m[7]]), atoi(s[m[2]:m[3]]), time.Month(atoi(s[m[4]:m[5]])))
		}
	}
	if start < 0 {
		return d, false
	}
	d.start, d.end = start, end
	// A clock time within a short distance after the date, else just before it.
	after := s[end:min(len(s), end+40)]
	before := s[max(0, start-40):start]
	if c := reClock.FindStringSubmatchIndex(after); c != nil {
		d.setClock(after, c)
		d.zone = findZone(after[c[1]:min(len(after), c[1]+16)], d)
		if d.hasClock {
			d.end += c[1]
		}
	} else if c := reClock.FindStringSubmatchIndex(before); c != nil {
		d.setClock(before, c)
		d.zone = findZone(before[c[1]:min(len(before), c[1]+16)], d)
		if d.hasClock {
			d.start -= len(before) - c[0]
		}
	}
	return d, true
}

// dayOnly returns d without its clock.
func (d textDate) dayOnly() textDate {
	d.hasClock, d.hour, d.min, d.sec = false, 0, 0, 0
	return d
}

func (d *textDate) setClock(s string, c []int) {
	h, m, sec := atoi(s[c[2]:c[3]]), atoi(s[c[4]:c[5]]), 0
	if c[6] >= 0 {
		sec = atoi(s[c[6]:c[7]])
	}
	if h > 23 || m > 59 || sec > 59 {
		return
	}
	d.sec = sec
	if c[8] >= 0 {
		ap := strings.ToLower(s[c[8]:c[9]])
		switch {
		case ap == "p" && h < 12:
			h += 12
		case ap == "a" && h == 12:
			h = 0
		}
	}
	d.hasClock, d.hour, d.min = true, h, m
}

// findZone reads a zone abbreviation or GMT offset right after a clock time.
func findZone(s string, d textDate) *time.Location {
	m := reZone.FindStringSubmatch(s)
	if m == nil {
		return nil
	}
	if m[1] != "" {
		off := atoi(m[2])*3600 + atoi(m[3])*60
		if m[1] == "-" {
			off = -off
		}
		return time.FixedZone("", off)
	}
	abbr := m[4]
	var hours float64
	switch abbr {
	case "UK":
		// UK time: GMT, or BST in European summer time.
		if euDST(d.year, d.month, d.day) {
			hours = 1
		}
	case "ET", "CT", "MT", "PT":
		base := map[string]float64{"ET": -5, "CT": -6, "MT": -7, "PT": -8}[abbr]
		if usDST(d.year, d.month, d.day) {
			base++
		}
		hours = base
	default:
		hours = zoneOffsets[abbr]
	}
	return time.FixedZone(abbr, int(hours*3600))
}

// usDST reports whether US daylight saving time is in force on a day (second Sunday
// of March to first Sunday of November).
func usDST(y int, m time.Month, d int) bool {
	day := time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
	start := nthSunday(y, time.March, 2)
	end := nthSunday(y, time.November, 1)
	return !day.Before(start) && day.Before(end)
}

// euDST reports whether European summer time is in force on a day (last Sunday
// of March to last Sunday of October).
func euDST(y int, m time.Month, d int) bool {
	day := time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
	return !day.Before(lastSunday(y, time.March)) && day.Before(lastSunday(y, time.October))
}

func lastSunday(y int, m time.Month) time.Time {
	t := time.Date(y, m+1, 0, 12, 0, 0, 0, time.UTC)
	for t.Weekday() != time.Sunday {
		t = t.AddDate(0, 0, -1)
	}
	return t
}

func nthSunday(y int, m time.Month, n int) time.Time {
	t := time.Date(y, m, 1, 12, 0, 0, 0, time.UTC)
	for t.Weekday() != time.Sunday {
		t = t.AddDate(0, 0, 1)
	}
	return t.AddDate(0, 0, 7*(n-1))
}

func atoi(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return -1
	}
	return n
}

// longestDigitRun returns the length of the longest run of ASCII digits in s, at
// most 4 (enough to tell whether a year can be there).
func longestDigitRun(s string) int {
	best, run := 0, 0
	for i := 0; i < len(s) && best < 4; i++ {
		if s[i] >= '0' && s[i] <= '9' {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return best
}
