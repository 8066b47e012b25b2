package deploysets

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

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
