package jetstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	nackv1beta2 "github.com/nats-io/nack/pkg/jetstream/apis/jetstream/v1beta2"
	"github.com/nats-io/nats.go/jetstream"
	"sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// ErrResource is wrapped by Load and Apply errors about a resource's content.
var ErrResource = errors.New("jetstream: bad NACK resource")

// Load reads a generated file (deploy/jetstream/<env>/jetstream.yaml) and decodes each
// document strictly into NACK's *Stream, *Consumer or *ObjectStore. A file
// declaring none of them is an error.
func Load(path string) ([]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("loading NACK resources: %w", err)
	}
	var out []any
	for i, doc := range bytes.Split(data, []byte("\n---\n")) {
		j, err := yaml.YAMLToJSONStrict(doc)
		if err != nil {
			return nil, fmt.Errorf("%w: %s document %d: %v", ErrResource, path, i, err)
		}
		var head struct {
			Kind string `json:"kind"`
		}
		if err := json.UnmarshalCaseSensitivePreserveInts(j, &head); err != nil {
			return nil, fmt.Errorf("%w: %s document %d: %v", ErrResource, path, i, err)
		}
		var obj any
		switch head.Kind {
		case "":
			continue // the header comment
		case KindStream:
			obj = new(nackv1beta2.Stream)
		case KindConsumer:
			obj = new(nackv1beta2.Consumer)
		case KindObjectStore:
			obj = new(nackv1beta2.ObjectStore)
		default:
			return nil, fmt.Errorf("%w: %s document %d: kind %q", ErrResource, path, i, head.Kind)
		}
		strict, err := json.UnmarshalStrict(j, obj, json.DisallowDuplicateFields, json.DisallowUnknownFields)
		if err == nil {
			err = errors.Join(strict...)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s document %d: %v", ErrResource, path, i, err)
		}
		out = append(out, obj)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s declares nothing", ErrResource, path)
	}
	return out, nil
}

// Apply creates or updates the JetStream assets the resources declare, as the NACK
// controller would: streams first, then consumers and object stores. It lets a test (or
// a cluster without NACK) run from exactly the resources a cluster gets.
func Apply(ctx context.Context, js jetstream.JetStream, resources []any) error {
	var later []any
	for _, r := range resources {
		s, ok := r.(*nackv1beta2.Stream)
		if !ok {
			later = append(later, r)
			continue
		}
		cfg, err := StreamConfigOf(s.Spec)
		if err != nil {
			return err
		}
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("applying stream %s: %w", cfg.Name, err)
		}
	}
	for _, r := range later {
		switch t := r.(type) {
		case *nackv1beta2.Consumer:
			cfg, err := ConsumerConfigOf(t.Spec)
			if err != nil {
				return err
			}
			if _, err := js.CreateOrUpdateConsumer(ctx, t.Spec.StreamName, cfg); err != nil {
				return fmt.Errorf("applying consumer %s on %s: %w", cfg.Durable, t.Spec.StreamName, err)
			}
		case *nackv1beta2.ObjectStore:
			ttl, err := duration(t.Spec.TTL)
			if err != nil {
				return fmt.Errorf("object store %s: %w", t.Spec.Bucket, err)
			}
			storage, err := storageType(t.Spec.Storage)
			if err != nil {
				return fmt.Errorf("object store %s: %w", t.Spec.Bucket, err)
			}
			if _, err := js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
				Bucket: t.Spec.Bucket, Description: t.Spec.Description, TTL: ttl,
				Storage: storage, Replicas: t.Spec.Replicas, MaxBytes: int64(t.Spec.MaxBytes),
			}); err != nil {
				return fmt.Errorf("applying object store %s: %w", t.Spec.Bucket, err)
			}
		default:
			return fmt.Errorf("%w: unexpected %T", ErrResource, r)
		}
	}
	return nil
}

func duration(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%w: duration %q: %v", ErrResource, s, err)
	}
	return d, nil
}

func storageType(s string) (jetstream.StorageType, error) {
	switch s {
	case "file", "":
		return jetstream.FileStorage, nil
	case "memory":
		return jetstream.MemoryStorage, nil
	}
	return 0, fmt.Errorf("%w: storage %q", ErrResource, s)
}

// StreamConfigOf maps a NACK stream spec back to JetStream's configuration.
func StreamConfigOf(s nackv1beta2.StreamSpec) (jetstream.StreamConfig, error) {
	cfg := jetstream.StreamConfig{
		Name: s.Name, Description: s.Description, Subjects: s.Subjects, Replicas: s.Replicas,
		MaxBytes: int64(s.MaxBytes), MaxMsgSize: int32(s.MaxMsgSize),
	}
	switch s.Retention {
	case "limits", "":
		cfg.Retention = jetstream.LimitsPolicy
	case "workqueue":
		cfg.Retention = jetstream.WorkQueuePolicy
	case "interest":
		cfg.Retention = jetstream.InterestPolicy
	default:
		return cfg, fmt.Errorf("%w: stream %s retention %q", ErrResource, s.Name, s.Retention)
	}
	if s.Discard == "new" {
		cfg.Discard = jetstream.DiscardNew
	}
	var err error
	if cfg.Storage, err = storageType(s.Storage); err != nil {
		return cfg, fmt.Errorf("stream %s: %w", s.Name, err)
	}
	if cfg.MaxAge, err = duration(s.MaxAge); err != nil {
		return cfg, fmt.Errorf("stream %s: %w", s.Name, err)
	}
	if cfg.Duplicates, err = duration(s.DuplicateWindow); err != nil {
		return cfg, fmt.Errorf("stream %s: %w", s.Name, err)
	}
	return cfg, nil
}

// ConsumerConfigOf maps a NACK consumer spec back to JetStream's configuration.
func ConsumerConfigOf(c nackv1beta2.ConsumerSpec) (jetstream.ConsumerConfig, error) {
	cfg := jetstream.ConsumerConfig{
		Durable: c.DurableName, Description: c.Description, FilterSubject: c.FilterSubject,
		MaxDeliver: c.MaxDeliver, MaxAckPending: c.MaxAckPending, Replicas: c.Replicas,
	}
	switch c.DeliverPolicy {
	case "all", "":
		cfg.DeliverPolicy = jetstream.DeliverAllPolicy
	case "new":
		cfg.DeliverPolicy = jetstream.DeliverNewPolicy
	case "last":
		cfg.DeliverPolicy = jetstream.DeliverLastPolicy
	default:
		return cfg, fmt.Errorf("%w: consumer %s deliver policy %q", ErrResource, c.DurableName, c.DeliverPolicy)
	}
	switch c.AckPolicy {
	case "explicit", "":
		cfg.AckPolicy = jetstream.AckExplicitPolicy
	case "all":
		cfg.AckPolicy = jetstream.AckAllPolicy
	case "none":
		cfg.AckPolicy = jetstream.AckNonePolicy
	default:
		return cfg, fmt.Errorf("%w: consumer %s ack policy %q", ErrResource, c.DurableName, c.AckPolicy)
	}
	var err error
	if cfg.AckWait, err = duration(c.AckWait); err != nil {
		return cfg, fmt.Errorf("consumer %s: %w", c.DurableName, err)
	}
	for _, b := range c.BackOff {
		d, err := duration(b)
		if err != nil {
			return cfg, fmt.Errorf("consumer %s: %w", c.DurableName, err)
		}
		cfg.BackOff = append(cfg.BackOff, d)
	}
	return cfg, nil
}
