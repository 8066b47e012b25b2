package manifests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// stageMetricNames reads the metric names internal/stage registers (Namespace
// "newsjet", Subsystem "stage") from its source, as full Prometheus names.
func stageMetricNames(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "internal", "stage", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`Namespace:\s*"newsjet",\s*Subsystem:\s*"(\w+)",\s*Name:\s*"(\w+)"`)
	names := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			names["newsjet_"+m[1]+"_"+m[2]] = true
		}
	}
	if len(names) == 0 {
		t.Fatal("found no newsjet metrics in internal/stage")
	}
	return names
}

// TestDashboardUsesRuntimeMetrics checks that the Grafana dashboard is valid JSON, has
// the four panels the pipeline needs, and queries only metrics internal/stage exposes.
func TestDashboardUsesRuntimeMetrics(t *testing.T) {
	data, err := os.ReadFile(deployPath("components", "monitoring", "grafana-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		UID    string `json:"uid"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatal(err)
	}
	if dash.UID == "" {
		t.Error("dashboard has no uid")
	}
	known := stageMetricNames(t)
	metric := regexp.MustCompile(`newsjet_[a-z_]+`)
	titles := map[string]bool{}
	for _, p := range dash.Panels {
		titles[p.Title] = true
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no queries", p.Title)
		}
		for _, tg := range p.Targets {
			for _, name := range metric.FindAllString(tg.Expr, -1) {
				base := name
				for _, suffix := range []string{"_bucket", "_sum", "_count"} {
					base = strings.TrimSuffix(base, suffix)
				}
				if !known[base] {
					t.Errorf("panel %q queries %s, which internal/stage does not expose", p.Title, name)
				}
			}
		}
	}
	for _, want := range []string{"Throughput per stage", "Lag per consumer", "Dead letters", "Processing latency"} {
		if !titles[want] {
			t.Errorf("dashboard lacks the %q panel", want)
		}
	}
}

// natsValues is the part of the NATS chart's values newsjet depends on.
type natsValues struct {
	Config struct {
		Cluster struct {
			Enabled  bool `json:"enabled"`
			Replicas int  `json:"replicas"`
		} `json:"cluster"`
		JetStream struct {
			Enabled   bool `json:"enabled"`
			FileStore struct {
				Enabled bool   `json:"enabled"`
				Dir     string `json:"dir"`
				PVC     struct {
					Enabled bool   `json:"enabled"`
					Size    string `json:"size"`
				} `json:"pvc"`
			} `json:"fileStore"`
		} `json:"jetstream"`
		Monitor struct {
			Enabled bool `json:"enabled"`
			Port    int  `json:"port"`
		} `json:"monitor"`
	} `json:"config"`
}

// TestNATSValues checks the chart values against what the manifests assume: JetStream on
// file storage backed by PVCs, the monitoring port KEDA reads, and enough servers for
// the overlay's stream replicas (three in prod, one in dev).
func TestNATSValues(t *testing.T) {
	for file, servers := range map[string]int{"values-prod.yaml": 3, "values-dev.yaml": 1} {
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile(deployPath("nats", file))
			if err != nil {
				t.Fatal(err)
			}
			var v natsValues
			if err := yaml.Unmarshal(data, &v); err != nil {
				t.Fatal(err)
			}
			c := v.Config
			got := 1
			if c.Cluster.Enabled {
				got = c.Cluster.Replicas
			}
			if got != servers {
				t.Errorf("%d servers, want %d", got, servers)
			}
			if !c.JetStream.Enabled || !c.JetStream.FileStore.Enabled || !c.JetStream.FileStore.PVC.Enabled || c.JetStream.FileStore.PVC.Size == "" {
				t.Errorf("JetStream must use file storage on a PVC: %+v", c.JetStream)
			}
			if !c.Monitor.Enabled || c.Monitor.Port != 8222 {
				t.Errorf("monitoring must listen on 8222 for KEDA: %+v", c.Monitor)
			}
		})
	}
}
