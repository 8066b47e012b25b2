package stage

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/segmentio/encoding/json"
	"go.uber.org/zap/zaptest"

	"github.com/newsjet/newsjet/internal/natstest"
	"github.com/newsjet/newsjet/pkg/schema"
)

func envMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestConfigFromEnvAndFlags(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	var cfg Config
	cfg.RegisterFlags(fs)
	fs.Bool("version", false, "")
	extra := fs.String("db", "default.db", "a stage's own flag")
	env := envMap(map[string]string{
		"NEWSJET_NATS_URL":      "nats://env:4222",
		"NEWSJET_CONCURRENCY":   "7",
		"NEWSJET_PROVISION":     "false",
		"NEWSJET_HTTP_ADDR":     "",
		"NEWSJET_DRAIN_TIMEOUT": "3s",
		"NEWSJET_NATS_USER":     "svc",
		"NEWSJET_NATS_PASSWORD": "secret",
		"NEWSJET_DB":            "/data/news.db",
		"NEWSJET_VERSION":       "1.2.3",
	})
	if err := ParseFlags(fs, []string{"--concurrency", "3", "--nats-tls-ca", "/ca.pem"}, env); err != nil {
		t.Fatal(err)
	}
	want := Config{
		NATSURL: "nats://env:4222", User: "svc", Password: "secret", TLSCA: "/ca.pem",
		Concurrency: 3, DrainTimeout: 3 * time.Second, NoProvision: true, HTTPAddr: "",
		HandlerTimeout: DefaultHandlerTimeout, RetryBackoff: DefaultRetryBackoff, RetryBackoffMax: DefaultRetryBackoffMax,
		StreamReplicas: 1, LogLevel: "info",
	}
	if cfg != want {
		t.Errorf("config\n got %+v\nwant %+v", cfg, want)
	}
	if *extra != "/data/news.db" {
		t.Errorf("stage flag from env: %q", *extra)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	for _, f := range cfg.LogFields() {
		if f.String == "secret" {
			t.Errorf("log field %s shows the password", f.Key)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var cfg Config
	cfg.RegisterFlags(fs)
	err := ParseFlags(fs, nil, envMap(map[string]string{"NEWSJET_DRAIN_TIMEOUT": "soon"}))
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "NEWSJET_DRAIN_TIMEOUT") {
		t.Errorf("bad env value: %v", err)
	}
	bad := []Config{
		{User: "a", Token: "t"},
		{Password: "p"},
		{TLSCert: "c.pem"},
		{Concurrency: -1},
		{LogLevel: "loud"},
		{RetryBackoff: time.Minute, RetryBackoffMax: time.Second},
	}
	if err := (&Config{}).Validate(); err != nil {
		t.Errorf("zero Config: %v", err)
	}
	for _, c := range bad {
		if err := c.Validate(); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: Validate = %v, want ErrConfig", c, err)
		}
	}
}

func TestMainVersionAndBadFlags(t *testing.T) {
	svc := Service{Name: "tester", Version: "v1.2.3"}
	var out, errOut bytes.Buffer
	if code := mainRun(context.Background(), svc, nil, []string{"--version"}, envMap(nil), &out, &errOut); code != 0 || out.String() != "tester v1.2.3\n" {
		t.Errorf("--version: code %d, out %q", code, out.String())
	}
	if code := mainRun(context.Background(), svc, nil, []string{"--concurrency", "x"}, envMap(nil), &out, &errOut); code != 2 {
		t.Errorf("bad flag: code %d", code)
	}
	if code := mainRun(context.Background(), svc, nil, nil, envMap(map[string]string{"NEWSJET_LOG_LEVEL": "loud"}), &out, &errOut); code != 2 {
		t.Errorf("bad log level: code %d", code)
	}
}

// A stage's logs are the one newsjet format (NewLoggerTo) on the stderr it is given,
// and a service without a version of its own reports Version.
func TestMainLogsInTheOneFormat(t *testing.T) {
	svc := Service{Name: "tester"}
	var out, errOut bytes.Buffer
	if code := mainRun(context.Background(), svc, nil, []string{"--version"}, envMap(nil), &out, &errOut); code != 0 || out.String() != "tester "+Version+"\n" {
		t.Errorf("--version: code %d, out %q", code, out.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	out.Reset()
	svc.Setup = func(context.Context, Deps) (Handler, error) { return nil, errors.New("never reached") }
	svc.Consumer = schema.ConsumerSpec{Durable: "tester", Stream: "TESTER"}
	args := []string{"--nats-url", "nats://127.0.0.1:1", "--http-addr", ""}
	if code := mainRun(ctx, svc, nil, args, envMap(nil), &out, &errOut); code != 0 {
		t.Fatalf("code %d:\n%s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	if len(lines) < 2 || out.Len() != 0 {
		t.Fatalf("stdout %q, stderr:\n%s", out.String(), errOut.String())
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q", l)
		}
		ts, _ := m["time"].(string)
		if _, err := time.Parse(time.RFC3339Nano, ts); err != nil || m["level"] == nil || m["msg"] == nil || m["ts"] != nil {
			t.Errorf("line %q: want level, time (RFC 3339) and msg", l)
		}
	}
	if !strings.Contains(lines[0], `"msg":"starting"`) || !strings.Contains(lines[0], `"version":"`+Version+`"`) {
		t.Errorf("first line %q", lines[0])
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func getJSON(t *testing.T, url string) (int, map[string]string, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("%s: %v", url, err)
		}
	}
	return resp.StatusCode, m, string(body)
}

func TestHealthReadyMetrics(t *testing.T) {
	dbErr := errors.New("database down")
	var failing atomic.Bool
	h := newHarness(t, echo)
	h.cfg.HTTPAddr = freeAddr(t)
	h.svc.Ready = func(context.Context) error {
		if failing.Load() {
			return dbErr
		}
		return nil
	}
	h.svc.Routes = func(mux *http.ServeMux) {
		mux.HandleFunc("GET /extra", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "extra") })
	}
	h.start()
	base := "http://" + h.cfg.HTTPAddr

	code, body, _ := getJSON(t, base+"/healthz")
	if code != 200 || body["status"] != "ok" || body["version"] != "test" || body["stage"] != "tester" {
		t.Errorf("/healthz %d %v", code, body)
	}
	waitFor(t, "ready", func() bool { c, _, _ := getJSON(t, base+"/readyz"); return c == 200 })
	failing.Store(true)
	code, body, _ = getJSON(t, base+"/readyz")
	if code != 503 || !strings.Contains(body["error"], "database down") {
		t.Errorf("/readyz with failing check: %d %v", code, body)
	}
	failing.Store(false)

	h.publish("test.in.a", []byte("hello"), nil)
	h.waitSettled(1)
	code, _, text := getJSON(t, base+"/metrics")
	for _, want := range []string{
		`newsjet_stage_messages_in_total{stage="tester"} 1`,
		`newsjet_stage_messages_out_total{stage="tester"} 1`,
		`newsjet_stage_processing_seconds_count{stage="tester"} 1`,
		`newsjet_stage_in_flight{stage="tester"} 0`,
		`go_goroutines`,
	} {
		if code != 200 || !strings.Contains(text, want) {
			t.Errorf("/metrics (%d) lacks %q", code, want)
		}
	}
	if _, _, text := getJSON(t, base+"/extra"); text != "extra" {
		t.Errorf("/extra %q", text)
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("HTTP still served after Run returned")
	}
}

func TestConnectWithCredentials(t *testing.T) {
	for _, tc := range []struct {
		name        string
		opts        func(*server.Options)
		good, wrong Config
		admin       nats.Option
	}{
		{"user", func(o *server.Options) { o.Username, o.Password = "svc", "pw" },
			Config{User: "svc", Password: "pw"}, Config{User: "svc", Password: "nope"}, nats.UserInfo("svc", "pw")},
		{"token", func(o *server.Options) { o.Authorization = "tok" },
			Config{Token: "tok"}, Config{Token: "bad"}, nats.Token("tok")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := natstest.Start(t, tc.opts)
			svc := Service{Name: "tester", Consumer: testConsumer, Streams: []schema.StreamSpec{testIn},
				Setup: func(context.Context, Deps) (Handler, error) { return echo, nil }}

			tc.wrong.NATSURL = srv.ClientURL()
			if err := Run(context.Background(), tc.wrong, svc, zaptest.NewLogger(t)); !errors.Is(err, nats.ErrAuthorization) {
				t.Errorf("wrong credentials: %v, want nats.ErrAuthorization", err)
			}

			tc.good.NATSURL = srv.ClientURL()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- Run(ctx, tc.good, svc, zaptest.NewLogger(t)) }()
			admin, err := nats.Connect(srv.ClientURL(), tc.admin)
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close()
			js, err := jetstream.New(admin)
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "consumer", func() bool {
				_, err := js.Consumer(context.Background(), testIn.Name, testConsumer.Durable)
				return err == nil
			})
			cancel()
			if err := <-done; err != nil {
				t.Errorf("good credentials: %v", err)
			}
		})
	}
}

// RegisterNATSFlags binds exactly the --nats-* flags of RegisterFlags, with the same
// defaults, and AuthOptions uses one credential at most and reports a missing seed file.
func TestNATSFlagsAndAuthOptions(t *testing.T) {
	all := flag.NewFlagSet("all", flag.ContinueOnError)
	var full Config
	full.RegisterFlags(all)
	only := flag.NewFlagSet("nats", flag.ContinueOnError)
	var c Config
	c.RegisterNATSFlags(only)
	want := map[string]string{}
	all.VisitAll(func(f *flag.Flag) {
		if strings.HasPrefix(f.Name, "nats-") {
			want[f.Name] = f.DefValue + "|" + f.Usage
		}
	})
	got := map[string]string{}
	only.VisitAll(func(f *flag.Flag) { got[f.Name] = f.DefValue + "|" + f.Usage })
	if len(got) != 9 || !maps.Equal(got, want) {
		t.Errorf("RegisterNATSFlags = %v, want the %d --nats-* flags of RegisterFlags %v", got, len(want), want)
	}
	if c.NATSURL != nats.DefaultURL {
		t.Errorf("default URL %q, want %q", c.NATSURL, nats.DefaultURL)
	}

	for name, tc := range map[string]struct {
		cfg  Config
		want int
	}{
		"nothing":               {Config{}, 0},
		"user wins over token":  {Config{User: "u", Password: "p", Token: "t"}, 1},
		"creds":                 {Config{CredsFile: "x.creds"}, 1},
		"CA and client cert":    {Config{TLSCA: "ca.pem", TLSCert: "c.pem", TLSKey: "k.pem"}, 2},
		"token, CA, client key": {Config{Token: "t", TLSCA: "ca.pem", TLSCert: "c.pem", TLSKey: "k.pem"}, 3},
	} {
		opts, err := tc.cfg.AuthOptions()
		if err != nil || len(opts) != tc.want {
			t.Errorf("%s: AuthOptions = %d options, %v; want %d, nil", name, len(opts), err, tc.want)
		}
	}
	missing := Config{NKeyFile: filepath.Join(t.TempDir(), "missing.nk")}
	if _, err := missing.AuthOptions(); !errors.Is(err, ErrConfig) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing seed file: %v, want ErrConfig and os.ErrNotExist", err)
	}
}
