package cluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/newsjet/newsjet/deploy/e2e/internal/kube"
)

// ErrHost is wrapped when this machine lacks what the cluster needs.
var ErrHost = errors.New("cluster: host not ready")

// The cluster's network: a bridge on the host whose address is the node's, pods on the
// bridge's subnet, Services on their own range. Both ranges exist only on this host.
const (
	Bridge       = "nj0"
	NodeName     = "newsjet-e2e"
	PodCIDR      = "10.244.0.0/24"
	ServiceCIDR  = "10.96.0.0/24"
	DNSServiceIP = "10.96.0.10"
	// ruleComment marks every iptables rule the cluster adds, so teardown deletes exactly those.
	ruleComment = "newsjet-e2e"
)

// NodeIP is the bridge's address: the node's IP and the gateway of its pods.
var NodeIP = net.IPv4(10, 244, 0, 1)

// Cluster is a running one-node cluster. Down undoes everything Up did, in reverse.
type Cluster struct {
	Dir  string
	Log  io.Writer
	CP   *kube.ControlPlane
	Core kubernetes.Interface
	// Kubeconfig is the administrator's kubeconfig.
	Kubeconfig string
	kubectl    string
	// Containerd is the private containerd's socket.
	Containerd string
	bins       map[string]string
	images     map[string]string
	procs      []*kube.Proc
	undo       []step
}

type step struct {
	name string
	fn   func() error
}

// onDown registers fn to run at teardown (last registered runs first).
func (c *Cluster) onDown(name string, fn func() error) { c.undo = append(c.undo, step{name, fn}) }

// Down stops every process the cluster started (by PID, in reverse start order, each with
// its own teardown) and undoes every host change, reporting what failed.
func (c *Cluster) Down() error {
	var errs []error
	for i := len(c.undo) - 1; i >= 0; i-- {
		if err := c.undo[i].fn(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.undo[i].name, err))
		}
	}
	c.undo = nil
	return errors.Join(errs...)
}

func (c *Cluster) start(name, bin string, args ...string) (*kube.Proc, error) {
	p, err := kube.Start(c.Dir, name, bin, args...)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(c.Log, "cluster: %s started (pid %d, log %s)\n", name, p.PID(), p.Log)
	c.procs = append(c.procs, p)
	c.onDown("stop "+name, func() error { p.Stop(20 * time.Second); return nil })
	return p, nil
}

// DeleteWorkloads deletes the namespaces and waits (at most timeout) until their pods are
// gone, so the kubelet stops them as a cluster would, preStop hooks included. It returns
// the FailedPreStopHook events seen meanwhile.
func (c *Cluster) DeleteWorkloads(ctx context.Context, timeout time.Duration, namespaces ...string) ([]string, error) {
	var hooks []string
	for _, ns := range namespaces {
		evs, err := c.Core.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
		if err == nil {
			for _, e := range evs.Items {
				if e.Reason == "FailedPreStopHook" {
					hooks = append(hooks, e.InvolvedObject.Name+": "+e.Message)
				}
			}
		}
		if err := c.Core.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return hooks, err
		}
	}
	err := c.waitFor(ctx, "pods of "+strings.Join(namespaces, ", ")+" gone", timeout, func() (bool, error) {
		for _, ns := range namespaces {
			pods, err := c.Core.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
			if err != nil || len(pods.Items) > 0 {
				if e, lerr := c.Core.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "reason=FailedPreStopHook"}); lerr == nil {
					for _, ev := range e.Items {
						if h := ev.InvolvedObject.Name + ": " + ev.Message; !slices.Contains(hooks, h) {
							hooks = append(hooks, h)
						}
					}
				}
				return false, nil
			}
		}
		return true, nil
	})
	return hooks, err
}

// Procs returns the processes the cluster runs.
func (c *Cluster) Procs() []*kube.Proc { return c.procs }

func run(ctx context.Context, name string, args ...string) error {
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Options say what to run.
type Options struct {
	Dir string
	Log io.Writer
	// Bins maps each binary (etcd, kube-*, kubelet, kubectl, and the add-ons) to its path.
	Bins map[string]string
	// Images are the local Docker images to load into the cluster's containerd.
	Images []string
	// AddonImages maps an add-on (coredns) to its image, among Images.
	AddonImages map[string]string
}

// Up brings the cluster up to a Ready node with cluster DNS. On error, what was done is
// undone before Up returns.
func Up(ctx context.Context, o Options) (c *Cluster, err error) {
	c = &Cluster{Dir: o.Dir, Log: o.Log, bins: o.Bins, kubectl: o.Bins["kubectl"], images: o.AddonImages}
	defer func() {
		if err != nil {
			if derr := c.Down(); derr != nil {
				err = errors.Join(err, derr)
			}
		}
	}()
	if err := preflight(ctx); err != nil {
		return c, err
	}
	c.onDown("unmount what remains mounted under "+c.Dir, func() error { return unmountUnder(c.Dir) })
	if err := c.network(ctx); err != nil {
		return c, err
	}
	if err := c.controlPlane(ctx); err != nil {
		return c, err
	}
	if err := c.containerd(ctx, o.Images); err != nil {
		return c, err
	}
	if err := c.node(ctx); err != nil {
		return c, err
	}
	return c, c.dns(ctx)
}

// preflight checks the host: root, Debian's containerd, runc, CNI plugins, iptables and
// ipset (installing the missing packages), and bridge netfilter.
func preflight(ctx context.Context) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: the cluster needs root (network, containerd, kubelet)", ErrHost)
	}
	var missing []string
	for pkg, file := range map[string]string{
		"containerd": "/usr/bin/containerd", "runc": "/usr/sbin/runc", "containernetworking-plugins": "/usr/lib/cni/bridge",
		"iptables": "/usr/sbin/iptables", "ipset": "/usr/sbin/ipset", "iproute2": "/usr/sbin/ip",
	} {
		if _, err := os.Stat(file); err != nil {
			missing = append(missing, pkg)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		if err := run(ctx, "apt-get", "update", "-qq"); err != nil {
			return fmt.Errorf("%w: %v", ErrHost, err)
		}
		if err := run(ctx, "apt-get", append([]string{"install", "-y", "-qq", "--no-install-recommends"}, missing...)...); err != nil {
			return fmt.Errorf("%w: %v", ErrHost, err)
		}
	}
	if _, err := os.Stat("/proc/sys/net/bridge/bridge-nf-call-iptables"); err != nil {
		if err := run(ctx, "modprobe", "br_netfilter"); err != nil {
			return fmt.Errorf("%w: bridge netfilter is off and cannot be loaded: %v", ErrHost, err)
		}
	}
	return nil
}

// iptablesRule is one rule the cluster inserts into the filter table.
type iptablesRule []string

// network creates the bridge and the forwarding rules: pods reach each other and the host
// (the node's address), and are never forwarded anywhere else.
func (c *Cluster) network(ctx context.Context) error {
	before, err := snapshotNet(ctx)
	if err != nil {
		return err
	}
	c.onDown("remove the iptables chains and ipsets the cluster's components created", func() error {
		return restoreNet(context.Background(), before)
	})
	if err := run(ctx, "ip", "link", "add", Bridge, "type", "bridge"); err != nil {
		return err
	}
	c.onDown("remove bridge "+Bridge, func() error { return run(context.Background(), "ip", "link", "del", Bridge) })
	if err := run(ctx, "ip", "addr", "add", NodeIP.String()+"/24", "dev", Bridge); err != nil {
		return err
	}
	if err := run(ctx, "ip", "link", "set", Bridge, "up"); err != nil {
		return err
	}
	// Bridged pod traffic passes the filter table's FORWARD chain (bridge netfilter), where
	// Docker's policy is DROP: accept it there. Anything from a pod or the bridge that would
	// leave through another interface is dropped earlier, in mangle's FORWARD chain, which
	// neither Docker, kube-proxy nor kube-router write to: pods reach nothing beyond this host.
	for _, r := range []iptablesRule{
		{"filter", "FORWARD", "-i", Bridge, "-o", Bridge, "-j", "ACCEPT"},
		{"mangle", "FORWARD", "-s", PodCIDR, "!", "-o", Bridge, "-j", "DROP"},
		{"mangle", "FORWARD", "-i", Bridge, "!", "-o", Bridge, "-j", "DROP"},
	} {
		match := append(append([]string{}, r[2:]...), "-m", "comment", "--comment", ruleComment)
		if err := run(ctx, "iptables", append([]string{"-t", r[0], "-I", r[1], "1"}, match...)...); err != nil {
			return err
		}
		del := append([]string{"-t", r[0], "-D", r[1]}, match...)
		c.onDown("delete iptables rule "+strings.Join(r, " "), func() error {
			return run(context.Background(), "iptables", del...)
		})
	}
	return nil
}

func (c *Cluster) kubeconfig(name, cn string, orgs ...string) (string, error) {
	cert, key, err := c.CP.PKI.Client(name, cn, orgs...)
	if err != nil {
		return "", err
	}
	path := filepath.Join(c.Dir, name+".kubeconfig")
	return path, kube.WriteKubeconfig(path, c.CP.URL, c.CP.PKI.CAFile, cert, key)
}

// controlPlane starts etcd, kube-apiserver (on the node's address, with the aggregation
// layer's front proxy for KEDA's metrics adapter), the controller manager and the scheduler.
func (c *Cluster) controlPlane(ctx context.Context) error {
	pki, err := kube.NewPKI(filepath.Join(c.Dir, "pki"), "ca")
	if err != nil {
		return err
	}
	kubeletCert, kubeletKey, err := pki.Client("apiserver-kubelet-client", "kube-apiserver-kubelet-client", "system:masters")
	if err != nil {
		return err
	}
	front, err := kube.NewPKI(filepath.Join(c.Dir, "pki", "front-proxy"), "front-proxy-ca")
	if err != nil {
		return err
	}
	proxyCert, proxyKey, err := front.Client("front-proxy-client", "front-proxy-client")
	if err != nil {
		return err
	}
	c.CP, err = kube.StartControlPlane(ctx, kube.ControlPlaneOptions{
		Dir: c.Dir, Etcd: c.bins["etcd"], APIServer: c.bins["kube-apiserver"], Address: NodeIP, ServiceCIDR: ServiceCIDR, PKI: pki,
		ExtraArgs: []string{
			"--kubelet-client-certificate=" + kubeletCert, "--kubelet-client-key=" + kubeletKey,
			"--kubelet-certificate-authority=" + pki.CAFile,
			"--requestheader-client-ca-file=" + front.CAFile, "--requestheader-allowed-names=front-proxy-client",
			"--requestheader-username-headers=X-Remote-User", "--requestheader-group-headers=X-Remote-Group",
			"--requestheader-extra-headers-prefix=X-Remote-Extra-",
			"--proxy-client-cert-file=" + proxyCert, "--proxy-client-key-file=" + proxyKey,
			"--enable-aggregator-routing=true", "--kubelet-preferred-address-types=InternalIP",
		},
	})
	if c.CP != nil {
		c.procs = append(c.procs, c.CP.Etcd, c.CP.APIServer)
		c.onDown("stop kube-apiserver and etcd", func() error { c.CP.Stop(); return nil })
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Log, "cluster: etcd (pid %d) and kube-apiserver (pid %d) at %s\n", c.CP.Etcd.PID(), c.CP.APIServer.PID(), c.CP.URL)
	c.Kubeconfig = c.CP.Kubeconfig
	if c.Core, err = kubernetes.NewForConfig(c.CP.Config); err != nil {
		return err
	}
	cm, err := c.kubeconfig("controller-manager", "system:kube-controller-manager")
	if err != nil {
		return err
	}
	if _, err := c.start("kube-controller-manager", c.bins["kube-controller-manager"],
		"--kubeconfig="+cm, "--authentication-kubeconfig="+cm, "--authorization-kubeconfig="+cm,
		"--service-account-private-key-file="+c.CP.ServiceAccountKey, "--root-ca-file="+pki.CAFile,
		"--cluster-signing-cert-file="+pki.CAFile, "--cluster-signing-key-file="+pki.KeyFile(),
		"--use-service-account-credentials=true", "--leader-elect=false",
		"--bind-address=127.0.0.1", "--secure-port=0", "--service-cluster-ip-range="+ServiceCIDR,
		"--controllers=*,-nodeipam"); err != nil {
		return err
	}
	sched, err := c.kubeconfig("scheduler", "system:kube-scheduler")
	if err != nil {
		return err
	}
	_, err = c.start("kube-scheduler", c.bins["kube-scheduler"],
		"--kubeconfig="+sched, "--authentication-kubeconfig="+sched, "--authorization-kubeconfig="+sched,
		"--leader-elect=false", "--bind-address=127.0.0.1", "--secure-port=0")
	return err
}

// containerdConfig is a private containerd: its own root, state and socket beside Docker's,
// the native snapshotter, runc without systemd cgroups, and restrict_oom_score_adj, since
// this VM withholds CAP_SYS_RESOURCE (runc fails every sandbox on its -998 score otherwise).
const containerdConfig = `version = 2
root = "{{dir}}/root"
state = "{{dir}}/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.overlayfs"]
[grpc]
  address = "{{dir}}/containerd.sock"
[ttrpc]
  address = "{{dir}}/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{{pause}}"
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "{{dir}}/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "{{cni}}"
`

// cniConfig puts pods on the bridge with addresses from PodCIDR; no masquerade, so pod
// traffic keeps its source address and the forwarding rules can hold it on the bridge.
const cniConfig = `{
  "cniVersion": "1.0.0",
  "name": "newsjet-e2e",
  "plugins": [
    {"type": "bridge", "bridge": "` + Bridge + `", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "dataDir": "{{ipam}}", "ranges": [[{"subnet": "` + PodCIDR + `", "gateway": "10.244.0.1"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
`

// PauseImage is the sandbox image built from Kubernetes' pause.c.
const PauseImage = "docker.io/newsjet-e2e/pause:3.10"

// containerd starts the private containerd and loads the pause image and images into it.
func (c *Cluster) containerd(ctx context.Context, images []string) error {
	dir := filepath.Join(c.Dir, "containerd")
	cni := filepath.Join(c.Dir, "cni")
	for _, d := range []string{dir, cni} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	cfg := strings.NewReplacer("{{dir}}", dir, "{{cni}}", cni, "{{pause}}", PauseImage).Replace(containerdConfig)
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(cfg), 0o644); err != nil {
		return err
	}
	conf := strings.ReplaceAll(cniConfig, "{{ipam}}", filepath.Join(c.Dir, "cni-ipam"))
	if err := os.WriteFile(filepath.Join(cni, "10-newsjet-e2e.conflist"), []byte(conf), 0o644); err != nil {
		return err
	}
	c.Containerd = filepath.Join(dir, "containerd.sock")
	// These run after the pods' containers are gone (registered before their removal).
	c.onDown("remove the pods' cgroups", removeKubepodsCgroups)
	c.onDown("unmount kubelet volumes", func() error { return unmountUnder(filepath.Join(c.Dir, "kubelet")) })
	if _, err := c.start("containerd", "/usr/bin/containerd", "--config", filepath.Join(dir, "config.toml")); err != nil {
		return err
	}
	// Pod sandboxes outlive a stopped containerd as shims: remove them through containerd
	// while it still runs (registered after its stop, so it runs before it).
	c.onDown("remove pod containers", func() error { return c.removeContainers() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := run(ctx, "ctr", "--address", c.Containerd, "version"); err == nil {
			break
		} else if time.Now().After(deadline) {
			return fmt.Errorf("%w: containerd did not start: %v", kube.ErrNotReady, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return c.loadImages(ctx, images)
}

// removeContainers stops and removes every container and sandbox of the private
// containerd (its k8s.io namespace).
func (c *Cluster) removeContainers() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ctr", "--address", c.Containerd, "-n", "k8s.io", "tasks", "ls", "-q").Output()
	if err != nil {
		return err
	}
	for _, id := range strings.Fields(string(out)) {
		_ = run(ctx, "ctr", "--address", c.Containerd, "-n", "k8s.io", "tasks", "kill", "-s", "SIGKILL", id)
		_ = run(ctx, "ctr", "--address", c.Containerd, "-n", "k8s.io", "tasks", "delete", "-f", id)
	}
	out, err = exec.CommandContext(ctx, "ctr", "--address", c.Containerd, "-n", "k8s.io", "containers", "ls", "-q").Output()
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range strings.Fields(string(out)) {
		if err := run(ctx, "ctr", "--address", c.Containerd, "-n", "k8s.io", "containers", "delete", id); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// loadImages moves Docker images into the private containerd (no registry).
func (c *Cluster) loadImages(ctx context.Context, images []string) error {
	for _, img := range images {
		save := exec.CommandContext(ctx, "docker", "save", img)
		load := exec.CommandContext(ctx, "ctr", "--address", c.Containerd, "-n", "k8s.io", "images", "import", "--snapshotter", "native", "-")
		pipe, err := save.StdoutPipe()
		if err != nil {
			return err
		}
		load.Stdin = pipe
		var loadOut strings.Builder
		load.Stdout, load.Stderr = &loadOut, &loadOut
		if err := save.Start(); err != nil {
			return err
		}
		if err := load.Run(); err != nil {
			_ = save.Wait()
			return fmt.Errorf("importing %s: %v: %s", img, err, loadOut.String())
		}
		if err := save.Wait(); err != nil {
			return fmt.Errorf("docker save %s: %w", img, err)
		}
	}
	fmt.Fprintf(c.Log, "cluster: %d images loaded into containerd\n", len(images))
	return nil
}

const kubeletConfig = `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: {{ip}}
port: {{port}}
readOnlyPort: 0
healthzPort: 0
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: {{ca}}}
authorization: {mode: Webhook}
tlsCertFile: {{cert}}
tlsPrivateKeyFile: {{key}}
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
clusterDNS: [{{dns}}]
clusterDomain: cluster.local
resolvConf: ""
containerRuntimeEndpoint: unix://{{sock}}
serializeImagePulls: false
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
podLogsDir: {{logs}}
`

// node starts the kubelet and kube-proxy and waits until the node is Ready.
func (c *Cluster) node(ctx context.Context) error {
	cert, key, err := c.CP.PKI.Serving("kubelet-serving", []net.IP{NodeIP}, []string{NodeName})
	if err != nil {
		return err
	}
	port, err := kube.FreePort(NodeIP)
	if err != nil {
		return err
	}
	cfg := strings.NewReplacer("{{ip}}", NodeIP.String(), "{{port}}", strconv.Itoa(port), "{{ca}}", c.CP.PKI.CAFile,
		"{{cert}}", cert, "{{key}}", key, "{{dns}}", DNSServiceIP, "{{sock}}", c.Containerd,
		"{{logs}}", filepath.Join(c.Dir, "pod-logs")).Replace(kubeletConfig)
	cfgFile := filepath.Join(c.Dir, "kubelet.yaml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o644); err != nil {
		return err
	}
	kc, err := c.kubeconfig("kubelet", "system:node:"+NodeName, "system:nodes")
	if err != nil {
		return err
	}
	root := filepath.Join(c.Dir, "kubelet")
	if _, err := c.start("kubelet", c.bins["kubelet"], "--config="+cfgFile, "--kubeconfig="+kc,
		"--root-dir="+root, "--cert-dir="+filepath.Join(root, "pki"), "--node-ip="+NodeIP.String(), "--hostname-override="+NodeName, "--v=1"); err != nil {
		return err
	}
	proxy, err := c.kubeconfig("kube-proxy", "system:kube-proxy", "system:node-proxier")
	if err != nil {
		return err
	}
	metricsPort, err := kube.FreePort(net.IPv4(127, 0, 0, 1))
	if err != nil {
		return err
	}
	proxyCfg := filepath.Join(c.Dir, "kube-proxy.yaml")
	if err := os.WriteFile(proxyCfg, []byte(`apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: `+proxy+`}
hostnameOverride: `+NodeName+`
clusterCIDR: `+PodCIDR+`
bindAddress: `+NodeIP.String()+`
metricsBindAddress: 127.0.0.1:`+strconv.Itoa(metricsPort)+`
healthzBindAddress: ""
conntrack: {maxPerCore: 0, min: 0}
iptables: {localhostNodePorts: false}
`), 0o644); err != nil {
		return err
	}
	if _, err := c.start("kube-proxy", c.bins["kube-proxy"], "--config="+proxyCfg); err != nil {
		return err
	}
	c.onDown("remove kube-proxy's rules", func() error {
		return run(context.Background(), c.bins["kube-proxy"], "--cleanup", "--config="+proxyCfg)
	})
	return c.waitFor(ctx, "node "+NodeName+" Ready", 3*time.Minute, func() (bool, error) {
		n, err := c.Core.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
}

// removeKubepodsCgroups removes the (empty, once the pods are gone) cgroups the kubelet
// created for pods, deepest first.
func removeKubepodsCgroups() error {
	var dirs []string
	roots, _ := filepath.Glob("/sys/fs/cgroup/*/kubepods")
	roots = append(roots, "/sys/fs/cgroup/kubepods")
	for _, r := range roots {
		_ = filepath.WalkDir(r, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
	}
	slices.SortFunc(dirs, func(a, b string) int { return len(b) - len(a) })
	var errs []error
	for _, d := range dirs {
		if err := os.Remove(d); err != nil && !os.IsNotExist(err) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// tables are the iptables tables the cluster's components write.
var tables = []string{"filter", "nat", "mangle", "raw"}

// netState is what iptables chains ("table/chain") and ipsets exist.
type netState struct {
	chains, sets map[string]bool
}

func snapshotNet(ctx context.Context) (netState, error) {
	st := netState{chains: map[string]bool{}, sets: map[string]bool{}}
	for _, t := range tables {
		out, err := exec.CommandContext(ctx, "iptables-save", "-t", t).Output()
		if err != nil {
			return st, fmt.Errorf("iptables-save -t %s: %w", t, err)
		}
		for _, line := range strings.Split(string(out), "\n") {
			if name, ok := strings.CutPrefix(line, ":"); ok {
				st.chains[t+"/"+strings.Fields(name)[0]] = true
			}
		}
	}
	if out, err := exec.CommandContext(ctx, "ipset", "list", "-n").Output(); err == nil {
		for _, n := range strings.Fields(string(out)) {
			st.sets[n] = true
		}
	}
	return st, nil
}

// restoreNet removes the iptables chains and ipsets that did not exist in before (those
// kube-proxy, kube-router and the kubelet created), with every rule jumping to them.
func restoreNet(ctx context.Context, before netState) error {
	now, err := snapshotNet(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, t := range tables {
		var created []string
		for tc := range now.chains {
			if chain, ok := strings.CutPrefix(tc, t+"/"); ok && !before.chains[tc] {
				created = append(created, chain)
			}
		}
		if len(created) == 0 {
			continue
		}
		out, err := exec.CommandContext(ctx, "iptables-save", "-t", t).Output()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Fields(line)
			if len(f) < 2 || f[0] != "-A" || slices.Contains(created, f[1]) {
				continue
			}
			if i := slices.Index(f, "-j"); i > 0 && i+1 < len(f) && slices.Contains(created, f[i+1]) {
				del := exec.CommandContext(ctx, "sh", "-c", "iptables -t "+t+" -D "+strings.TrimPrefix(line, "-A "))
				if out, err := del.CombinedOutput(); err != nil {
					errs = append(errs, fmt.Errorf("iptables -D %s: %v: %s", line, err, out))
				}
			}
		}
		for _, ch := range created {
			errs = append(errs, run(ctx, "iptables", "-t", t, "-F", ch))
		}
		for _, ch := range created {
			errs = append(errs, run(ctx, "iptables", "-t", t, "-X", ch))
		}
	}
	for n := range now.sets {
		if !before.sets[n] {
			errs = append(errs, run(ctx, "ipset", "destroy", n))
		}
	}
	return errors.Join(errs...)
}

// unmountUnder unmounts every mount point below dir, deepest first.
func unmountUnder(dir string) error {
	f, err := os.Open("/proc/self/mounts")
	if err != nil {
		return err
	}
	defer f.Close()
	var points []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 1 && (strings.HasPrefix(fields[1], dir+"/") || fields[1] == dir) {
			points = append(points, fields[1])
		}
	}
	slices.SortFunc(points, func(a, b string) int { return len(b) - len(a) })
	var errs []error
	for _, p := range points {
		if err := run(context.Background(), "umount", p); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// waitFor polls cond every half second until it holds, fails or timeout passes; a cluster
// process that exits meanwhile ends the wait.
func (c *Cluster) waitFor(ctx context.Context, what string, timeout time.Duration, cond func() (bool, error)) error {
	return c.poll(ctx, what, timeout, 500*time.Millisecond, cond)
}

func (c *Cluster) poll(ctx context.Context, what string, timeout, every time.Duration, cond func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		if ok {
			return nil
		}
		for _, p := range c.procs {
			if err := p.Exited(); err != nil {
				return fmt.Errorf("waiting for %s: %w", what, err)
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: %s after %v", kube.ErrNotReady, what, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(every):
		}
	}
}

// WaitFor polls cond every half second until it holds, fails or timeout passes; a cluster
// process that exits meanwhile ends the wait.
func (c *Cluster) WaitFor(ctx context.Context, what string, timeout time.Duration, cond func() (bool, error)) error {
	return c.waitFor(ctx, what, timeout, cond)
}

// WaitEvery is WaitFor polling every interval.
func (c *Cluster) WaitEvery(ctx context.Context, what string, timeout, every time.Duration, cond func() (bool, error)) error {
	return c.poll(ctx, what, timeout, every, cond)
}
