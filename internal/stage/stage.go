package stage

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/newsjet/newsjet/pkg/schema"
)

// Msg is one delivered input message, as the handler sees it.
type Msg struct {
	Subject string
	// Header holds the message headers (nil when there are none). Treat it as read-only.
	Header map[string][]string
	Data   []byte
	// Deliveries counts deliveries of this message: 1 on the first.
	Deliveries uint64
	// Received is the time the stream stored the message.
	Received time.Time
	// Stream and StreamSeq locate the message in its stream.
	Stream    string
	StreamSeq uint64
}

// Output is one message a handler wants published. The runtime publishes it with the
// headers Nats-Msg-Id = DeliveryMsgID(MsgID, input stream, input sequence) and
// Newsjet-Schema = Schema, waits for the stream's acknowledgement, and acknowledges the
// input only when every output of the input was acknowledged. Subject and MsgID are
// required; MsgID must be derived from the output's content (see schema.ID), so a
// redelivered input publishes nothing new, while the same content coming again in
// another input message (a page republished, a site reverting an edit) is published
// again.
type Output struct {
	Subject string
	Schema  string
	MsgID   string
	Data    []byte
	// Header holds extra headers, optional. Nats-Msg-Id and Newsjet-Schema are set by
	// the runtime and override any given here.
	Header map[string][]string
	// ContentScoped publishes MsgID itself as Nats-Msg-Id: the same output made from
	// any input within the stream's duplicate window is kept once (a link that several
	// feeds list).
	ContentScoped bool
}

// DeliveryMsgID is the Nats-Msg-Id of an output with content id msgID made from the
// input message at sequence seq of stream: the same for every delivery of that input,
// different for another input message carrying the same content.
func DeliveryMsgID(msgID, stream string, seq uint64) string {
	return schema.ID(msgID, stream, strconv.FormatUint(seq, 10))
}

// Handler turns one input into outputs; it must be safe for concurrent use.
//
// A nil error publishes the outputs, then acknowledges the input. A permanent error (see
// Permanent and ReasonOf) publishes a schema.DeadLetter to schema.DeadSubject(stage) and
// terminates the input. An error wrapping ErrUnavailable (see Unavailable) pauses the
// stage, and the input is handled again once the dependency is back, with no delivery
// used up. Any other error is transient: the input is redelivered after an exponential
// back-off, and when its last allowed delivery fails too it is dead-lettered with reason
// schema.ReasonMaxDeliveries.
type Handler func(ctx context.Context, m *Msg) ([]Output, error)

// Deps are what a stage may use once connected.
type Deps struct {
	Conn *nats.Conn
	JS   jetstream.JetStream
	Log  *zap.Logger
	// Registry takes the stage's own metrics: it is Config.Metrics' registry, served
	// on /metrics beside the runtime's series. Stages sharing one Metrics share it, so
	// a stage registering a collector twice gets prometheus.AlreadyRegisteredError.
	Registry prometheus.Registerer
	// Provision is false when provisioning is off (Config.NoProvision): what the stage
	// needs besides its streams (buckets) must then exist already, and the stage waits
	// for it rather than creating it.
	Provision bool
}

// MaxPayload returns the largest message the server accepts, headers included, in
// bytes (the server's max_payload, 1 MiB by default).
func (d Deps) MaxPayload() int64 { return d.Conn.MaxPayload() }

// Service describes one stage.
type Service struct {
	// Name is the stage's name: it labels logs and metrics and names the dead-letter
	// subject (schema.DeadSubject(Name)).
	Name    string
	Version string
	// Consumer is the durable pull consumer the stage reads from.
	Consumer schema.ConsumerSpec
	// Streams are created or updated at start unless provisioning is off. The
	// dead-letter stream is always added.
	Streams []schema.StreamSpec
	// Setup builds the handler once connected. Required. An error wrapping
	// ErrUnavailable (see Unavailable: a database or bucket not there yet) is retried
	// with back-off, the stage not ready meanwhile; any other error ends Run.
	Setup func(ctx context.Context, d Deps) (Handler, error)
	// Ready is an optional extra readiness check for /readyz (e.g. a database ping).
	// While the stage is paused by an Unavailable error, the runtime polls it to learn
	// when the dependency is back.
	Ready func(ctx context.Context) error
	// Routes optionally adds HTTP routes to the health/metrics server.
	Routes func(mux *http.ServeMux)
	// Close is optional, called once after the consumer drained.
	Close func() error
}

// ErrPermanent marks an error not worth retrying. Errors made by Permanent wrap it.
var ErrPermanent = errors.New("permanent failure")

// Reasons the runtime itself gives dead letters, besides the schema.Reason* codes.
const (
	// ReasonPanic: the handler panicked on the message.
	ReasonPanic = "panic"
	// ReasonTooLarge: an output (or the message itself) exceeds the server's max payload.
	ReasonTooLarge = "too_large"
	// ReasonBadOutput: the handler returned an output without subject or message id.
	ReasonBadOutput = "bad_output"
)

// ErrUnavailable marks an error of a dependency the stage needs (a database, a bucket),
// not of the message. Errors made by Unavailable wrap it.
var ErrUnavailable = errors.New("dependency unavailable")

// Unavailable marks err as the failure of a dependency, not of the message. Returned by
// a handler, it pauses the stage instead of failing the message: the runtime stops
// pulling messages, reports not ready with err as the reason, keeps the messages it
// holds (signalling progress, so their deliveries are not used up), polls
// Service.Ready with back-off (without Ready: waits the back-off), then resumes and
// hands the held messages to the handler again. Returned by Setup, it makes the
// runtime retry Setup with back-off. A nil err gives nil.
func Unavailable(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

type permanentError struct {
	reason string
	err    error
}

func (e *permanentError) Error() string {
	if e.err == nil {
		return e.reason
	}
	return e.err.Error()
}

func (e *permanentError) Unwrap() []error { return []error{ErrPermanent, e.err} }

// Permanent marks err as not worth retrying: the message goes to dead letters with the
// given reason, one of the schema.Reason* codes or another short snake_case code. err
// stays reachable with errors.Is/As; a nil err gives an error whose text is the reason.
func Permanent(reason string, err error) error {
	return &permanentError{reason: reason, err: err}
}

// ReasonOf reports whether err is permanent and with which dead-letter reason: an error
// made by Permanent gives its reason; one wrapping schema.ErrMalformed or
// schema.ErrWrongType gives schema.ReasonMalformed, schema.ErrUnknownVersion gives
// schema.ReasonUnknownVersion, schema.ErrInvalid gives schema.ReasonInvalid. Any other
// error (nil included) is transient: "", false.
func ReasonOf(err error) (string, bool) {
	if err == nil {
		return "", false
	}
	var pe *permanentError
	switch {
	case errors.As(err, &pe):
		return pe.reason, true
	case errors.Is(err, schema.ErrMalformed), errors.Is(err, schema.ErrWrongType):
		return schema.ReasonMalformed, true
	case errors.Is(err, schema.ErrUnknownVersion):
		return schema.ReasonUnknownVersion, true
	case errors.Is(err, schema.ErrInvalid):
		return schema.ReasonInvalid, true
	}
	return "", false
}

type progressKey struct{}

// InProgress tells the broker that the handler is still working on the message being
// handled under ctx, which resets its AckWait. The runtime also does so by itself every
// AckWait/2 while a handler runs, so calling it is only needed to be explicit. Outside a
// handler it does nothing.
func InProgress(ctx context.Context) {
	if f, ok := ctx.Value(progressKey{}).(func()); ok {
		f()
	}
}

func withProgress(ctx context.Context, f func()) context.Context {
	return context.WithValue(ctx, progressKey{}, f)
}

func (s *Service) validate() error {
	switch {
	case s.Name == "":
		return fmt.Errorf("%w: service has no name", ErrConfig)
	case s.Setup == nil:
		return fmt.Errorf("%w: service %s has no Setup", ErrConfig, s.Name)
	case s.Consumer.Durable == "" || s.Consumer.Stream == "":
		return fmt.Errorf("%w: service %s has no consumer durable or stream", ErrConfig, s.Name)
	}
	return nil
}
