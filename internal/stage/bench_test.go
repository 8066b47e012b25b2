package stage

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsjet/newsjet/internal/natstest"
	"github.com/newsjet/newsjet/pkg/schema"
)

// benchInput publishes n distinct 1 KiB inputs asynchronously and waits for their acks.
func benchInput(b *testing.B, js jetstream.JetStream, n int) {
	b.Helper()
	payload := make([]byte, 1024)
	for i := range n {
		copy(payload, strconv.Itoa(i)+":")
		if _, err := js.PublishAsync("test.in.a", append([]byte(nil), payload...)); err != nil {
			b.Fatal(err)
		}
	}
	<-js.PublishAsyncComplete()
}

func benchWaitOut(b *testing.B, js jetstream.JetStream, n int) {
	b.Helper()
	ctx := context.Background()
	for {
		s, err := js.Stream(ctx, testOut.Name)
		if err == nil {
			info, err := s.Info(ctx)
			if err == nil && info.State.Msgs >= uint64(n) {
				return
			}
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkRuntime moves b.N messages through a stage whose handler republishes each
// input, at several concurrencies: publish with dedup id, wait for the stream ack, then
// double-ack the input.
func BenchmarkRuntime(b *testing.B) {
	for _, conc := range []int{1, 4} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			srv := natstest.Start(b)
			nc := natstest.Connect(b, srv)
			js, err := jetstream.New(nc)
			if err != nil {
				b.Fatal(err)
			}
			if err := ProvisionStreams(context.Background(), js, []schema.StreamSpec{testIn, testOut}, 1); err != nil {
				b.Fatal(err)
			}
			benchInput(b, js, b.N)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			b.ResetTimer()
			go func() {
				done <- Run(ctx, Config{Conn: nc, Concurrency: conc}, Service{
					Name: "bench", Consumer: testConsumer, Streams: []schema.StreamSpec{testIn, testOut},
					Setup: func(context.Context, Deps) (Handler, error) {
						return func(_ context.Context, m *Msg) ([]Output, error) {
							return []Output{{Subject: "test.out.a", MsgID: schema.ID(string(m.Data)), Data: m.Data}}, nil
						}, nil
					},
				}, nil)
			}()
			benchWaitOut(b, js, b.N)
			b.StopTimer()
			cancel()
			if err := <-done; err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkBaseline is the same work without the runtime: one callback that publishes
// each input with a dedup id, waits for the ack, and double-acks the input.
func BenchmarkBaseline(b *testing.B) {
	srv := natstest.Start(b)
	nc := natstest.Connect(b, srv)
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := ProvisionStreams(ctx, js, []schema.StreamSpec{testIn, testOut}, 1); err != nil {
		b.Fatal(err)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, testIn.Name, ConsumerConfig(testConsumer))
	if err != nil {
		b.Fatal(err)
	}
	benchInput(b, js, b.N)
	b.ResetTimer()
	cc, err := cons.Consume(func(jm jetstream.Msg) {
		out := nats.NewMsg("test.out.a")
		out.Data = jm.Data()
		out.Header.Set(schema.HeaderMsgID, schema.ID(string(jm.Data())))
		if _, err := js.PublishMsg(ctx, out); err != nil {
			_ = jm.Nak()
			return
		}
		_ = jm.DoubleAck(ctx)
	}, jetstream.PullMaxMessages(1))
	if err != nil {
		b.Fatal(err)
	}
	benchWaitOut(b, js, b.N)
	b.StopTimer()
	cc.Stop()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
