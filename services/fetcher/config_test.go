package fetcher

import (
	"errors"
	"flag"
	"io"
	"testing"
	"time"

	"github.com/newsjet/newsjet/internal/stage"
)

func TestFlagsAndEnv(t *testing.T) {
	fs := flag.NewFlagSet("fetcher", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var c Config
	c.RegisterFlags(fs)
	env := map[string]string{
		"NEWSJET_ALLOW_NET":     "127.0.0.0/8, ::1/128",
		"NEWSJET_HOST_LIMIT":    "a.test=0.5:1,b.test=2",
		"NEWSJET_POLL_INTERVAL": "90s",
		"NEWSJET_USER_AGENT":    "from-env/1.0",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	err := stage.ParseFlags(fs, []string{"--user-agent", "acme-news/2.0 (+https://acme.test/bot)", "--source", "https://x.test/feed", "--source", "https://y.test/sitemap.xml"}, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if c.UserAgent != "acme-news/2.0 (+https://acme.test/bot)" || len(c.AllowNets) != 2 || len(c.HostLimits) != 2 ||
		c.PollInterval != 90*time.Second || len(c.Sources) != 2 || c.MaxBody != 20<<20 {
		t.Fatalf("config %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	def, over, err := c.hostLimits()
	if err != nil || def.Rate != DefaultHostRate || over["a.test"].Concurrency != 1 || over["b.test"].Rate != 2 {
		t.Fatalf("host limits %+v %+v %v", def, over, err)
	}
}

func TestServiceFlagsRaiseConcurrency(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  string
		want int
	}{
		{nil, "", DefaultConcurrency},
		{nil, "4", 4},
		{[]string{"--concurrency", "8"}, "4", 8},
	} {
		fs := flag.NewFlagSet("fetcher", flag.ContinueOnError)
		var sc stage.Config
		sc.RegisterFlags(fs)
		var c Config
		c.RegisterServiceFlags(fs)
		lookup := func(k string) (string, bool) { return tc.env, k == "NEWSJET_CONCURRENCY" && tc.env != "" }
		if err := stage.ParseFlags(fs, tc.args, lookup); err != nil {
			t.Fatal(err)
		}
		if sc.Concurrency != tc.want {
			t.Errorf("args %v env %q: concurrency %d, want %d", tc.args, tc.env, sc.Concurrency, tc.want)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for name, c := range map[string]Config{
		"bad cidr":       {AllowNets: []string{"localhost"}},
		"bad host limit": {HostLimits: []string{"a.test=fast"}},
		"negative":       {PollInterval: -time.Second},
		"user agent":     {UserAgent: "bot\r\nX: y"},
	} {
		if _, err := New(c, nil, nil); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v, want ErrConfig", name, err)
		}
	}
}
