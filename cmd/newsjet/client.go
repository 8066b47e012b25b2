package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// clientFlags are the connection flags of the commands that talk to a running NATS server
// (publish, tail). They have the services' names and NEWSJET_* variables.
type clientFlags struct {
	url       string
	user      string
	password  string
	token     string
	nkeyFile  string
	credsFile string
	tlsCA     string
	tlsCert   string
	tlsKey    string
	timeout   time.Duration
}

func (c *clientFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.url, "nats-url", nats.DefaultURL, "NATS server URLs, comma separated")
	fs.StringVar(&c.user, "nats-user", "", "NATS user name")
	fs.StringVar(&c.password, "nats-password", "", "NATS password")
	fs.StringVar(&c.token, "nats-token", "", "NATS authentication token")
	fs.StringVar(&c.nkeyFile, "nats-nkey", "", "NKey seed `file`")
	fs.StringVar(&c.credsFile, "nats-creds", "", "NATS .creds `file` (JWT and seed)")
	fs.StringVar(&c.tlsCA, "nats-tls-ca", "", "CA certificates `file` (PEM) to verify the server")
	fs.StringVar(&c.tlsCert, "nats-tls-cert", "", "client certificate `file` (PEM)")
	fs.StringVar(&c.tlsKey, "nats-tls-key", "", "client key `file` (PEM)")
	fs.DurationVar(&c.timeout, "nats-connect-timeout", 10*time.Second, "how long to keep trying to reach the NATS server")
}

// ErrConnect wraps failures to reach the NATS server.
var ErrConnect = errors.New("cannot connect to nats")

// connect dials the server with the flags' credentials and TLS options, retrying until
// the connect timeout, and returns the connection with a JetStream context.
func (c *clientFlags) connect(ctx context.Context, name string) (*nats.Conn, jetstream.JetStream, error) {
	// Once connected, a command rides out server restarts for as long as it runs.
	opts := []nats.Option{nats.Name(name), nats.RetryOnFailedConnect(false), nats.MaxReconnects(-1)}
	switch {
	case c.user != "":
		opts = append(opts, nats.UserInfo(c.user, c.password))
	case c.token != "":
		opts = append(opts, nats.Token(c.token))
	case c.nkeyFile != "":
		o, err := nats.NkeyOptionFromSeed(c.nkeyFile)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: nkey seed %s: %w", ErrConnect, c.nkeyFile, err)
		}
		opts = append(opts, o)
	case c.credsFile != "":
		opts = append(opts, nats.UserCredentials(c.credsFile))
	}
	if c.tlsCA != "" {
		opts = append(opts, nats.RootCAs(c.tlsCA))
	}
	if c.tlsCert != "" {
		opts = append(opts, nats.ClientCert(c.tlsCert, c.tlsKey))
	}
	deadline := time.Now().Add(c.timeout)
	for {
		nc, err := nats.Connect(c.url, opts...)
		if err == nil {
			js, err := jetstream.New(nc)
			if err != nil {
				nc.Close()
				return nil, nil, fmt.Errorf("%w: jetstream: %w", ErrConnect, err)
			}
			return nc, js, nil
		}
		if !errors.Is(err, nats.ErrNoServers) || time.Now().After(deadline) {
			return nil, nil, fmt.Errorf("%w at %s: %w", ErrConnect, c.url, err)
		}
		select {
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("%w at %s: %w", ErrConnect, c.url, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}
