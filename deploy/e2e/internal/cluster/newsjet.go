package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/newsjet/newsjet/deploy/e2e/internal/chart"
	"github.com/newsjet/newsjet/deploy/e2e/internal/kube"
)

// YAML joins objects into one multi-document YAML stream for kubectl.
func YAML(objs []*unstructured.Unstructured) (string, error) {
	var b strings.Builder
	for _, o := range objs {
		y, err := yaml.Marshal(o.Object)
		if err != nil {
			return "", err
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	return b.String(), nil
}

// NATS installs the official chart (release nats in namespace nats, PodSecurity baseline)
// with the values files, on a local PersistentVolume for its JetStream claim, and waits
// for its server.
func (c *Cluster) NATS(ctx context.Context, chartDir string, values []string, tag string) error {
	store := filepath.Join(c.Dir, "pv", "nats-js")
	if err := os.MkdirAll(store, 0o755); err != nil {
		return err
	}
	pv := `apiVersion: v1
kind: Namespace
metadata: {name: nats, labels: {pod-security.kubernetes.io/enforce: baseline}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: newsjet-e2e-nats-js}
spec:
  capacity: {storage: 10Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: ""
  local: {path: ` + store + `}
  nodeAffinity:
    required:
      nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [` + NodeName + `]}]}]
`
	if _, err := c.Kubectl(ctx, pv, "apply", "--server-side", "-f", "-"); err != nil {
		return err
	}
	objs, err := chart.Render(chartDir, chart.Release{Name: "nats", Namespace: "nats", ValueFiles: values,
		Set: map[string]any{"container": map[string]any{"image": map[string]any{"tag": tag}}}}, nil)
	if err != nil {
		return err
	}
	y, err := YAML(objs)
	if err != nil {
		return err
	}
	if _, err := c.Kubectl(ctx, y, "apply", "--server-side", "-f", "-"); err != nil {
		return err
	}
	return c.waitFor(ctx, "NATS server nats-0 ready", 4*time.Minute, func() (bool, error) {
		s, err := c.Core.AppsV1().StatefulSets("nats").Get(ctx, "nats", metav1.GetOptions{})
		return err == nil && s.Status.ReadyReplicas == 1, nil
	})
}

// NACK runs NACK's controller in its control-loop mode as a host process, connected to
// the nats Service's cluster address.
func (c *Cluster) NACK(ctx context.Context, bin string) error {
	svc, err := c.Core.CoreV1().Services("nats").Get(ctx, "nats", metav1.GetOptions{})
	if err != nil {
		return err
	}
	_, err = c.start("nack", bin, "--control-loop", "-s", "nats://"+svc.Spec.ClusterIP+":4222",
		"--kubeconfig", c.Kubeconfig, "--health-probe-bind-address", "127.0.0.1:0", "--sync-interval", "10s")
	return err
}

// PostgresPassword is the password of the role newsjet in the dev overlay's example DSN.
const PostgresPassword = "newsjet-dev"

// Postgres runs a PostgreSQL of its own (Debian's binaries, a fresh data directory) on the
// node address, port 5432, as the Service postgres.postgres.svc of the dev overlay's DSN,
// and returns the host DSN of its database newsjet.
func (c *Cluster) Postgres(ctx context.Context) (string, error) {
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(bins) == 0 {
		if err := run(ctx, "apt-get", "install", "-y", "-qq", "postgresql"); err != nil {
			return "", err
		}
		bins, _ = filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	}
	if len(bins) == 0 {
		return "", fmt.Errorf("%w: no PostgreSQL binaries", ErrHost)
	}
	binDir := filepath.Dir(bins[len(bins)-1])
	data := filepath.Join(c.Dir, "postgres")
	if err := os.MkdirAll(data, 0o700); err != nil {
		return "", err
	}
	uid, gid, err := postgresUser()
	if err != nil {
		return "", err
	}
	if err := os.Chmod(c.Dir, 0o755); err != nil {
		return "", err
	}
	if err := os.Chown(data, uid, gid); err != nil {
		return "", err
	}
	as := &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	pw := filepath.Join(data, "..", "pgpass")
	if err := os.WriteFile(pw, []byte(PostgresPassword+"\n"), 0o644); err != nil {
		return "", err
	}
	initdb := exec.CommandContext(ctx, filepath.Join(binDir, "initdb"), "-D", data, "-U", "newsjet", "--pwfile", pw, "-A", "scram-sha-256", "--no-sync")
	initdb.SysProcAttr = as
	if out, err := initdb.CombinedOutput(); err != nil {
		return "", fmt.Errorf("initdb: %v: %s", err, out)
	}
	hba := "host all all " + PodCIDR + " scram-sha-256\nhost all all " + NodeIP.String() + "/32 scram-sha-256\nlocal all all scram-sha-256\n"
	if err := os.WriteFile(filepath.Join(data, "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		return "", err
	}
	_ = os.Chown(filepath.Join(data, "pg_hba.conf"), uid, gid)
	p, err := kube.StartAs(c.Dir, "postgres", as, filepath.Join(binDir, "postgres"), "-D", data, "-h", NodeIP.String(), "-p", "5432",
		"-k", data, "-c", "fsync=off", "-c", "max_connections=200")
	if err != nil {
		return "", err
	}
	c.procs = append(c.procs, p)
	c.onDown("stop postgres", func() error { p.Stop(20 * time.Second); return nil })
	fmt.Fprintf(c.Log, "cluster: postgres started (pid %d)\n", p.PID())
	dsn := "postgres://newsjet:" + PostgresPassword + "@" + NodeIP.String() + ":5432/postgres?sslmode=disable"
	if err := c.waitFor(ctx, "PostgreSQL", time.Minute, func() (bool, error) {
		return exec.CommandContext(ctx, "psql", dsn, "-qAtc", "select 1").Run() == nil, nil
	}); err != nil {
		return "", err
	}
	if out, err := exec.CommandContext(ctx, "psql", dsn, "-qc", "CREATE DATABASE newsjet").CombinedOutput(); err != nil {
		return "", fmt.Errorf("creating database newsjet: %v: %s", err, out)
	}
	svc := `apiVersion: v1
kind: Namespace
metadata: {name: postgres}
---
apiVersion: v1
kind: Service
metadata: {name: postgres, namespace: postgres}
spec:
  ports: [{name: postgres, port: 5432, protocol: TCP, targetPort: 5432}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: postgres-host
  namespace: postgres
  labels: {kubernetes.io/service-name: postgres}
addressType: IPv4
ports: [{name: postgres, port: 5432, protocol: TCP}]
endpoints: [{addresses: ["` + NodeIP.String() + `"]}]
`
	if _, err := c.Kubectl(ctx, svc, "apply", "--server-side", "-f", "-"); err != nil {
		return "", err
	}
	return strings.Replace(dsn, "/postgres?", "/newsjet?", 1), nil
}

func postgresUser() (int, int, error) {
	data, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, ":")
		if len(f) > 3 && f[0] == "postgres" {
			uid, err1 := strconv.Atoi(f[2])
			gid, err2 := strconv.Atoi(f[3])
			return uid, gid, errors.Join(err1, err2)
		}
	}
	return 0, 0, fmt.Errorf("%w: no postgres user", ErrHost)
}

// KubeRouter runs kube-router as a host process with only its NetworkPolicy firewall, so
// the manifests' policies are enforced; its chains and ipsets go at teardown with every
// other chain the cluster created (its own --cleanup-config crashes in v2.1.0 on the
// service-proxy part it never ran).
func (c *Cluster) KubeRouter(ctx context.Context, bin string) error {
	if _, err := c.start("kube-router", bin, "--run-firewall=true", "--run-router=false", "--run-service-proxy=false",
		"--kubeconfig="+c.Kubeconfig, "--hostname-override="+NodeName, "--health-port=0", "--metrics-port=0"); err != nil {
		return err
	}
	return nil
}

// KEDA renders KEDA's own deployment (config/default of its module) with the images built
// here, without its admission webhooks (not built), applies it and waits for the operator
// and the metrics adapter.
func (c *Cluster) KEDA(ctx context.Context, moduleDir, operatorImage, adapterImage string) error {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), filepath.Join(moduleDir, "config", "default"))
	if err != nil {
		return fmt.Errorf("rendering KEDA: %w", err)
	}
	var objs []*unstructured.Unstructured
	for _, r := range m.Resources() {
		j, err := r.MarshalJSON()
		if err != nil {
			return err
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(j); err != nil {
			return err
		}
		if u.GetKind() == "ValidatingWebhookConfiguration" || strings.Contains(u.GetName(), "webhook") || strings.Contains(u.GetName(), "admission") {
			continue
		}
		if u.GetKind() == "Deployment" {
			containers, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
			for _, ct := range containers {
				cm := ct.(map[string]any)
				switch {
				case strings.Contains(cm["image"].(string), "keda-metrics-apiserver"):
					cm["image"] = adapterImage
				default:
					cm["image"] = operatorImage
				}
				cm["imagePullPolicy"] = "IfNotPresent"
			}
			if err := unstructured.SetNestedSlice(u.Object, containers, "spec", "template", "spec", "containers"); err != nil {
				return err
			}
		}
		objs = append(objs, u)
	}
	y, err := YAML(objs)
	if err != nil {
		return err
	}
	if _, err := c.Kubectl(ctx, y, "apply", "--server-side", "--force-conflicts", "-f", "-"); err != nil {
		return err
	}
	for _, d := range []string{"keda-operator", "keda-metrics-apiserver"} {
		if err := c.WaitDeployment(ctx, "keda", d, 5*time.Minute); err != nil {
			return err
		}
	}
	return nil
}
