package stage

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap"
)

// natsOptions turns the configuration into connection options: credentials, TLS,
// unlimited reconnects, and logging of connection events.
func (c *Config) natsOptions(name string, log *zap.Logger) ([]nats.Option, error) {
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			log.Warn("nats disconnected", zap.Error(err))
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("nats reconnected", zap.String("server", nc.ConnectedUrlRedacted()))
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subject := ""
			if sub != nil {
				subject = sub.Subject
			}
			log.Warn("nats async error", zap.String("subject", subject), zap.Error(err))
		}),
	}
	auth, err := c.AuthOptions()
	if err != nil {
		return nil, err
	}
	return append(opts, auth...), nil
}

// AuthOptions turns the credentials and TLS files into connection options. At most one
// credential is used, the first set of: user and password, token, NKey seed file,
// .creds file. A CA file makes the client verify the server with it; a client
// certificate is sent with its key. Nothing set gives no options. The NKey seed file is
// read now: a file that cannot be read or parsed gives an error wrapping ErrConfig and
// the cause. The other files are read when connecting.
func (c *Config) AuthOptions() ([]nats.Option, error) {
	var opts []nats.Option
	switch {
	case c.User != "":
		opts = append(opts, nats.UserInfo(c.User, c.Password))
	case c.Token != "":
		opts = append(opts, nats.Token(c.Token))
	case c.NKeyFile != "":
		o, err := nats.NkeyOptionFromSeed(c.NKeyFile)
		if err != nil {
			return nil, fmt.Errorf("%w: nkey seed %s: %w", ErrConfig, c.NKeyFile, err)
		}
		opts = append(opts, o)
	case c.CredsFile != "":
		opts = append(opts, nats.UserCredentials(c.CredsFile))
	}
	if c.TLSCA != "" {
		opts = append(opts, nats.RootCAs(c.TLSCA))
	}
	if c.TLSCert != "" {
		opts = append(opts, nats.ClientCert(c.TLSCert, c.TLSKey))
	}
	return opts, nil
}

// connect dials the servers, retrying network failures with a growing pause (up to 10s)
// until it succeeds or ctx ends. Other errors (authentication, TLS files) end it at once.
func connect(ctx context.Context, cfg *Config, name string, log *zap.Logger) (*nats.Conn, error) {
	opts, err := cfg.natsOptions(name, log)
	if err != nil {
		return nil, err
	}
	wait := 500 * time.Millisecond
	for {
		nc, err := nats.Connect(cfg.NATSURL, opts...)
		if err == nil {
			log.Info("nats connected", zap.String("server", nc.ConnectedUrlRedacted()),
				zap.Int64("max_payload", nc.MaxPayload()))
			return nc, nil
		}
		if !isRetryable(err) {
			return nil, fmt.Errorf("connecting to nats at %s: %w", cfg.NATSURL, err)
		}
		log.Warn("nats not reachable, retrying", zap.Duration("in", wait), zap.Error(err))
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("connecting to nats at %s: %w (last error: %v)", cfg.NATSURL, ctx.Err(), err)
		case <-time.After(wait):
		}
		wait = min(2*wait, 10*time.Second)
	}
}

// isRetryable tells a server that cannot be reached (yet), worth retrying, from a broken
// configuration (credentials, TLS files or certificates), which is not.
func isRetryable(err error) bool {
	if errors.Is(err, nats.ErrNoServers) || errors.Is(err, nats.ErrTimeout) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var dns *net.DNSError
	var op *net.OpError
	return errors.As(err, &dns) || errors.As(err, &op) && op.Op == "dial"
}
