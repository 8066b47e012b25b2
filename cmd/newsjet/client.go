package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsjet/newsjet/internal/stage"
)

// clientFlags are the connection flags of the commands that talk to a running NATS server
// (publish, tail): the services' --nats-* flags, with their NEWSJET_* variables, and
// --nats-connect-timeout.
type clientFlags struct {
	// nats holds the server URLs, credentials and TLS files; its other fields are unused.
	nats    stage.Config
	timeout time.Duration
}

func (c *clientFlags) register(fs *flag.FlagSet) {
	c.nats.RegisterNATSFlags(fs)
	fs.DurationVar(&c.timeout, "nats-connect-timeout", 10*time.Second, "how long to keep trying to reach the NATS server")
}

// ErrConnect wraps failures to reach the NATS server.
var ErrConnect = errors.New("cannot connect to nats")

// connect dials the server with the flags' credentials and TLS options, retrying until
// the connect timeout, and returns the connection with a JetStream context.
func (c *clientFlags) connect(ctx context.Context, name string) (*nats.Conn, jetstream.JetStream, error) {
	auth, err := c.nats.AuthOptions()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrConnect, err)
	}
	// Once connected, a command rides out server restarts for as long as it runs.
	opts := append([]nats.Option{nats.Name(name), nats.RetryOnFailedConnect(false), nats.MaxReconnects(-1)}, auth...)
	url := c.nats.NATSURL
	deadline := time.Now().Add(c.timeout)
	for {
		nc, err := nats.Connect(url, opts...)
		if err == nil {
			js, err := jetstream.New(nc)
			if err != nil {
				nc.Close()
				return nil, nil, fmt.Errorf("%w: jetstream: %w", ErrConnect, err)
			}
			return nc, js, nil
		}
		if !errors.Is(err, nats.ErrNoServers) || time.Now().After(deadline) {
			return nil, nil, fmt.Errorf("%w at %s: %w", ErrConnect, url, err)
		}
		select {
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("%w at %s: %w", ErrConnect, url, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}
