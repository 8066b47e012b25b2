package jetstream

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	nackv1beta2 "github.com/nats-io/nack/pkg/jetstream/apis/jetstream/v1beta2"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsjet/newsjet/internal/natstest"
	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
)

// TestApplyMatchesServiceProvisioning applies the committed dev resources to an
// in-process JetStream and checks that the server ends up with the configuration the
// services would provision themselves (stage.StreamConfig, stage.ConsumerConfig).
func TestApplyMatchesServiceProvisioning(t *testing.T) {
	objs, err := Load(filepath.Join(outDir, "dev", "jetstream.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(natstest.Connect(t, natstest.Start(t)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for range 2 { // idempotent, as a controller re-applies
		if err := Apply(ctx, js, objs); err != nil {
			t.Fatal(err)
		}
	}
	for _, spec := range schema.Streams() {
		s, err := js.Stream(ctx, spec.Name)
		if err != nil {
			t.Fatal(err)
		}
		got, want := s.CachedInfo().Config, stage.StreamConfig(spec, 1)
		if got.Retention != want.Retention || got.MaxAge != want.MaxAge || got.Duplicates != want.Duplicates ||
			got.Storage != want.Storage || got.Replicas != want.Replicas || !slices.Equal(got.Subjects, want.Subjects) ||
			got.Description != want.Description {
			t.Errorf("stream %s: server has %+v, services provision %+v", spec.Name, got, want)
		}
	}
	for _, spec := range Consumers() {
		c, err := js.Consumer(ctx, spec.Stream, spec.Durable)
		if err != nil {
			t.Fatal(err)
		}
		got, want := c.CachedInfo().Config, stage.ConsumerConfig(spec)
		if got.AckWait != want.AckWait || got.MaxDeliver != want.MaxDeliver || got.MaxAckPending != want.MaxAckPending ||
			got.FilterSubject != want.FilterSubject || got.AckPolicy != want.AckPolicy || got.DeliverPolicy != want.DeliverPolicy {
			t.Errorf("consumer %s: server has %+v, services provision %+v", spec.Durable, got, want)
		}
	}
	store, err := js.ObjectStore(ctx, schema.PageBucket)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.TTL() != schema.PageBucketTTL {
		t.Errorf("page bucket TTL %v, want %v", st.TTL(), schema.PageBucketTTL)
	}
}

func TestLoadAndApplyRefuseBadResources(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for name, body := range map[string]string{
		"unknown-field.yaml": "apiVersion: jetstream.nats.io/v1beta2\nkind: Stream\nmetadata: {name: s}\nspec: {name: S, subjects: [a], retention: limits, storage: file, replicas: 1, maxage: 1h}\n",
		"unknown-kind.yaml":  "apiVersion: jetstream.nats.io/v1beta2\nkind: KeyValue\nmetadata: {name: s}\nspec: {}\n",
		"empty.yaml":         "# nothing here\n",
	} {
		if _, err := Load(write(name, body)); !errors.Is(err, ErrResource) {
			t.Errorf("Load(%s) = %v, want ErrResource", name, err)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want os.ErrNotExist", err)
	}
	for _, spec := range []nackv1beta2.StreamSpec{
		{Name: "S", Retention: "forever"},
		{Name: "S", Storage: "tape"},
		{Name: "S", MaxAge: "a week"},
	} {
		if _, err := StreamConfigOf(spec); !errors.Is(err, ErrResource) {
			t.Errorf("StreamConfigOf(%+v) = %v, want ErrResource", spec, err)
		}
	}
	for _, spec := range []nackv1beta2.ConsumerSpec{
		{DurableName: "c", AckPolicy: "sometimes"},
		{DurableName: "c", DeliverPolicy: "byStartTime"},
		{DurableName: "c", AckWait: "soon"},
		{DurableName: "c", BackOff: []string{"1s", "x"}},
	} {
		if _, err := ConsumerConfigOf(spec); !errors.Is(err, ErrResource) {
			t.Errorf("ConsumerConfigOf(%+v) = %v, want ErrResource", spec, err)
		}
	}
}
