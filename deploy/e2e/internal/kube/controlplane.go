package kube

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// ErrNotReady is wrapped when a component does not become ready in time.
var ErrNotReady = errors.New("kube: component not ready")

// ControlPlaneOptions says what to start and where.
type ControlPlaneOptions struct {
	// Dir holds the run's certificates, etcd data and logs.
	Dir string
	// Etcd and APIServer are the binaries.
	Etcd, APIServer string
	// Address is where kube-apiserver listens and what it advertises (default 127.0.0.1).
	// On a loopback address it keeps no Endpoints for the kubernetes Service, which may
	// not hold one.
	Address net.IP
	// ServiceCIDR is the Service IP range (default 10.0.0.0/24).
	ServiceCIDR string
	// ExtraArgs are appended to kube-apiserver's flags.
	ExtraArgs []string
	// PKI is the certificate authority to use (default: a new one in Dir/pki), so a caller
	// can issue certificates named in ExtraArgs beforehand.
	PKI *PKI
}

// ControlPlane is a running etcd and kube-apiserver, both on random ports.
type ControlPlane struct {
	Options ControlPlaneOptions
	PKI     *PKI
	// URL is the API server's address (https://host:port).
	URL string
	// Config authenticates as a cluster administrator (O=system:masters).
	Config *rest.Config
	// Kubeconfig is a file holding Config, for kubectl.
	Kubeconfig string
	// ServiceAccountKey and ServiceAccountPub sign and verify service-account tokens.
	ServiceAccountKey, ServiceAccountPub string
	// AdminCert and AdminKey are the administrator's client certificate.
	AdminCert, AdminKey string
	Etcd, APIServer     *Proc
}

// FreePort returns a TCP port on addr that nothing listens on now.
func FreePort(addr net.IP) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(addr.String(), "0"))
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// StartControlPlane starts etcd and kube-apiserver and waits until the API server is ready
// (its /readyz answers ok), at most a minute. On error everything started is stopped.
func StartControlPlane(ctx context.Context, o ControlPlaneOptions) (cp *ControlPlane, err error) {
	if o.Address == nil {
		o.Address = net.IPv4(127, 0, 0, 1)
	}
	if o.ServiceCIDR == "" {
		o.ServiceCIDR = "10.0.0.0/24"
	}
	cp = &ControlPlane{Options: o}
	defer func() {
		if err != nil {
			cp.Stop()
		}
	}()
	if cp.PKI = o.PKI; cp.PKI == nil {
		if cp.PKI, err = NewPKI(filepath.Join(o.Dir, "pki"), "ca"); err != nil {
			return cp, err
		}
	}
	_, svcNet, err := net.ParseCIDR(o.ServiceCIDR)
	if err != nil {
		return cp, fmt.Errorf("service CIDR: %w", err)
	}
	firstService := append(net.IP(nil), svcNet.IP.To4()...)
	firstService[3]++
	loopback := net.IPv4(127, 0, 0, 1)
	ips := []net.IP{loopback, firstService}
	if !o.Address.Equal(loopback) {
		ips = append(ips, o.Address)
	}
	dns := []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}
	serving, servingKey, err := cp.PKI.Serving("apiserver", ips, dns)
	if err != nil {
		return cp, err
	}
	adminCert, adminKey, err := cp.PKI.Client("admin", "newsjet-e2e-admin", "system:masters")
	if err != nil {
		return cp, err
	}
	cp.AdminCert, cp.AdminKey = adminCert, adminKey
	if cp.ServiceAccountKey, cp.ServiceAccountPub, err = cp.PKI.SigningKey("service-account"); err != nil {
		return cp, err
	}

	clientPort, err := FreePort(loopback)
	if err != nil {
		return cp, err
	}
	peerPort, err := FreePort(loopback)
	if err != nil {
		return cp, err
	}
	clientURL := "http://127.0.0.1:" + strconv.Itoa(clientPort)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(peerPort)
	cp.Etcd, err = Start(o.Dir, "etcd", o.Etcd,
		"--name=e2e", "--data-dir="+filepath.Join(o.Dir, "etcd"),
		"--listen-client-urls="+clientURL, "--advertise-client-urls="+clientURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=e2e="+peerURL, "--logger=zap", "--log-outputs=stderr")
	if err != nil {
		return cp, err
	}

	port, err := FreePort(o.Address)
	if err != nil {
		return cp, err
	}
	cp.URL = "https://" + net.JoinHostPort(o.Address.String(), strconv.Itoa(port))
	args := []string{
		"--etcd-servers=" + clientURL,
		"--bind-address=" + o.Address.String(), "--advertise-address=" + o.Address.String(),
		"--secure-port=" + strconv.Itoa(port),
		"--tls-cert-file=" + serving, "--tls-private-key-file=" + servingKey,
		"--client-ca-file=" + cp.PKI.CAFile,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + cp.ServiceAccountPub,
		"--service-account-signing-key-file=" + cp.ServiceAccountKey,
		"--service-cluster-ip-range=" + o.ServiceCIDR,
		"--authorization-mode=Node,RBAC",
		"--cert-dir=" + filepath.Join(o.Dir, "apiserver"),
		"--profiling=false",
	}
	if o.Address.IsLoopback() {
		args = append(args, "--endpoint-reconciler-type=none")
	}
	if cp.APIServer, err = Start(o.Dir, "kube-apiserver", o.APIServer, append(args, o.ExtraArgs...)...); err != nil {
		return cp, err
	}

	cp.Config = &rest.Config{
		Host:            cp.URL,
		TLSClientConfig: rest.TLSClientConfig{CAFile: cp.PKI.CAFile, CertFile: adminCert, KeyFile: adminKey},
		QPS:             200,
		Burst:           400,
	}
	cp.Kubeconfig = filepath.Join(o.Dir, "admin.kubeconfig")
	if err := WriteKubeconfig(cp.Kubeconfig, cp.URL, cp.PKI.CAFile, adminCert, adminKey); err != nil {
		return cp, err
	}
	return cp, cp.waitReady(ctx, time.Minute)
}

func (cp *ControlPlane) waitReady(ctx context.Context, timeout time.Duration) error {
	client, err := kubernetes.NewForConfig(cp.Config)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		for _, p := range []*Proc{cp.Etcd, cp.APIServer} {
			if err := p.Exited(); err != nil {
				return err
			}
		}
		body, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err == nil && string(body) == "ok" {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: kube-apiserver after %v: %v\n%s", ErrNotReady, timeout, last, cp.APIServer.Tail(20))
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// Stop stops kube-apiserver, then etcd.
func (cp *ControlPlane) Stop() {
	for _, p := range []*Proc{cp.APIServer, cp.Etcd} {
		if p != nil {
			p.Stop(10 * time.Second)
		}
	}
}

// WriteKubeconfig writes a kubeconfig that reaches server with a client certificate.
func WriteKubeconfig(path, server, ca, cert, key string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["e2e"] = &clientcmdapi.Cluster{Server: server, CertificateAuthority: ca}
	cfg.AuthInfos["e2e"] = &clientcmdapi.AuthInfo{ClientCertificate: cert, ClientKey: key}
	cfg.Contexts["e2e"] = &clientcmdapi.Context{Cluster: "e2e", AuthInfo: "e2e"}
	cfg.CurrentContext = "e2e"
	return clientcmd.WriteToFile(*cfg, path)
}
