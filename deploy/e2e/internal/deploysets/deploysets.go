// Package deploysets turns the repository's deploy/ tree into the sets of objects the
// end-to-end checks apply: every Kustomize overlay (with the example Secrets an operator
// would have created beside it), the operator's Jobs of deploy/jobs, and the official NATS
// chart rendered with each of deploy/nats's values files.
package deploysets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"helm.sh/helm/v3/pkg/chartutil"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/newsjet/newsjet/deploy/e2e/internal/apicheck"
	"github.com/newsjet/newsjet/deploy/e2e/internal/chart"
	"github.com/newsjet/newsjet/deploy/tools/manifests"
)

// ErrLayout is wrapped when the repository or chart directory is not laid out as expected.
var ErrLayout = errors.New("deploysets: unexpected layout")

// NATS release the deploy docs prescribe: release "nats" in namespace "nats".
const (
	NATSRelease   = "nats"
	NATSNamespace = "nats"
	// NATSPodSecurity is the PodSecurity level the check enforces in the NATS namespace.
	NATSPodSecurity = "baseline"
)

// RepoRoot returns the first directory at or above dir that holds deploy/overlays.
func RepoRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if st, err := os.Stat(filepath.Join(dir, "deploy", "overlays")); err == nil && st.IsDir() {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%w: no deploy/overlays above the working directory", ErrLayout)
		}
		dir = parent
	}
}

// ChartsDir is where the NATS charts are looked for: $NEWSJET_NATS_CHARTS, else
// ../shared/k8s beside the repository.
func ChartsDir(repo string) string {
	if d := os.Getenv("NEWSJET_NATS_CHARTS"); d != "" {
		return d
	}
	return filepath.Join(filepath.Dir(repo), "shared", "k8s")
}

func unstructuredOf(o manifests.Object) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(o.JSON); err != nil {
		return nil, fmt.Errorf("%s: %w", o.ID(), err)
	}
	return u, nil
}

// Overlays renders every overlay in deploy/overlays (strictly decoded, as the offline check
// does) and adds the example Secrets of deploy/secrets that an overlay's pods use without the
// overlay generating them (the ones an operator creates).
func Overlays(repo string, dec *manifests.Decoder) ([]apicheck.Set, error) {
	dirs, err := filepath.Glob(filepath.Join(repo, "deploy", "overlays", "*"))
	if err != nil || len(dirs) == 0 {
		return nil, fmt.Errorf("%w: no overlays in %s/deploy/overlays (%v)", ErrLayout, repo, err)
	}
	secrets, err := exampleSecrets(repo, dec)
	if err != nil {
		return nil, err
	}
	var sets []apicheck.Set
	for _, dir := range dirs {
		objs, err := dec.Render(dir)
		if err != nil {
			return nil, err
		}
		s := apicheck.Set{Name: "overlay " + filepath.Base(dir)}
		has, used := map[string]bool{}, map[string]bool{}
		for _, o := range objs {
			u, err := unstructuredOf(o)
			if err != nil {
				return nil, err
			}
			s.Objects = append(s.Objects, u)
			has[apicheck.ID(u)] = true
			if d, ok := o.Typed.(*appsv1.Deployment); ok {
				for _, name := range secretsUsed(d.Namespace, d.Spec.Template.Spec) {
					used[name] = true
				}
			}
		}
		for _, sec := range secrets {
			if id := apicheck.ID(sec); used[id] && !has[id] {
				s.Objects = append(s.Objects, sec.DeepCopy())
			}
		}
		sets = append(sets, s)
	}
	return sets, nil
}

// exampleSecrets decodes the example Secrets of deploy/secrets.
func exampleSecrets(repo string, dec *manifests.Decoder) ([]*unstructured.Unstructured, error) {
	examples, err := filepath.Glob(filepath.Join(repo, "deploy", "secrets", "*.example.yaml"))
	if err != nil {
		return nil, err
	}
	var secrets []*unstructured.Unstructured
	for _, f := range examples {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		o, err := dec.Decode(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		u, err := unstructuredOf(o)
		if err != nil {
			return nil, err
		}
		secrets = append(secrets, u)
	}
	return secrets, nil
}

// Jobs returns the set of deploy/jobs (strictly decoded: the replay Jobs and their
// NetworkPolicy) as an operator runs them: in the namespace every overlay declares
// (deploy/base's, with its PodSecurity level), beside the example Secrets of deploy/secrets
// their pods read.
func Jobs(repo string, dec *manifests.Decoder) (apicheck.Set, error) {
	s := apicheck.Set{Name: "jobs"}
	base, err := dec.Render(filepath.Join(repo, "deploy", "base"))
	if err != nil {
		return s, err
	}
	for _, o := range base {
		if o.Kind != "Namespace" {
			continue
		}
		u, err := unstructuredOf(o)
		if err != nil {
			return s, err
		}
		s.Objects = append(s.Objects, u)
	}
	jobs, err := dec.DecodeDir(filepath.Join(repo, "deploy", "jobs"))
	if err != nil {
		return s, err
	}
	used := map[string]bool{}
	for _, o := range jobs {
		u, err := unstructuredOf(o)
		if err != nil {
			return s, err
		}
		s.Objects = append(s.Objects, u)
		if j, ok := o.Typed.(*batchv1.Job); ok {
			for _, name := range secretsUsed(j.Namespace, j.Spec.Template.Spec) {
				used[name] = true
			}
		}
	}
	secrets, err := exampleSecrets(repo, dec)
	if err != nil {
		return s, err
	}
	for _, sec := range secrets {
		if used[apicheck.ID(sec)] {
			s.Objects = append(s.Objects, sec)
		}
	}
	return s, nil
}

// secretsUsed returns the Secrets a pod reads (env, envFrom, volumes) as Secret/ns/name.
func secretsUsed(ns string, spec corev1.PodSpec) []string {
	var names []string
	for _, v := range spec.Volumes {
		if v.Secret != nil {
			names = append(names, v.Secret.SecretName)
		}
	}
	for _, c := range append(spec.InitContainers, spec.Containers...) {
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				names = append(names, e.ValueFrom.SecretKeyRef.Name)
			}
		}
		for _, e := range c.EnvFrom {
			if e.SecretRef != nil {
				names = append(names, e.SecretRef.Name)
			}
		}
	}
	for i, n := range names {
		names[i] = "Secret/" + ns + "/" + n
	}
	return names
}

// ValueCombinations lists the values files of deploy/nats as the check renders them: each
// values-*.yaml alone, and each with every other file (the layers, such as
// newsjet-image.yaml) after it.
func ValueCombinations(repo string) ([][]string, error) {
	files, err := filepath.Glob(filepath.Join(repo, "deploy", "nats", "*.yaml"))
	if err != nil {
		return nil, err
	}
	var bases, layers []string
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "values-") {
			bases = append(bases, f)
		} else {
			layers = append(layers, f)
		}
	}
	if len(bases) == 0 {
		return nil, fmt.Errorf("%w: no values-*.yaml in %s/deploy/nats", ErrLayout, repo)
	}
	var combos [][]string
	for _, b := range bases {
		combos = append(combos, []string{b})
		for _, l := range layers {
			combos = append(combos, []string{b, l})
		}
	}
	return combos, nil
}

// Charts returns the chart directories under dir (each holding a Chart.yaml), or dir itself
// when it is a chart. None is no error: the chart renders are then skipped.
func Charts(dir string) ([]string, error) {
	if _, err := os.Stat(filepath.Join(dir, "Chart.yaml")); err == nil {
		return []string{dir}, nil
	}
	found, err := filepath.Glob(filepath.Join(dir, "*", "Chart.yaml"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range found {
		out = append(out, filepath.Dir(f))
	}
	return out, nil
}

// ChartSets renders each chart with each value combination as release NATSRelease in
// NATSNamespace, created with the NATSPodSecurity level.
func ChartSets(repo string, charts []string, caps *chartutil.Capabilities) ([]apicheck.Set, error) {
	combos, err := ValueCombinations(repo)
	if err != nil {
		return nil, err
	}
	var sets []apicheck.Set
	for _, dir := range charts {
		for _, files := range combos {
			objs, err := chart.Render(dir, chart.Release{Name: NATSRelease, Namespace: NATSNamespace, ValueFiles: files}, caps)
			if err != nil {
				return nil, err
			}
			var names []string
			for _, f := range files {
				names = append(names, filepath.Base(f))
			}
			sets = append(sets, apicheck.Set{
				Name:       fmt.Sprintf("chart %s with %s", filepath.Base(dir), strings.Join(names, "+")),
				Objects:    objs,
				Namespaces: map[string]string{NATSNamespace: NATSPodSecurity},
			})
		}
	}
	return sets, nil
}
