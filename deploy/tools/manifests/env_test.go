package manifests

import (
	"errors"
	"slices"
	"testing"
)

func TestContainerEnv(t *testing.T) {
	objs := render(t, "prod")
	env, secret, err := ContainerEnv(objs, "sink")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"NEWSJET_PROVISION":       "false",
		"NEWSJET_STREAM_REPLICAS": "3",
		"NEWSJET_CONCURRENCY":     "64",
		"NEWSJET_NATS_CREDS":      "/etc/newsjet/nats/nats.creds",
		"GOMEMLIMIT":              "536870912", // 512Mi
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if !slices.Equal(secret, []string{"NEWSJET_STORE"}) {
		t.Errorf("secret variables %v, want [NEWSJET_STORE]", secret)
	}
	if _, ok := env["NEWSJET_STORE"]; ok {
		t.Error("a Secret's variable has a value in the environment")
	}
	dev, _, err := ContainerEnv(render(t, "dev"), "extractor")
	if err != nil {
		t.Fatal(err)
	}
	if dev["NEWSJET_LOG_LEVEL"] != "debug" || dev["NEWSJET_STREAM_REPLICAS"] != "1" || dev["GOMEMLIMIT"] != "1073741824" {
		t.Errorf("dev extractor env %v", dev)
	}
	if _, _, err := ContainerEnv(objs, "nope"); !errors.Is(err, ErrPolicy) {
		t.Errorf("ContainerEnv(unknown) = %v, want ErrPolicy", err)
	}
}
