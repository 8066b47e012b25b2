package bench

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

// TestReadParts writes a CPU profile of known samples and reads it back: each
// sample counts in the first part it fits (a stage's clean or extract call is work
// whatever else its stack holds; unlabelled samples go by their stack).
func TestReadParts(t *testing.T) {
	prof := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		PeriodType: &profile.ValueType{Type: "cpu", Unit: "nanoseconds"},
		Period:     int64(10 * time.Millisecond),
	}
	var id uint64
	stack := func(names ...string) []*profile.Location {
		var locs []*profile.Location
		for _, n := range names {
			id++
			fn := &profile.Function{ID: id, Name: n}
			loc := &profile.Location{ID: id, Line: []profile.Line{{Function: fn}}}
			prof.Function = append(prof.Function, fn)
			prof.Location = append(prof.Location, loc)
			locs = append(locs, loc)
		}
		return locs
	}
	add := func(ms int64, stage string, names ...string) {
		s := &profile.Sample{Value: []int64{1, ms * int64(time.Millisecond)}, Location: stack(names...)}
		if stage != "" {
			s.Label = map[string][]string{"stage": {stage}}
		}
		prof.Sample = append(prof.Sample, s)
	}
	add(70, "cleaner", "runtime.memmove", "github.com/newsjet/newsjet/services/cleaner.CleanPage", "github.com/newsjet/newsjet/internal/stage.(*worker).call")
	add(30, "extractor", "github.com/newsjet/newsjet/services/extractor.Article")
	add(20, "cleaner", "github.com/newsjet/newsjet/pkg/schema.ContentHash")
	add(15, "extractor", "github.com/newsjet/newsjet/pkg/schema.gunzip")
	add(40, "sink", "github.com/newsjet/newsjet/services/sink.(*Sink).Handle")
	add(25, "", "syscall.Syscall6", "github.com/nats-io/nats-server/v2/server.(*fileStore).StoreMsg")
	add(10, "", "crypto/sha256.Sum256", "github.com/newsjet/newsjet/bench.rawMessage")
	add(5, "", "runtime.gcDrain", "runtime.gcBgMarkWorker")
	add(3, "", "runtime.futex")
	add(2, "no-such-stage", "runtime.futex")
	var buf bytes.Buffer
	if err := prof.Write(&buf); err != nil {
		t.Fatal(err)
	}
	ps, err := readParts(&buf)
	if err != nil {
		t.Fatal(err)
	}
	want := map[Part]time.Duration{PartWork: 100, PartCleaner: 20, PartExtractor: 15, PartSink: 40, PartBroker: 25,
		PartPublish: 10, PartGC: 5, PartOther: 5}
	for p := range numParts {
		if ps[p] != want[p]*time.Millisecond {
			t.Errorf("%s: %v, want %v", p, ps[p], want[p]*time.Millisecond)
		}
	}
	if got := ps.Outside(); got != 75*time.Millisecond {
		t.Errorf("outside the in-process path: %v, want 75ms", got)
	}
	if _, err := readParts(bytes.NewReader([]byte("not a profile"))); err == nil {
		t.Error("junk read as a profile")
	}
}
