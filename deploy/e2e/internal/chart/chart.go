// Package chart renders a Helm chart in process, as `helm template` does for an install,
// with Helm's own loader and template engine (helm.sh/helm/v3): no helm binary, chart
// repository or network is needed.
package chart

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"sigs.k8s.io/yaml"
)

// ErrRender is wrapped by every Render failure.
var ErrRender = errors.New("chart: cannot render")

// clusterScoped lists the kinds a chart may create without a namespace.
var clusterScoped = []string{
	"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume",
	"StorageClass", "PriorityClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
}

// Release names an install: the release name and namespace, and the values files merged in
// order (a later file wins key by key, as `helm -f a -f b` merges them), then Set on top.
type Release struct {
	Name, Namespace string
	ValueFiles      []string
	Set             map[string]any
}

// Render renders the chart in dir for r and returns its objects in file order, hooks
// included except test hooks (which `helm install` does not create). Objects of namespaced
// kinds without a namespace get r.Namespace. caps is what the chart sees as
// .Capabilities (chartutil.DefaultCapabilities when nil).
func Render(dir string, r Release, caps *chartutil.Capabilities) ([]*unstructured.Unstructured, error) {
	ch, err := loader.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrRender, dir, err)
	}
	vals := map[string]any{}
	for _, f := range r.ValueFiles {
		v, err := chartutil.ReadValuesFile(f)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrRender, f, err)
		}
		merge(vals, v)
	}
	merge(vals, r.Set)
	if caps == nil {
		caps = chartutil.DefaultCapabilities
	}
	top, err := chartutil.ToRenderValues(ch, vals, chartutil.ReleaseOptions{Name: r.Name, Namespace: r.Namespace, IsInstall: true, Revision: 1}, caps)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrRender, dir, err)
	}
	files, err := engine.Render(ch, top)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrRender, dir, err)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		if strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml") || strings.HasSuffix(n, ".json") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var out []*unstructured.Unstructured
	for _, n := range names {
		if strings.HasPrefix(filepath.Base(n), "_") {
			continue
		}
		for _, doc := range bytes.Split([]byte(files[n]), []byte("\n---")) {
			j, err := yaml.YAMLToJSON(doc)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: %v", ErrRender, n, err)
			}
			if t := bytes.TrimSpace(j); len(t) == 0 || bytes.Equal(t, []byte("null")) {
				continue
			}
			u := &unstructured.Unstructured{}
			if err := u.UnmarshalJSON(j); err != nil {
				return nil, fmt.Errorf("%w: %s: %v", ErrRender, n, err)
			}
			if strings.Contains(u.GetAnnotations()["helm.sh/hook"], "test") {
				continue
			}
			if u.GetNamespace() == "" && !slices.Contains(clusterScoped, u.GetKind()) {
				u.SetNamespace(r.Namespace)
			}
			out = append(out, u)
		}
	}
	return out, nil
}

// merge copies src into dst, recursing into maps that both hold.
func merge(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

// CapabilitiesOf returns what a chart sees as .Capabilities on the server disc reaches: its
// version and every group/version and group/version/Kind it serves, as `helm install` does.
func CapabilitiesOf(disc discovery.DiscoveryInterface) (*chartutil.Capabilities, error) {
	v, err := disc.ServerVersion()
	if err != nil {
		return nil, err
	}
	_, lists, err := disc.ServerGroupsAndResources()
	if err != nil {
		return nil, err
	}
	set := chartutil.VersionSet{}
	for _, l := range lists {
		set = append(set, l.GroupVersion)
		for _, r := range l.APIResources {
			set = append(set, l.GroupVersion+"/"+r.Kind)
		}
	}
	caps := *chartutil.DefaultCapabilities
	caps.APIVersions = set
	caps.KubeVersion = chartutil.KubeVersion{Version: v.GitVersion, Major: v.Major, Minor: v.Minor}
	return &caps, nil
}
