// Package stage is the service runtime every newsjet stage shares: configuration,
// connecting to NATS, provisioning streams and the durable consumer, the consume loop
// with acknowledgement, retries and dead letters, health and metrics endpoints, and the
// graceful stop. A stage only supplies a Service whose Handler is a function of
// (ctx, input message) -> (output messages, error).
//
// # A stage's main
//
//	func main() { stage.Main(cleaner.Service(stage.Version), nil) }
//
// Version is the one version of every binary of a commit, set at build time (see
// Version).
//
// Main parses flags and NEWSJET_* environment variables (see Config.RegisterFlags),
// handles --version, logs JSON to stderr with zap, and runs until SIGINT/SIGTERM.
// Package stagetest runs stages in tests against natstest's in-process server.
// Embedded mode calls Run directly with an open connection (Config.Conn), no HTTP
// server (Config.HTTPAddr ""), and one shared Metrics for all stages.
//
// # Delivery guarantees
//
// Every replica of a stage binds to the same durable pull consumer and shares its
// messages; each replica handles up to Config.Concurrency at once. For each delivery:
//
//   - The handler returns outputs: each is published with Nats-Msg-Id (the output's
//     content id scoped to the input message: DeliveryMsgID) and Newsjet-Schema
//     headers, the runtime waits for the stream's acknowledgement of every one, and
//     only then acknowledges the input (a double ack, confirmed by the server). A crash
//     at any point loses nothing: the input is redelivered, and its outputs, published
//     again under the same ids, are dropped by the stream's duplicate window. The same
//     content arriving in another input message is published again.
//   - The handler returns a permanent error (Permanent, or a schema decoding error:
//     see ReasonOf): a schema.DeadLetter carrying the stage, reason, error, deliveries,
//     original subject, stream sequence, headers and payload is published to
//     schema.DeadSubject(stage), then the input is terminated (TermWithReason).
//   - The handler returns an error wrapping ErrUnavailable (a dependency is down,
//     see Unavailable): the stage pauses. It stops pulling, /readyz answers 503 with
//     the reason, the messages it holds keep signalling progress, Service.Ready is
//     polled with back-off, and once it passes pulling resumes and the held messages
//     are handled again: an outage of any length uses up no delivery.
//   - The handler returns any other error: the input is redelivered after
//     Config.RetryBackoff, doubling per delivery up to Config.RetryBackoffMax
//     (NakWithDelay). When the consumer's MaxDeliver-th delivery fails too, the input is
//     dead-lettered with reason schema.ReasonMaxDeliveries.
//   - A handler that panics is dead-lettered with ReasonPanic; an output that exceeds
//     the server's max payload with ReasonTooLarge. A dead letter whose payload would
//     not fit is truncated, and its error says where the original is.
//   - A message whose last delivery never settles (its replica crashed or was stopped
//     mid-work) is dead-lettered with reason schema.ReasonMaxDeliveries by any live
//     replica, which hears of it from the server's max-deliveries advisory.
//
// While a handler runs, the runtime tells the server every AckWait/2 that the message
// is in progress, so slow work is not redelivered to another replica; InProgress does
// the same on demand. Config.HandlerTimeout bounds one call.
//
// Dead letters are identified by the failed message (schema.DeadLetterID of stage,
// stream and sequence): every failed message is kept once, however many share a
// payload, and a redelivered one once.
//
// # Starting
//
// Connecting is retried until it succeeds; so are provisioning, binding the consumer
// (with provisioning off: until it is declared) and a Setup that reports an
// unavailable dependency, with back-off from 500ms to 5s, the error on /readyz and in
// the log. Only a configuration error ends the start.
//
// # Health and metrics
//
// With Config.HTTPAddr set, Run serves GET /healthz (liveness, with stage and version),
// GET /readyz (200 only when connected, started, not paused, the consumer is bound, and
// Service.Ready passes; 503 with the reason otherwise) and GET /metrics (see Metrics), plus the service's own Routes, on a mux of
// its own.
//
// # Stopping
//
// When Run's context ends it stops pulling, lets delivered messages finish
// (ConsumeContext.Drain, then Closed), and returns within Config.DrainTimeout; work
// still running then is cancelled and handed back for redelivery.
package stage
