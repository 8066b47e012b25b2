package jetstream

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	nackv1beta2 "github.com/nats-io/nack/pkg/jetstream/apis/jetstream/v1beta2"
	"sigs.k8s.io/yaml"

	"github.com/newsjet/newsjet/deploy/tools/crd"
	"github.com/newsjet/newsjet/deploy/tools/uncached"
	"github.com/newsjet/newsjet/pkg/schema"
)

const outDir = "../../jetstream"

// TestCommittedFilesMatchGenerator fails when deploy/jetstream was edited by hand or
// pkg/schema changed without `go generate` in deploy/tools.
func TestCommittedFilesMatchGenerator(t *testing.T) {
	files, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	for rel, want := range files {
		got, err := os.ReadFile(filepath.Join(outDir, rel))
		if err != nil {
			t.Fatalf("%v (run `go generate ./...` in deploy/tools)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("deploy/jetstream/%s differs from the generator's output: run `go generate ./...` in deploy/tools", rel)
		}
	}
	entries, err := filepath.Glob(filepath.Join(outDir, "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range entries {
		rel, _ := filepath.Rel(outDir, p)
		if _, ok := files[rel]; !ok {
			t.Errorf("deploy/jetstream/%s is not generated: remove it", rel)
		}
	}
}

// TestResourcesFollowSchema decodes the rendered YAML strictly and checks it against
// pkg/schema field by field, for every environment.
func TestResourcesFollowSchema(t *testing.T) {
	for _, env := range Envs {
		t.Run(env.Name, func(t *testing.T) {
			y, err := Render(env)
			if err != nil {
				t.Fatal(err)
			}
			streams := map[string]nackv1beta2.StreamSpec{}
			consumers := map[string]nackv1beta2.ConsumerSpec{}
			stores := 0
			for _, doc := range strings.Split(string(y), "\n---\n")[1:] {
				var tm struct{ Kind string }
				if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
					t.Fatal(err)
				}
				switch tm.Kind {
				case KindStream:
					var s nackv1beta2.Stream
					if err := yaml.UnmarshalStrict([]byte(doc), &s); err != nil {
						t.Fatal(err)
					}
					streams[s.Spec.Name] = s.Spec
				case KindConsumer:
					var c nackv1beta2.Consumer
					if err := yaml.UnmarshalStrict([]byte(doc), &c); err != nil {
						t.Fatal(err)
					}
					consumers[c.Spec.DurableName] = c.Spec
				case KindObjectStore:
					var o nackv1beta2.ObjectStore
					if err := yaml.UnmarshalStrict([]byte(doc), &o); err != nil {
						t.Fatal(err)
					}
					stores++
					if o.Spec.Bucket != schema.PageBucket || o.Spec.TTL != schema.PageBucketTTL.String() || o.Spec.Replicas != env.Replicas {
						t.Errorf("object store %+v does not follow schema.PageBucket in %s", o.Spec, env.Name)
					}
				default:
					t.Fatalf("unexpected kind %q", tm.Kind)
				}
			}
			if stores != 1 {
				t.Errorf("%d object stores, want 1", stores)
			}
			if len(streams) != len(schema.Streams()) {
				t.Errorf("%d streams, want %d", len(streams), len(schema.Streams()))
			}
			for _, spec := range schema.Streams() {
				s, ok := streams[spec.Name]
				if !ok {
					t.Errorf("stream %s missing", spec.Name)
					continue
				}
				if s.Retention != spec.Retention.String() || s.MaxAge != spec.MaxAge.String() ||
					s.DuplicateWindow != spec.Duplicates.String() || s.Replicas != env.Replicas ||
					s.Storage != "file" || strings.Join(s.Subjects, ",") != strings.Join(spec.Subjects, ",") ||
					s.PreventDelete != env.PreventDelete {
					t.Errorf("stream %s = %+v, does not follow %+v with %d replicas", spec.Name, s, spec, env.Replicas)
				}
			}
			for _, spec := range Consumers() {
				c, ok := consumers[spec.Durable]
				if !ok {
					t.Errorf("consumer %s missing", spec.Durable)
					continue
				}
				if c.StreamName != spec.Stream || c.FilterSubject != spec.FilterSubject ||
					c.AckWait != spec.AckWait.String() || c.MaxDeliver != spec.MaxDeliver ||
					c.MaxAckPending != spec.MaxAckPending || c.AckPolicy != "explicit" || c.DeliverPolicy != "all" {
					t.Errorf("consumer %s = %+v, does not follow %+v", spec.Durable, c, spec)
				}
				if _, ok := streams[c.StreamName]; !ok {
					t.Errorf("consumer %s reads stream %s, which is not generated", spec.Durable, c.StreamName)
				}
			}
		})
	}
}

func TestResourceName(t *testing.T) {
	for in, want := range map[string]string{"NEWS_RAW": "news-raw", "NEWS_RAW_cleaner": "news-raw-cleaner", "x": "x"} {
		if got := ResourceName(in); got != want {
			t.Errorf("ResourceName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMain(m *testing.M) { uncached.Main(m, "deploy/jetstream") }

// TestResourcesMatchNACKDefinitions validates every generated resource against the schema
// of NACK's own definitions at the pinned release, and checks that release is the NACK
// module whose Go types the generator uses.
func TestResourcesMatchNACKDefinitions(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", "github.com/nats-io/nack").Output()
	if err != nil {
		t.Fatal(err)
	}
	if v := strings.TrimSpace(string(out)); v != crd.NACKVersion {
		t.Errorf("the NACK types come from %s, the definitions from crd.NACKVersion %s", v, crd.NACKVersion)
	}
	defs, err := crd.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range Envs {
		objs, err := Resources(env)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			y, err := manifest(o)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := yaml.Unmarshal(y, &m); err != nil {
				t.Fatal(err)
			}
			if err := defs.Validate(m); err != nil {
				t.Errorf("%s: %v", env.Name, err)
			}
		}
	}
}
