package stage

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/segmentio/encoding/json"
	"go.uber.org/zap"

	"github.com/newsjet/newsjet/pkg/schema"
)

// errAbandoned is the dead-letter error of a message whose deliveries ran out without
// the stage settling it: every delivery ended in a crash, a lost connection or a stop.
var errAbandoned = errors.New("delivery limit reached without a result (the stage stopped, crashed or lost its connection on every delivery)")

// maxDeliveriesAdvisory is the part of the server's max-deliveries advisory we read.
type maxDeliveriesAdvisory struct {
	Stream     string `json:"stream"`
	Consumer   string `json:"consumer"`
	StreamSeq  uint64 `json:"stream_seq"`
	Deliveries uint64 `json:"deliveries"`
}

// watchAbandoned subscribes to the server's advisory for messages of the consumer that
// ran out of deliveries without being settled (the last delivery's handler never
// returned), reads each such message from its stream and dead-letters it with reason
// max_deliveries. Every replica receives the advisory; the dead letter's id makes the
// stream keep one copy.
func watchAbandoned(ctx context.Context, nc *nats.Conn, js jetstream.JetStream, w *worker, stream, consumer string) (*nats.Subscription, error) {
	subject := fmt.Sprintf("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.%s.%s", stream, consumer)
	sub, err := nc.Subscribe(subject, func(m *nats.Msg) {
		var adv maxDeliveriesAdvisory
		if err := json.Unmarshal(m.Data, &adv); err != nil || adv.Stream != stream || adv.StreamSeq == 0 {
			w.log.Warn("unreadable max-deliveries advisory", zap.ByteString("advisory", m.Data), zap.Error(err))
			return
		}
		w.abandoned(ctx, js, adv)
	})
	if err != nil {
		return nil, fmt.Errorf("subscribing to %s: %w", subject, err)
	}
	return sub, nil
}

// abandoned dead-letters the message an advisory names, unless it is gone.
func (w *worker) abandoned(ctx context.Context, js jetstream.JetStream, adv maxDeliveriesAdvisory) {
	log := w.log.With(zap.String("stream", adv.Stream), zap.Uint64("stream_seq", adv.StreamSeq), zap.Uint64("deliveries", adv.Deliveries))
	s, err := js.Stream(ctx, adv.Stream)
	if err != nil {
		log.Error("abandoned message not dead-lettered: stream lookup failed", zap.Error(err))
		return
	}
	raw, err := s.GetMsg(ctx, adv.StreamSeq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return
	}
	if err != nil {
		log.Error("abandoned message not dead-lettered: read failed", zap.Error(err))
		return
	}
	m := &Msg{
		Subject: raw.Subject, Header: raw.Header, Data: raw.Data, Deliveries: adv.Deliveries,
		Received: raw.Time, Stream: adv.Stream, StreamSeq: adv.StreamSeq,
	}
	if err := w.deadLetter(ctx, m, schema.ReasonMaxDeliveries, errAbandoned); err != nil {
		log.Error("abandoned message not dead-lettered", zap.Error(err))
		return
	}
	w.metrics.deadLettered.WithLabelValues(schema.ReasonMaxDeliveries).Inc()
	log.Warn("dead-lettered a message whose deliveries ran out", zap.String("reason", schema.ReasonMaxDeliveries))
}
