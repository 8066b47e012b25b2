package stage

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"go.uber.org/zap"
)

// Main is all a stage's main function calls: it parses flags and NEWSJET_* environment
// variables (the runtime's, --version, and those register adds), prints the version for
// --version (Service.Version, else Version), builds the JSON logger (NewLoggerTo), runs
// the stage until SIGINT or SIGTERM (a second signal kills the process without waiting
// for the drain), and exits: 0 after a clean stop, 1 when Run failed (ErrDrainTimeout
// included), 2 on bad flags.
func Main(svc Service, register func(fs *flag.FlagSet)) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal starts the drain, a second one kills at once.
		<-ctx.Done()
		stop()
	}()
	code := mainRun(ctx, svc, register, os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// mainRun is Main without the process: it returns the exit code.
func mainRun(ctx context.Context, svc Service, register func(fs *flag.FlagSet), args []string,
	lookupEnv func(string) (string, bool), stdout, stderr io.Writer) int {
	fs, cfg, showVersion := mainFlags(svc.Name, register)
	fs.SetOutput(stderr)
	if err := ParseFlags(fs, args, lookupEnv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, err)
		return 2
	}
	if svc.Version == "" {
		svc.Version = Version
	}
	if *showVersion {
		fmt.Fprintln(stdout, svc.Name, svc.Version)
		return 0
	}
	log, err := NewLoggerTo(stderr, cfg.LogLevel)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	defer func() { _ = log.Sync() }()
	log.Info("starting", append([]zap.Field{zap.String("stage", svc.Name), zap.String("version", svc.Version)}, cfg.LogFields()...)...)
	if err := Run(ctx, *cfg, svc, log); err != nil {
		log.Error("stopped", zap.Error(err))
		return 1
	}
	log.Info("stopped")
	return 0
}

// FlagSet returns the flags Main parses for the stage named name: the runtime's
// (Config.RegisterFlags), --version and those register adds, bound to values of their
// own. For tests and documentation of a stage binary's command line.
func FlagSet(name string, register func(fs *flag.FlagSet)) *flag.FlagSet {
	fs, _, _ := mainFlags(name, register)
	return fs
}

// mainFlags returns Main's flag set, the Config its runtime flags fill and the
// --version flag.
func mainFlags(name string, register func(fs *flag.FlagSet)) (*flag.FlagSet, *Config, *bool) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	cfg := &Config{}
	cfg.RegisterFlags(fs)
	showVersion := fs.Bool("version", false, "print the version and exit")
	if register != nil {
		register(fs)
	}
	return fs, cfg, showVersion
}
