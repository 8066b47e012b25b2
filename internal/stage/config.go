package stage

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("stage: invalid configuration")

// EnvPrefix starts the environment variable of every flag: flag "nats-url" is read from
// NEWSJET_NATS_URL (upper case, dashes become underscores).
const EnvPrefix = "NEWSJET_"

// Config is a stage's runtime configuration. RegisterFlags binds it to command-line
// flags; ParseFlags reads the flags and, for every flag not given on the command line,
// its NEWSJET_* environment variable. The zero value is completed with defaults by Run.
type Config struct {
	// NATSURL lists server URLs, comma separated. Default nats://127.0.0.1:4222.
	NATSURL string
	// Credentials, all optional: a user and password, a token, an NKey seed file or a
	// .creds (JWT + seed) file.
	User      string
	Password  string
	Token     string
	NKeyFile  string
	CredsFile string
	// TLS, all optional: a CA bundle to verify the server, and a client certificate with
	// its key for mutual TLS.
	TLSCA   string
	TLSCert string
	TLSKey  string

	// HTTPAddr is where /healthz, /readyz and /metrics listen; "" serves no HTTP.
	// Default ":8080" when set by RegisterFlags, "" in a zero Config.
	HTTPAddr string
	// Concurrency is how many messages this replica handles at once. Default GOMAXPROCS.
	Concurrency int
	// DrainTimeout bounds the graceful stop: messages in flight get this long to finish.
	// Default 25s.
	DrainTimeout time.Duration
	// HandlerTimeout bounds one handler call; a handler that runs longer sees its
	// context cancelled and the message is retried. Default 5m.
	HandlerTimeout time.Duration
	// RetryBackoff is the redelivery delay after the first transient failure; it doubles
	// with each delivery up to RetryBackoffMax. Defaults 1s and 1m.
	RetryBackoff    time.Duration
	RetryBackoffMax time.Duration
	// NoProvision skips creating or updating the streams and the consumer at start:
	// they must exist already (managed declaratively). Flag --provision=false.
	NoProvision bool
	// StreamReplicas is the replica count of provisioned streams. Default 1.
	StreamReplicas int
	// LogLevel is debug, info, warn or error. Default info.
	LogLevel string

	// Conn, when set, is an already-open connection Run uses instead of dialing; Run does
	// not close it. For embedded mode and tests.
	Conn *nats.Conn
	// Metrics, when set, receives the stage's metrics (share one between stages run in
	// one process); otherwise Run makes a private registry.
	Metrics *Metrics
}

// Defaults used by RegisterFlags and by Run for zero fields.
const (
	DefaultHTTPAddr        = ":8080"
	DefaultDrainTimeout    = 25 * time.Second
	DefaultHandlerTimeout  = 5 * time.Minute
	DefaultRetryBackoff    = time.Second
	DefaultRetryBackoffMax = time.Minute
)

// RegisterFlags binds the configuration to flags of fs, with the defaults above. Every
// flag can also be set by its environment variable (see EnvPrefix and ParseFlags):
//
//	--nats-url          NEWSJET_NATS_URL           server URLs, comma separated
//	--nats-user         NEWSJET_NATS_USER          user name
//	--nats-password     NEWSJET_NATS_PASSWORD      password
//	--nats-token        NEWSJET_NATS_TOKEN         token
//	--nats-nkey         NEWSJET_NATS_NKEY          NKey seed file
//	--nats-creds        NEWSJET_NATS_CREDS         .creds file
//	--nats-tls-ca       NEWSJET_NATS_TLS_CA        CA certificates (PEM)
//	--nats-tls-cert     NEWSJET_NATS_TLS_CERT      client certificate (PEM)
//	--nats-tls-key      NEWSJET_NATS_TLS_KEY       client key (PEM)
//	--http-addr         NEWSJET_HTTP_ADDR          health/metrics address, "" for none
//	--concurrency       NEWSJET_CONCURRENCY        messages handled at once
//	--drain-timeout     NEWSJET_DRAIN_TIMEOUT      graceful stop bound
//	--handler-timeout   NEWSJET_HANDLER_TIMEOUT    one handler call's bound
//	--retry-backoff     NEWSJET_RETRY_BACKOFF      first redelivery delay
//	--retry-backoff-max NEWSJET_RETRY_BACKOFF_MAX  redelivery delay cap
//	--provision         NEWSJET_PROVISION          create/update streams and consumer
//	--stream-replicas   NEWSJET_STREAM_REPLICAS    replicas of provisioned streams
//	--log-level         NEWSJET_LOG_LEVEL          debug, info, warn, error
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	c.RegisterNATSFlags(fs)
	fs.StringVar(&c.HTTPAddr, "http-addr", DefaultHTTPAddr, "address of /healthz, /readyz and /metrics; empty for none")
	fs.IntVar(&c.Concurrency, "concurrency", runtime.GOMAXPROCS(0), "messages handled at once")
	fs.DurationVar(&c.DrainTimeout, "drain-timeout", DefaultDrainTimeout, "how long in-flight messages may take to finish on shutdown")
	fs.DurationVar(&c.HandlerTimeout, "handler-timeout", DefaultHandlerTimeout, "bound of one handler call")
	fs.DurationVar(&c.RetryBackoff, "retry-backoff", DefaultRetryBackoff, "redelivery delay after the first transient failure (doubles per delivery)")
	fs.DurationVar(&c.RetryBackoffMax, "retry-backoff-max", DefaultRetryBackoffMax, "redelivery delay cap")
	fs.Var(negated{&c.NoProvision}, "provision", "create or update streams and the consumer at start (default true)")
	fs.IntVar(&c.StreamReplicas, "stream-replicas", 1, "replicas of provisioned streams")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
}

// RegisterNATSFlags binds only the server URLs, credentials and TLS files to flags of fs:
// --nats-url (default nats://127.0.0.1:4222), --nats-user, --nats-password, --nats-token,
// --nats-nkey, --nats-creds, --nats-tls-ca, --nats-tls-cert and --nats-tls-key, all
// empty by default. RegisterFlags calls it; commands that only talk to a NATS server use
// it alone, with AuthOptions.
func (c *Config) RegisterNATSFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.NATSURL, "nats-url", nats.DefaultURL, "NATS server URLs, comma separated")
	fs.StringVar(&c.User, "nats-user", "", "NATS user name")
	fs.StringVar(&c.Password, "nats-password", "", "NATS password")
	fs.StringVar(&c.Token, "nats-token", "", "NATS authentication token")
	fs.StringVar(&c.NKeyFile, "nats-nkey", "", "NKey seed `file`")
	fs.StringVar(&c.CredsFile, "nats-creds", "", "NATS .creds `file` (JWT and seed)")
	fs.StringVar(&c.TLSCA, "nats-tls-ca", "", "CA certificates `file` (PEM) to verify the server")
	fs.StringVar(&c.TLSCert, "nats-tls-cert", "", "client certificate `file` (PEM)")
	fs.StringVar(&c.TLSKey, "nats-tls-key", "", "client key `file` (PEM)")
}

// EnvName returns the environment variable that sets the flag named name.
func EnvName(name string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// ParseFlags parses args into fs, then sets every flag not given in args from its
// environment variable (EnvName), when that variable is set, even to "": the command
// line overrides the environment, which overrides the defaults. A flag named "version"
// is never read from the environment (NEWSJET_VERSION may well hold a version string).
// lookupEnv is usually os.LookupEnv. A bad value in either place gives an error naming
// its source.
func ParseFlags(fs *flag.FlagSet, args []string, lookupEnv func(string) (string, bool)) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || f.Name == "version" {
			return
		}
		env := EnvName(f.Name)
		v, ok := lookupEnv(env)
		if !ok {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			errs = append(errs, fmt.Errorf("%w: %s=%q: %v", ErrConfig, env, v, err))
		}
	})
	return errors.Join(errs...)
}

func (c *Config) setDefaults() {
	if c.NATSURL == "" {
		c.NATSURL = nats.DefaultURL
	}
	if c.Concurrency == 0 {
		c.Concurrency = runtime.GOMAXPROCS(0)
	}
	if c.DrainTimeout == 0 {
		c.DrainTimeout = DefaultDrainTimeout
	}
	if c.HandlerTimeout == 0 {
		c.HandlerTimeout = DefaultHandlerTimeout
	}
	if c.RetryBackoff == 0 {
		c.RetryBackoff = DefaultRetryBackoff
	}
	if c.RetryBackoffMax == 0 {
		c.RetryBackoffMax = max(DefaultRetryBackoffMax, c.RetryBackoff)
	}
	if c.StreamReplicas == 0 {
		c.StreamReplicas = 1
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
}

// Validate reports an inconsistent configuration, wrapping ErrConfig. Zero fields count
// as their defaults.
func (c *Config) Validate() error {
	d := *c
	d.setDefaults()
	return d.validate()
}

func (c *Config) validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, args...)))
	}
	if c.Concurrency < 1 {
		bad("concurrency %d is below 1", c.Concurrency)
	}
	if c.DrainTimeout <= 0 || c.HandlerTimeout <= 0 {
		bad("drain and handler timeouts must be positive")
	}
	if c.RetryBackoff <= 0 || c.RetryBackoffMax < c.RetryBackoff {
		bad("retry back-off %v..%v is not a positive, ordered range", c.RetryBackoff, c.RetryBackoffMax)
	}
	if c.StreamReplicas < 1 {
		bad("stream replicas %d is below 1", c.StreamReplicas)
	}
	if _, err := zapcore.ParseLevel(c.LogLevel); err != nil {
		bad("log level %q: %v", c.LogLevel, err)
	}
	auth := 0
	for _, set := range []bool{c.User != "", c.Token != "", c.NKeyFile != "", c.CredsFile != ""} {
		if set {
			auth++
		}
	}
	if auth > 1 {
		bad("give only one of user/password, token, nkey and creds")
	}
	if c.Password != "" && c.User == "" {
		bad("a password needs a user")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		bad("a TLS client certificate and key go together")
	}
	return errors.Join(errs...)
}

// LogFields returns the configuration as log fields, secrets masked.
func (c *Config) LogFields() []zap.Field {
	mask := func(s string) string {
		if s == "" {
			return ""
		}
		return "***"
	}
	return []zap.Field{
		zap.String("nats_url", c.NATSURL),
		zap.String("nats_user", c.User),
		zap.String("nats_password", mask(c.Password)),
		zap.String("nats_token", mask(c.Token)),
		zap.String("nats_nkey", c.NKeyFile),
		zap.String("nats_creds", c.CredsFile),
		zap.String("nats_tls_ca", c.TLSCA),
		zap.String("nats_tls_cert", c.TLSCert),
		zap.String("http_addr", c.HTTPAddr),
		zap.Int("concurrency", c.Concurrency),
		zap.Duration("drain_timeout", c.DrainTimeout),
		zap.Duration("handler_timeout", c.HandlerTimeout),
		zap.Duration("retry_backoff", c.RetryBackoff),
		zap.Duration("retry_backoff_max", c.RetryBackoffMax),
		zap.Bool("provision", !c.NoProvision),
		zap.Int("stream_replicas", c.StreamReplicas),
		zap.String("log_level", c.LogLevel),
	}
}

// NewLogger returns a JSON logger to stderr at the given level (see NewLoggerTo).
func NewLogger(level string) (*zap.Logger, error) {
	return NewLoggerTo(os.Stderr, level)
}

// NewLoggerTo returns the JSON logger every newsjet binary logs with, writing to w at
// the given level: one object per line with level, time (RFC 3339, nanoseconds),
// logger name, caller, msg and the fields, a stack trace on errors, and zap's
// production sampling. Writes to w are serialised.
func NewLoggerTo(w io.Writer, level string) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("%w: log level %q: %v", ErrConfig, level, err)
	}
	enc := zap.NewProductionEncoderConfig()
	enc.TimeKey = "time"
	enc.EncodeTime = zapcore.RFC3339NanoTimeEncoder
	core := zapcore.NewCore(zapcore.NewJSONEncoder(enc), zapcore.Lock(zapcore.AddSync(w)), lvl)
	core = zapcore.NewSamplerWithOptions(core, time.Second, 100, 100)
	return zap.New(core, zap.AddCaller(), zap.AddStacktrace(zapcore.ErrorLevel)), nil
}

// negated binds a boolean flag to a field holding its negation, so a zero Config keeps
// the flag's true default.
type negated struct{ p *bool }

func (n negated) String() string {
	if n.p == nil {
		return "true"
	}
	return fmt.Sprint(!*n.p)
}

func (n negated) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	*n.p = !v
	return nil
}

func (negated) IsBoolFlag() bool { return true }
