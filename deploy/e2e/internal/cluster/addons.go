package cluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/newsjet/newsjet/deploy/e2e/internal/kube"
)

// Kubectl runs kubectl against the cluster with stdin (may be empty) and returns its output.
func (c *Cluster) Kubectl(ctx context.Context, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, c.kubectl, append([]string{"--kubeconfig", c.Kubeconfig}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("kubectl %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// ScratchImage builds a FROM scratch Docker image holding binary as /<name>, run as user
// 65532, tagged docker.io/newsjet-e2e/<name>:<tag>, unless it exists.
func ScratchImage(ctx context.Context, name, tag, binary string) (string, error) {
	ref := "docker.io/newsjet-e2e/" + name + ":" + tag
	if exec.CommandContext(ctx, "docker", "image", "inspect", ref).Run() == nil {
		return ref, nil
	}
	dir, err := os.MkdirTemp("", "newsjet-e2e-image-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	data, err := os.ReadFile(binary)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o755); err != nil {
		return "", err
	}
	dockerfile := fmt.Sprintf("FROM scratch\nCOPY %s /%s\nUSER 65532:65532\nENTRYPOINT [\"/%s\"]\n", name, name, name)
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "docker", "build", "-q", "-t", ref, dir)
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("docker build %s: %v: %s", ref, err, out)
	}
	return ref, nil
}

// PauseBinary compiles Kubernetes' pause container (build/pause/linux/pause.c in the
// k8s.io/kubernetes module) statically into the cache.
func PauseBinary(ctx context.Context, release string) (string, error) {
	dir, err := kube.CacheDir("pause", release)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "pause")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	out, err := exec.CommandContext(ctx, "go", "mod", "download", "-json", "k8s.io/kubernetes@"+release).Output()
	if err != nil {
		return "", err
	}
	var src string
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), `"Dir": "`); ok {
			src = filepath.Join(strings.TrimSuffix(v, `",`), "build", "pause", "linux", "pause.c")
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := run(ctx, "gcc", "-Os", "-static", "-DVERSION="+release, "-o", bin+".tmp", src); err != nil {
		return "", err
	}
	return bin, os.Rename(bin+".tmp", bin)
}

// coreDNS runs CoreDNS (kubernetes plugin only, nothing forwarded) as the cluster DNS at
// DNSServiceIP, labelled k8s-app=kube-dns as the manifests' DNS NetworkPolicy expects.
const coreDNS = `apiVersion: v1
kind: ServiceAccount
metadata: {name: coredns, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: newsjet-e2e:coredns}
rules:
  - apiGroups: [""]
    resources: [endpoints, services, pods, namespaces]
    verbs: [list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: newsjet-e2e:coredns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: newsjet-e2e:coredns}
subjects: [{kind: ServiceAccount, name: coredns, namespace: kube-system}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: coredns, namespace: kube-system}
data:
  Corefile: |
    .:53 {
        errors
        log
        health :8080
        ready :8181
        kubernetes cluster.local in-addr.arpa ip6.arpa {
            pods insecure
        }
    }
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  replicas: 1
  selector: {matchLabels: {k8s-app: kube-dns}}
  template:
    metadata: {labels: {k8s-app: kube-dns}}
    spec:
      serviceAccountName: coredns
      dnsPolicy: Default
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        sysctls: [{name: net.ipv4.ip_unprivileged_port_start, value: "53"}]
      containers:
        - name: coredns
          image: {{image}}
          imagePullPolicy: IfNotPresent
          args: [-conf, /etc/coredns/Corefile]
          ports:
            - {name: dns, containerPort: 53, protocol: UDP}
            - {name: dns-tcp, containerPort: 53, protocol: TCP}
          readinessProbe: {httpGet: {path: /ready, port: 8181}, periodSeconds: 2}
          volumeMounts: [{name: config, mountPath: /etc/coredns}]
      volumes: [{name: config, configMap: {name: coredns}}]
---
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  clusterIP: {{ip}}
  selector: {k8s-app: kube-dns}
  ports:
    - {name: dns, port: 53, protocol: UDP}
    - {name: dns-tcp, port: 53, protocol: TCP}
`

// dns deploys CoreDNS from its image and waits until it is ready.
func (c *Cluster) dns(ctx context.Context) error {
	if _, err := c.Kubectl(ctx, strings.NewReplacer("{{image}}", c.images["coredns"], "{{ip}}", DNSServiceIP).Replace(coreDNS),
		"apply", "--server-side", "-f", "-"); err != nil {
		return err
	}
	return c.WaitDeployment(ctx, "kube-system", "coredns", 3*time.Minute)
}

// WaitDeployment waits until every replica of a Deployment is updated and available.
func (c *Cluster) WaitDeployment(ctx context.Context, ns, name string, timeout time.Duration) error {
	return c.waitFor(ctx, "Deployment "+ns+"/"+name, timeout, func() (bool, error) {
		d, err := c.Core.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		return deploymentReady(d), nil
	})
}

func deploymentReady(d *appsv1.Deployment) bool {
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	s := d.Status
	return s.ObservedGeneration >= d.Generation && s.UpdatedReplicas == want && s.AvailableReplicas == want && s.Replicas == want
}

// StagePIDs returns the host PIDs of the containers of the pods selected in ns (their
// main processes, as the private containerd's tasks list them).
func (c *Cluster) StagePIDs(ctx context.Context, ns, selector string) ([]int, error) {
	pods, err := c.Core.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, err
	}
	out, err := exec.CommandContext(ctx, "ctr", "--address", c.Containerd, "-n", "k8s.io", "tasks", "ls").Output()
	if err != nil {
		return nil, err
	}
	pidOf := map[string]int{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[2] == "RUNNING" {
			if pid, err := strconv.Atoi(f[1]); err == nil {
				pidOf[f[0]] = pid
			}
		}
	}
	var pids []int
	for _, p := range pods.Items {
		if p.DeletionTimestamp != nil {
			continue
		}
		for _, cs := range p.Status.ContainerStatuses {
			id := strings.TrimPrefix(cs.ContainerID, "containerd://")
			pid, ok := pidOf[id]
			if !ok {
				return nil, fmt.Errorf("pod %s: container %s has no running task", p.Name, cs.Name)
			}
			pids = append(pids, pid)
		}
	}
	if len(pids) == 0 {
		return nil, fmt.Errorf("no running container selected by %s in %s", selector, ns)
	}
	return pids, nil
}
