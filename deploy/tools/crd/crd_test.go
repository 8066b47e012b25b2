package crd

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"sigs.k8s.io/yaml"
)

var loadSet = sync.OnceValues(func() (*Set, error) { return Load(context.Background()) })

func set(t *testing.T) *Set {
	t.Helper()
	s, err := loadSet()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func object(t *testing.T, y string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(y), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestLoadFindsEveryKindTheManifestsUse(t *testing.T) {
	s := set(t)
	for _, k := range []string{
		"jetstream.nats.io/v1beta2/Stream", "jetstream.nats.io/v1beta2/Consumer", "jetstream.nats.io/v1beta2/ObjectStore",
		"keda.sh/v1alpha1/ScaledObject", "monitoring.coreos.com/v1/ServiceMonitor", "monitoring.coreos.com/v1/PodMonitor",
	} {
		i := strings.LastIndexByte(k, '/')
		if !s.Has(k[:i], k[i+1:]) {
			t.Errorf("no definition serves %s", k)
		}
	}
	if s.Has("keda.sh/v1alpha1", "Stream") {
		t.Error("Has mixes groups and kinds")
	}
}

// TestValidate feeds hand-made objects to the vendors' schemas and expects each problem to
// be named by its field path.
func TestValidate(t *testing.T) {
	const stream = "apiVersion: jetstream.nats.io/v1beta2\nkind: Stream\nmetadata: {name: s}\n"
	const scaled = "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: s}\n"
	cases := []struct {
		name, yaml string
		want       []string // substrings of the error; none: valid
	}{
		{"valid stream", stream + "spec: {name: S, subjects: [a.>], retention: workqueue, storage: file, replicas: 3}\n", nil},
		{"enum", stream + "spec: {name: S, retention: work-queue}\n", []string{"spec.retention", "should be one of"}},
		{"unknown spec field", stream + "spec: {name: S, maxage: 1h}\n", []string{"spec.maxage: unknown field"}},
		{"unknown top-level field", stream + "spec: {name: S}\nspecs: {}\n", []string{"specs: unknown field"}},
		{"wrong type", stream + "spec: {name: S, replicas: three}\n", []string{"spec.replicas"}},
		{"valid scaled object", scaled + "spec:\n  scaleTargetRef: {name: fetcher}\n  maxReplicaCount: 8\n  triggers: [{type: nats-jetstream, metadata: {stream: S}}]\n", nil},
		{"unknown field in a list item", scaled + "spec:\n  scaleTargetRef: {name: fetcher}\n  triggers: [{type: cpu, metdata: {}}]\n", []string{"spec.triggers[0].metdata: unknown field"}},
		{"missing required field", scaled + "spec:\n  triggers: [{type: cpu}]\n", []string{"scaleTargetRef"}},
		{"free-form map keeps any key", scaled + "spec:\n  scaleTargetRef: {name: f}\n  triggers: [{type: cpu, metadata: {anything: x}}]\n", nil},
	}
	s := set(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := s.Validate(object(t, c.yaml))
			if len(c.want) == 0 {
				if err != nil {
					t.Errorf("Validate = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Validate = %v, want ErrInvalid", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	if err := s.Validate(object(t, "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n")); !errors.Is(err, ErrUnknown) {
		t.Errorf("Validate(unknown kind) = %v, want ErrUnknown", err)
	}
}

func TestTriggerMetadataReadsKEDASource(t *testing.T) {
	keys, err := TriggerMetadata(context.Background(), "nats-jetstream")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"natsServerMonitoringEndpoint": true, "stream": true, "consumer": true,
		"account": false, "lagThreshold": false, "activationLagThreshold": false, "useHttps": false,
	}
	for k, required := range want {
		got, ok := keys[k]
		if !ok || got != required {
			t.Errorf("key %s: listed %v, required %v; want listed, required %v", k, ok, got, required)
		}
	}
	if _, err := TriggerMetadata(context.Background(), "kafka"); !errors.Is(err, ErrUnknown) {
		t.Errorf("TriggerMetadata(kafka) = %v, want ErrUnknown", err)
	}
}
