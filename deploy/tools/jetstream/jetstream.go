// Package jetstream generates NACK Stream, Consumer and ObjectStore resources from
// pkg/schema, through the same mapping the services use when they provision streams
// themselves (stage.StreamConfig, stage.ConsumerConfig). In a cluster the services run
// with provisioning off and NACK applies these resources, so the stream layout has one
// source of truth: pkg/schema.
//
// The generated files live in deploy/jetstream/<env>/; regenerate them with
// `go generate ./...` in deploy/tools (or `go run ./cmd/genjetstream`).
package jetstream

//go:generate go run ../cmd/genjetstream -out ../../jetstream

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	nackv1beta2 "github.com/nats-io/nack/pkg/jetstream/apis/jetstream/v1beta2"
	"github.com/nats-io/nats.go/jetstream"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
)

// ErrUnmapped is returned when a JetStream setting has no NACK spelling here.
var ErrUnmapped = errors.New("jetstream: setting has no NACK mapping")

// Env is one deployment environment's JetStream settings.
type Env struct {
	// Name names the directory deploy/jetstream/<Name>.
	Name string
	// Replicas is the replica count of every stream and the object store.
	Replicas int
	// PreventDelete keeps streams and their messages when a resource is deleted.
	PreventDelete bool
}

// Envs are the environments the overlays use: one replica in dev, three (surviving one
// lost server) in prod, where deleting a resource must never delete its messages.
var Envs = []Env{
	{Name: "dev", Replicas: 1},
	{Name: "prod", Replicas: 3, PreventDelete: true},
}

// Consumers are the stages' durable consumers, in pipeline order.
func Consumers() []schema.ConsumerSpec {
	return []schema.ConsumerSpec{schema.FetcherConsumer, schema.CleanerConsumer, schema.ExtractorConsumer, schema.SinkConsumer}
}

// ResourceName turns a JetStream name (NEWS_RAW) into a Kubernetes object name
// (news-raw).
func ResourceName(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, "_", "-"))
}

// Kinds of the NACK resources the generator writes.
const (
	KindStream      = "Stream"
	KindConsumer    = "Consumer"
	KindObjectStore = "ObjectStore"
)

func typeMeta(kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: nackv1beta2.SchemeGroupVersion.String(), Kind: kind}
}

// Resources returns env's streams, consumers and page object store, in that order, as
// NACK's own types (*nackv1beta2.Stream, *nackv1beta2.Consumer, *nackv1beta2.ObjectStore).
func Resources(env Env) ([]any, error) {
	var out []any
	for _, spec := range schema.Streams() {
		s, err := stream(stage.StreamConfig(spec, env.Replicas), env)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	for _, spec := range Consumers() {
		c, err := consumer(spec.Stream, stage.ConsumerConfig(spec), env)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	out = append(out, &nackv1beta2.ObjectStore{
		TypeMeta:   typeMeta(KindObjectStore),
		ObjectMeta: meta(schema.PageBucket),
		Spec: nackv1beta2.ObjectStoreSpec{
			Bucket:           schema.PageBucket,
			Description:      "Page bodies too large for one message (claim checks), kept as long as raw pages.",
			TTL:              schema.PageBucketTTL.String(),
			Storage:          "file",
			Replicas:         env.Replicas,
			BaseStreamConfig: nackv1beta2.BaseStreamConfig{PreventDelete: env.PreventDelete},
		},
	})
	return out, nil
}

func meta(jsName string) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name: ResourceName(jsName),
		Labels: map[string]string{
			"app.kubernetes.io/part-of":    "newsjet",
			"app.kubernetes.io/component":  "jetstream",
			"app.kubernetes.io/managed-by": "genjetstream",
		},
	}
}

func stream(c jetstream.StreamConfig, env Env) (*nackv1beta2.Stream, error) {
	var retention string
	switch c.Retention {
	case jetstream.LimitsPolicy:
		retention = "limits"
	case jetstream.WorkQueuePolicy:
		retention = "workqueue"
	case jetstream.InterestPolicy:
		retention = "interest"
	default:
		return nil, fmt.Errorf("%w: stream %s retention %v", ErrUnmapped, c.Name, c.Retention)
	}
	storage, err := storageName(c.Storage)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", c.Name, err)
	}
	discard := "old"
	if c.Discard == jetstream.DiscardNew {
		discard = "new"
	}
	return &nackv1beta2.Stream{
		TypeMeta:   typeMeta(KindStream),
		ObjectMeta: meta(c.Name),
		Spec: nackv1beta2.StreamSpec{
			Name:             c.Name,
			Description:      c.Description,
			Subjects:         c.Subjects,
			Retention:        retention,
			Storage:          storage,
			Replicas:         c.Replicas,
			MaxAge:           c.MaxAge.String(),
			DuplicateWindow:  c.Duplicates.String(),
			Discard:          discard,
			MaxBytes:         int(c.MaxBytes),
			MaxMsgSize:       int(c.MaxMsgSize),
			BaseStreamConfig: nackv1beta2.BaseStreamConfig{PreventDelete: env.PreventDelete},
		},
	}, nil
}

func storageName(s jetstream.StorageType) (string, error) {
	switch s {
	case jetstream.FileStorage:
		return "file", nil
	case jetstream.MemoryStorage:
		return "memory", nil
	}
	return "", fmt.Errorf("%w: storage %v", ErrUnmapped, s)
}

func consumer(streamName string, c jetstream.ConsumerConfig, env Env) (*nackv1beta2.Consumer, error) {
	var deliver string
	switch c.DeliverPolicy {
	case jetstream.DeliverAllPolicy:
		deliver = "all"
	case jetstream.DeliverNewPolicy:
		deliver = "new"
	case jetstream.DeliverLastPolicy:
		deliver = "last"
	default:
		return nil, fmt.Errorf("%w: consumer %s deliver policy %v", ErrUnmapped, c.Durable, c.DeliverPolicy)
	}
	var ack string
	switch c.AckPolicy {
	case jetstream.AckExplicitPolicy:
		ack = "explicit"
	case jetstream.AckAllPolicy:
		ack = "all"
	case jetstream.AckNonePolicy:
		ack = "none"
	default:
		return nil, fmt.Errorf("%w: consumer %s ack policy %v", ErrUnmapped, c.Durable, c.AckPolicy)
	}
	var backoff []string
	for _, d := range c.BackOff {
		backoff = append(backoff, d.String())
	}
	ackWait := ""
	if c.AckWait > 0 {
		ackWait = c.AckWait.String()
	}
	cons := &nackv1beta2.Consumer{
		TypeMeta:   typeMeta(KindConsumer),
		ObjectMeta: meta(streamName + "_" + c.Durable),
		Spec: nackv1beta2.ConsumerSpec{
			StreamName:       streamName,
			DurableName:      c.Durable,
			Description:      c.Description,
			DeliverPolicy:    deliver,
			AckPolicy:        ack,
			AckWait:          ackWait,
			MaxDeliver:       c.MaxDeliver,
			MaxAckPending:    c.MaxAckPending,
			FilterSubject:    c.FilterSubject,
			BackOff:          backoff,
			Replicas:         c.Replicas,
			BaseStreamConfig: nackv1beta2.BaseStreamConfig{PreventDelete: env.PreventDelete},
		},
	}
	return cons, nil
}

// header starts every generated file.
const header = "# Code generated by deploy/tools/cmd/genjetstream from pkg/schema. DO NOT EDIT.\n"

// manifest serializes a NACK resource for a manifest: NACK's types always carry a status,
// which belongs to the controller, so it is left out.
func manifest(obj any) ([]byte, error) {
	j, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(j, &m); err != nil {
		return nil, err
	}
	delete(m, "status")
	return yaml.Marshal(m)
}

// Render returns env's resources as one multi-document YAML file.
func Render(env Env) ([]byte, error) {
	objs, err := Resources(env)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(header)
	for _, o := range objs {
		y, err := manifest(o)
		if err != nil {
			return nil, fmt.Errorf("rendering %s: %w", env.Name, err)
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	return b.Bytes(), nil
}

// Kustomization is the kustomization.yaml beside each generated file.
func Kustomization() []byte {
	return []byte(header + "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - jetstream.yaml\n")
}

// Files returns every generated file keyed by its path relative to the output
// directory (deploy/jetstream).
func Files() (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, env := range Envs {
		y, err := Render(env)
		if err != nil {
			return nil, err
		}
		files[filepath.Join(env.Name, "jetstream.yaml")] = y
		files[filepath.Join(env.Name, "kustomization.yaml")] = Kustomization()
	}
	return files, nil
}

// Write writes every generated file under dir.
func Write(dir string) error {
	files, err := Files()
	if err != nil {
		return err
	}
	for rel, data := range files {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("writing %s: %w", p, err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", p, err)
		}
	}
	return nil
}
