package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"go.uber.org/zap"
)

// ErrServerStart is returned when the embedded NATS server does not come up.
var ErrServerStart = errors.New("embedded nats-server did not start")

// embeddedMaxPayload is the embedded server's max_payload: 8 MiB, the most the NATS
// documentation advises, so a large raw page fits in one message.
const embeddedMaxPayload = 8 << 20

// serverOptions configure the embedded NATS server.
type serverOptions struct {
	// DataDir holds the JetStream store (in DataDir/jetstream).
	DataDir string
	// Listen is the client address, host:port. Port 0 picks a free port; "" listens
	// on no socket at all (clients in this process connect in-process).
	Listen string
	// ReadyTimeout bounds the wait for the server to accept clients (default 10 s).
	ReadyTimeout time.Duration
}

// startServer starts an embedded nats-server with JetStream, waits until it accepts
// clients and logs one info line saying where it listens and stores. The caller shuts it down with shutdownServer. It returns an error wrapping
// ErrServerStart when the options are unusable or the server is not ready in time.
func startServer(opts serverOptions, log *zap.Logger) (*server.Server, error) {
	sopts := &server.Options{
		ServerName: "newsjet",
		JetStream:  true,
		StoreDir:   filepath.Join(opts.DataDir, "jetstream"),
		MaxPayload: embeddedMaxPayload,
		NoSigs:     true,
	}
	if opts.Listen == "" {
		sopts.DontListen = true
	} else {
		host, portStr, err := net.SplitHostPort(opts.Listen)
		if err != nil {
			return nil, fmt.Errorf("%w: listen address %q: %v", ErrServerStart, opts.Listen, err)
		}
		port, err := strconv.Atoi(portStr)
		if err != nil || port < 0 || port > 65535 {
			return nil, fmt.Errorf("%w: listen port %q is not 0-65535", ErrServerStart, portStr)
		}
		if port == 0 {
			port = server.RANDOM_PORT
		} else if ln, err := net.Listen("tcp", opts.Listen); err != nil {
			// The server would only log this and never become ready: say it at once.
			return nil, fmt.Errorf("%w: %w", ErrServerStart, err)
		} else {
			ln.Close()
		}
		sopts.Host, sopts.Port = host, port
	}
	ns, err := server.NewServer(sopts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrServerStart, err)
	}
	ns.SetLoggerV2(serverLogger{log.Named("nats").Sugar()}, false, false, false)
	go ns.Start()
	wait := opts.ReadyTimeout
	if wait <= 0 {
		wait = 10 * time.Second
	}
	if !ns.ReadyForConnections(wait) {
		ns.Shutdown()
		return nil, fmt.Errorf("%w: not ready after %s", ErrServerStart, wait)
	}
	if !ns.JetStreamEnabled() {
		ns.Shutdown()
		return nil, fmt.Errorf("%w: JetStream is not enabled", ErrServerStart)
	}
	listen := "in-process only"
	if opts.Listen != "" {
		listen = ns.ClientURL()
	}
	log.Named("nats").Info("embedded NATS server ready", zap.String("listen", listen), zap.String("store", sopts.StoreDir))
	return ns, nil
}

// shutdownServer stops the server and waits for it, at most until ctx is done.
func shutdownServer(ctx context.Context, ns *server.Server) {
	done := make(chan struct{})
	go func() {
		ns.Shutdown()
		ns.WaitForShutdown()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// serverLogger routes the embedded server's log lines to zap (logger "nats"). Its
// notices (the start-up banner: version, limits, JetStream settings, one line each) are
// debug lines: startServer logs the one info line a user needs.
type serverLogger struct{ s *zap.SugaredLogger }

func (l serverLogger) Noticef(format string, v ...any) { l.s.Debugf(format, v...) }
func (l serverLogger) Warnf(format string, v ...any)   { l.s.Warnf(format, v...) }
func (l serverLogger) Fatalf(format string, v ...any)  { l.s.Errorf(format, v...) }
func (l serverLogger) Errorf(format string, v ...any)  { l.s.Errorf(format, v...) }
func (l serverLogger) Debugf(format string, v ...any)  { l.s.Debugf(format, v...) }
func (l serverLogger) Tracef(format string, v ...any)  { l.s.Debugf(format, v...) }
