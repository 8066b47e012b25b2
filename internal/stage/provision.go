package stage

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsjet/newsjet/pkg/schema"
)

// StreamConfig maps a stream spec to JetStream's configuration: file storage, the
// spec's retention, age and duplicate window, and the given replica count.
func StreamConfig(spec schema.StreamSpec, replicas int) jetstream.StreamConfig {
	retention := jetstream.LimitsPolicy
	if spec.Retention == schema.WorkQueueRetention {
		retention = jetstream.WorkQueuePolicy
	}
	return jetstream.StreamConfig{
		Name:        spec.Name,
		Description: spec.Description,
		Subjects:    spec.Subjects,
		Retention:   retention,
		MaxAge:      spec.MaxAge,
		Duplicates:  spec.Duplicates,
		Storage:     jetstream.FileStorage,
		Replicas:    max(replicas, 1),
	}
}

// ConsumerConfig maps a consumer spec to a durable pull consumer with explicit
// acknowledgement that starts at the beginning of its stream.
func ConsumerConfig(spec schema.ConsumerSpec) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       spec.Durable,
		Description:   "newsjet stage " + spec.Durable,
		FilterSubject: spec.FilterSubject,
		AckPolicy:     jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckWait:       spec.AckWait,
		MaxDeliver:    spec.MaxDeliver,
		MaxAckPending: spec.MaxAckPending,
	}
}

// ProvisionStreams creates each stream, or updates it to its spec when it exists. It is
// idempotent and safe to run from many replicas at once. Changing a stream's retention
// is refused by the server and returned as an error.
func ProvisionStreams(ctx context.Context, js jetstream.StreamManager, specs []schema.StreamSpec, replicas int) error {
	for _, spec := range specs {
		if _, err := js.CreateOrUpdateStream(ctx, StreamConfig(spec, replicas)); err != nil {
			return fmt.Errorf("provisioning stream %s: %w", spec.Name, err)
		}
	}
	return nil
}

// bindConsumer creates or updates the durable consumer (provision) or looks it up, and
// returns it.
func bindConsumer(ctx context.Context, js jetstream.JetStream, spec schema.ConsumerSpec, provision bool) (jetstream.Consumer, error) {
	if provision {
		c, err := js.CreateOrUpdateConsumer(ctx, spec.Stream, ConsumerConfig(spec))
		if err != nil {
			return nil, fmt.Errorf("provisioning consumer %s on %s: %w", spec.Durable, spec.Stream, err)
		}
		return c, nil
	}
	c, err := js.Consumer(ctx, spec.Stream, spec.Durable)
	if err != nil {
		return nil, fmt.Errorf("binding consumer %s on %s (provisioning is off): %w", spec.Durable, spec.Stream, err)
	}
	return c, nil
}

// withDeadLetters returns specs with the dead-letter stream added when missing.
func withDeadLetters(specs []schema.StreamSpec) []schema.StreamSpec {
	for _, s := range specs {
		if s.Name == schema.DeadLetterStream.Name {
			return specs
		}
	}
	return append(append([]schema.StreamSpec(nil), specs...), schema.DeadLetterStream)
}
