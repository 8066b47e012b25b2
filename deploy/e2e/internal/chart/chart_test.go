package chart

import (
	"testing"
)

// TestRender renders a hand-made chart with a values file and a Set on top, and checks the
// values merge key by key, namespaced objects get the release's namespace, cluster-scoped
// ones none, and test hooks are left out.
func TestRender(t *testing.T) {
	objs, err := Render("testdata/demo", Release{
		Name: "r", Namespace: "ns",
		ValueFiles: []string{"testdata/override.yaml"},
		Set:        map[string]any{"nested": map[string]any{"a": 2}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 {
		t.Fatalf("%d objects, want the ConfigMap and the Namespace (no test hook)", len(objs))
	}
	cm, ns := objs[0], objs[1]
	if cm.GetKind() != "ConfigMap" || cm.GetName() != "r-config" || cm.GetNamespace() != "ns" {
		t.Errorf("ConfigMap %s/%s %s", cm.GetNamespace(), cm.GetName(), cm.GetKind())
	}
	data := cm.Object["data"].(map[string]any)
	if data["greeting"] != "bonjour" || data["sum"] != "42" || data["kube"] == "" {
		t.Errorf("data %v: want greeting bonjour (file), sum 42 (a from Set, b from file), a kube minor", data)
	}
	if ns.GetKind() != "Namespace" || ns.GetName() != "ns-extra" || ns.GetNamespace() != "" {
		t.Errorf("Namespace %q in %q", ns.GetName(), ns.GetNamespace())
	}
	if _, err := Render("testdata/missing", Release{Name: "r", Namespace: "ns"}, nil); err == nil {
		t.Error("Render of a missing chart succeeded")
	}
}
