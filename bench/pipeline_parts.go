package bench

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/google/pprof/profile"
)

// Part names the pipeline phase's CPU time by where it went, as its CPU profile
// shows it. Each sample counts in one part, the first of this order that it fits.
type Part int

const (
	// PartWork is cleaner.CleanPage and extractor.Article inside their stages: the
	// work the in-process path does too.
	PartWork Part = iota
	// PartCleaner, PartExtractor and PartFetcher are the rest of those stages'
	// samples: decoding, encoding and compressing messages, hashing bodies, the
	// stage runtime and the client library's reads.
	PartCleaner
	PartExtractor
	PartFetcher
	// PartSink is the sink stage whole: decoding articles, stories, the database.
	PartSink
	// PartBroker is the embedded server: storing every hop and delivering it.
	PartBroker
	// PartPublish is encoding the raw pages as the fetcher does (RawPage JSON, its
	// content hash), done by the benchmark's publisher.
	PartPublish
	// PartGC is the garbage collector's background work, which serves every part.
	PartGC
	// PartOther is what is left: the runtime, the benchmark's polling.
	PartOther
	numParts
)

var partNames = [numParts]string{"clean+extract", "cleaner other", "extractor other", "fetcher", "sink", "broker",
	"publish", "gc", "other"}

func (p Part) String() string { return partNames[p] }

// Parts is CPU time by Part.
type Parts [numParts]time.Duration

// Outside is the CPU time of the parts the in-process path has no counterpart for:
// the sink, the broker and publishing.
func (ps *Parts) Outside() time.Duration { return ps[PartSink] + ps[PartBroker] + ps[PartPublish] }

// stageParts maps a stage's profiler label (see startPipeline) to its part.
var stageParts = map[string]Part{"cleaner": PartCleaner, "extractor": PartExtractor, "fetcher": PartFetcher, "sink": PartSink}

// readParts sums the CPU time of a CPU profile's samples by Part.
func readParts(r io.Reader) (Parts, error) {
	var ps Parts
	prof, err := profile.Parse(r)
	if err != nil {
		return ps, fmt.Errorf("reading the CPU profile: %w", err)
	}
	cpu := -1
	for i, st := range prof.SampleType {
		if st.Type == "cpu" && st.Unit == "nanoseconds" {
			cpu = i
		}
	}
	if cpu < 0 {
		return ps, fmt.Errorf("reading the CPU profile: no cpu/nanoseconds sample type")
	}
	for _, s := range prof.Sample {
		ps[samplePart(s)] += time.Duration(s.Value[cpu])
	}
	return ps, nil
}

// samplePart is the part a profile sample belongs to.
func samplePart(s *profile.Sample) Part {
	has := func(pred func(name string) bool) bool {
		for _, loc := range s.Location {
			for _, line := range loc.Line {
				if line.Function != nil && pred(line.Function.Name) {
					return true
				}
			}
		}
		return false
	}
	is := func(names ...string) func(string) bool {
		return func(name string) bool { return slices.Contains(names, name) }
	}
	if stage := s.Label["stage"]; len(stage) == 1 {
		if has(is("github.com/newsjet/newsjet/services/cleaner.CleanPage", "github.com/newsjet/newsjet/services/extractor.Article")) {
			return PartWork
		}
		if p, ok := stageParts[stage[0]]; ok {
			return p
		}
		return PartOther
	}
	switch {
	case has(func(name string) bool { return strings.HasPrefix(name, "github.com/nats-io/nats-server/v2/") }):
		return PartBroker
	case has(is("github.com/newsjet/newsjet/bench.rawMessage")):
		return PartPublish
	case has(is("runtime.gcBgMarkWorker")):
		return PartGC
	}
	return PartOther
}

// profileParts runs f under a CPU profile written to path, or to a temporary file
// when path is empty, and returns the profile's Parts.
func profileParts(path string, f func() error) (Parts, error) {
	if path == "" {
		dir, err := os.MkdirTemp("", "newsjet-pipeline-")
		if err != nil {
			return Parts{}, err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "cpu.prof")
	}
	out, err := os.Create(path)
	if err != nil {
		return Parts{}, err
	}
	defer out.Close()
	if err := pprof.StartCPUProfile(out); err != nil {
		return Parts{}, err
	}
	err = f()
	pprof.StopCPUProfile()
	if err != nil {
		return Parts{}, err
	}
	if _, err := out.Seek(0, io.SeekStart); err != nil {
		return Parts{}, err
	}
	return readParts(out)
}
