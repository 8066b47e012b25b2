package deploysets

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/newsjet/newsjet/deploy/e2e/internal/apicheck"
	"github.com/newsjet/newsjet/deploy/tools/manifests"
	"github.com/newsjet/newsjet/deploy/tools/uncached"
)

func TestMain(m *testing.M) { uncached.Main(m, "deploy/") }

func TestValueCombinations(t *testing.T) {
	repo := t.TempDir()
	dir := filepath.Join(repo, "deploy", "nats")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"values-dev.yaml", "values-prod.yaml", "layer.yaml"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	combos, err := ValueCombinations(repo)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range combos {
		s := ""
		for _, f := range c {
			s += filepath.Base(f) + " "
		}
		got = append(got, s)
	}
	want := []string{"values-dev.yaml ", "values-dev.yaml layer.yaml ", "values-prod.yaml ", "values-prod.yaml layer.yaml "}
	if !slices.Equal(got, want) {
		t.Errorf("combinations %q, want %q", got, want)
	}
	if _, err := ValueCombinations(t.TempDir()); err == nil {
		t.Error("no values files: want an error")
	}
}

func TestSecretsUsed(t *testing.T) {
	spec := corev1.PodSpec{
		Volumes: []corev1.Volume{{Name: "creds", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "nats"}}}},
		Containers: []corev1.Container{{
			Env: []corev1.EnvVar{{Name: "DSN", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: "pg"}, Key: "dsn"}}}},
			EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "all"}}}},
		}},
	}
	got := secretsUsed("ns", spec)
	slices.Sort(got)
	if want := []string{"Secret/ns/all", "Secret/ns/nats", "Secret/ns/pg"}; !slices.Equal(got, want) {
		t.Errorf("secretsUsed = %v, want %v", got, want)
	}
}

func TestRepoRoot(t *testing.T) {
	root, err := RepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "deploy", "e2e", "go.mod")); err != nil {
		t.Errorf("RepoRoot = %s, which holds no deploy/e2e: %v", root, err)
	}
	if _, err := RepoRoot(t.TempDir()); err == nil {
		t.Error("RepoRoot outside a repository: want an error")
	}
}

// TestJobs builds the set of deploy/jobs: the Jobs and their NetworkPolicy in the overlays'
// namespace, with its PodSecurity level, and the example Secret their pods mount.
func TestJobs(t *testing.T) {
	repo, err := RepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	dec, err := manifests.NewDecoder(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s, err := Jobs(repo, dec)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range s.Objects {
		ids = append(ids, apicheck.ID(o))
		if o.GetKind() == "Namespace" && o.GetLabels()[apicheck.PodSecurityLabel] != "restricted" {
			t.Errorf("namespace %s enforces %q, want restricted", o.GetName(), o.GetLabels()[apicheck.PodSecurityLabel])
		}
	}
	slices.Sort(ids)
	want := []string{"Job/newsjet/newsjet-replay-dead-", "Job/newsjet/newsjet-replay-raw-", "Namespace/newsjet",
		"NetworkPolicy/newsjet/newsjet-replay", "Secret/newsjet/newsjet-nats"}
	if !slices.Equal(ids, want) {
		t.Errorf("jobs set %v, want %v", ids, want)
	}
}
