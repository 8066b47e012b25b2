package main

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"

	"github.com/newsjet/newsjet/deploy/e2e/internal/apicheck"
	"github.com/newsjet/newsjet/deploy/e2e/internal/deploysets"
	"github.com/newsjet/newsjet/deploy/e2e/internal/kube"
	"github.com/newsjet/newsjet/deploy/tools/uncached"
)

func TestMain(m *testing.M) { uncached.Main(m, "deploy/") }

// needServer skips the test when kube-apiserver is not built yet and the run is -short,
// unless $NEWSJET_REQUIRE_APISERVER=1 (CI sets it once deploy/e2e/apiserver has built it).
func needServer(t *testing.T) {
	t.Helper()
	release, err := kube.Version()
	if err != nil {
		t.Fatal(err)
	}
	if testing.Short() && !kube.Cached(release, "kube-apiserver") && os.Getenv("NEWSJET_REQUIRE_APISERVER") != "1" {
		t.Skip("kube-apiserver is not built yet (go run ./deploy/e2e/apiserver -prepare builds it, once)")
	}
}

// find returns the object of the kind with the name (or the generateName prefix).
func find(t *testing.T, objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == kind && (o.GetName() == name || o.GetName() == "" && o.GetGenerateName() == name) {
			return o
		}
	}
	t.Fatalf("no %s %s in the set", kind, name)
	return nil
}

func set(t *testing.T, o *unstructured.Unstructured, value any, path ...string) {
	t.Helper()
	if err := unstructured.SetNestedField(o.Object, value, path...); err != nil {
		t.Fatal(err)
	}
}

// setContainer sets a field of the first container of a Deployment's or Job's pod template.
func setContainer(t *testing.T, o *unstructured.Unstructured, value any, field ...string) {
	t.Helper()
	path := []string{"spec", "template", "spec", "containers"}
	containers, _, _ := unstructured.NestedSlice(o.Object, path...)
	if len(containers) == 0 {
		t.Fatalf("%s has no containers at %v", apicheck.ID(o), path)
	}
	if err := unstructured.SetNestedField(containers[0].(map[string]any), value, field...); err != nil {
		t.Fatal(err)
	}
	set(t, o, containers, path...)
}

// TestRefusesMutatedManifests applies the dev overlay and the Jobs of deploy/jobs to a real
// API server, then copies of them each broken in a way that strict decoding against the Go
// types accepts, and expects each refusal to name the object and the field, and the check to
// leave nothing behind.
func TestRefusesMutatedManifests(t *testing.T) {
	needServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var log strings.Builder
	e, err := start(ctx, &log)
	t.Cleanup(func() { e.stop(&log, t.Failed()); t.Log(log.String()) })
	if err != nil {
		t.Fatal(err)
	}
	sets, err := deploysets.Overlays(e.repo, e.decoder)
	if err != nil {
		t.Fatal(err)
	}
	var dev apicheck.Set
	for _, s := range sets {
		if s.Name == "overlay dev" {
			dev = s
		}
	}
	if len(dev.Objects) == 0 {
		t.Fatal("no dev overlay")
	}
	if err := e.checker.Check(ctx, dev); err != nil {
		t.Fatalf("the committed dev overlay is refused: %v", err)
	}
	jobs, err := deploysets.Jobs(e.repo, e.decoder)
	if err != nil {
		t.Fatal(err)
	}
	core, err := kubernetes.NewForConfig(e.cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.checker.Check(ctx, jobs); err != nil {
		t.Fatalf("the committed Jobs are refused: %v", err)
	}
	if left, err := core.BatchV1().Jobs("newsjet").List(ctx, metav1.ListOptions{}); err != nil || len(left.Items) > 0 {
		t.Errorf("Jobs left behind after the check: %v, %v", left, err)
	}
	cases := []struct {
		name   string
		set    apicheck.Set
		mutate func([]*unstructured.Unstructured)
		want   []string
	}{
		{"PDB allows 150% unavailable", dev, func(o []*unstructured.Unstructured) {
			set(t, find(t, o, "PodDisruptionBudget", "cleaner"), "150%", "spec", "maxUnavailable")
		}, []string{"PodDisruptionBudget/newsjet/cleaner", "spec.maxUnavailable"}},
		{"NetworkPolicy endPort below port", dev, func(o []*unstructured.Unstructured) {
			np := find(t, o, "NetworkPolicy", "fetcher")
			egress, _, _ := unstructured.NestedSlice(np.Object, "spec", "egress")
			for _, rule := range egress {
				ports, _ := rule.(map[string]any)["ports"].([]any)
				for _, p := range ports {
					pm := p.(map[string]any)
					if n, ok := pm["port"].(int64); ok && n > 1 {
						pm["endPort"] = n - 1
						set(t, np, egress, "spec", "egress")
						return
					}
				}
			}
			t.Fatal("fetcher's NetworkPolicy has no numeric egress port")
		}, []string{"NetworkPolicy/newsjet/fetcher", "endPort"}},
		{"label value of 64 bytes", dev, func(o []*unstructured.Unstructured) {
			d := find(t, o, "Deployment", "sink")
			labels := d.GetLabels()
			labels["newsjet.io/note"] = strings.Repeat("x", 64)
			d.SetLabels(labels)
		}, []string{"Deployment/newsjet/sink", "metadata.labels"}},
		{"NACK retention outside its enum", dev, func(o []*unstructured.Unstructured) {
			set(t, find(t, o, "Stream", "news-raw"), "work-queue", "spec", "retention")
		}, []string{"Stream/newsjet/news-raw", "spec.retention"}},
		{"privilege escalation in a restricted namespace", dev, func(o []*unstructured.Unstructured) {
			setContainer(t, find(t, o, "Deployment", "extractor"), true, "securityContext", "allowPrivilegeEscalation")
		}, []string{"Deployment/newsjet/extractor", "allowPrivilegeEscalation", "restricted"}},
		{"pod of a service account that does not exist", dev, func(o []*unstructured.Unstructured) {
			set(t, find(t, o, "Deployment", "sink"), "missing", "spec", "template", "spec", "serviceAccountName")
		}, []string{"Deployment/newsjet/sink: pod from its template", `serviceaccount "missing" not found`}},
		{"Job pod with privilege escalation", jobs, func(o []*unstructured.Unstructured) {
			setContainer(t, find(t, o, "Job", "newsjet-replay-dead-"), true, "securityContext", "allowPrivilegeEscalation")
		}, []string{"Job/newsjet/newsjet-replay-dead-", "allowPrivilegeEscalation", "restricted"}},
		{"Job pod restarted always", jobs, func(o []*unstructured.Unstructured) {
			set(t, find(t, o, "Job", "newsjet-replay-raw-"), "Always", "spec", "template", "spec", "restartPolicy")
		}, []string{"Job/newsjet/newsjet-replay-raw-", "spec.template.spec.restartPolicy"}},
		{"Job pod of a service account that does not exist", jobs, func(o []*unstructured.Unstructured) {
			set(t, find(t, o, "Job", "newsjet-replay-raw-"), "missing", "spec", "template", "spec", "serviceAccountName")
		}, []string{"Job/newsjet/newsjet-replay-raw-: pod from its template", `serviceaccount "missing" not found`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := apicheck.Set{Name: c.set.Name + ", " + c.name}
			for _, o := range c.set.Objects {
				s.Objects = append(s.Objects, o.DeepCopy())
			}
			c.mutate(s.Objects)
			err := e.checker.Check(ctx, s)
			if !errors.Is(err, apicheck.ErrRefused) {
				t.Fatalf("Check = %v, want a refusal", err)
			}
			t.Log(err)
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("refusal does not name %q:\n%v", w, err)
				}
			}
			if _, err := core.CoreV1().Namespaces().Get(ctx, "newsjet", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				t.Errorf("namespace newsjet left behind after the refusal: %v", err)
			}
		})
	}
	pids, dir := []int{e.cp.Etcd.PID(), e.cp.APIServer.PID()}, e.dir
	e.stop(&log, false)
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process %d still runs after stop (kill -0: %v)", pid, err)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("run directory %s left behind: %v", dir, err)
	}
}
