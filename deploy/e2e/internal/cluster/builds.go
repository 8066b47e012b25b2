// Package cluster brings up a one-node Kubernetes cluster on this machine for newsjet's
// end-to-end run (deploy/e2e/cluster) and tears it down: control plane and kubelet as host
// processes, a private containerd, a bridge network that reaches nothing beyond the host,
// and the cluster add-ons built from their Go modules into FROM scratch images.
package cluster

import (
	"context"
	_ "embed"
	"io"

	"github.com/newsjet/newsjet/deploy/e2e/internal/kube"
)

//go:embed coredns_main.go.txt
var corednsMain []byte

// Versions of the add-ons built from the module proxy.
const (
	CoreDNSVersion    = "v1.15.0"
	KubeRouterVersion = "v2.1.0"
	KEDAVersion       = "v2.20.2"
)

// addons are the binaries built for the cluster besides Kubernetes' own; KEDA's last.
func addons(nackVersion string) []kube.GoBuild {
	return []kube.GoBuild{
		{Component: "coredns", Module: "github.com/coredns/coredns", Version: CoreDNSVersion,
			Packages: map[string]string{"coredns": ""}, Main: corednsMain},
		{Component: "nack", Module: "github.com/nats-io/nack", Version: nackVersion,
			Packages: map[string]string{"jetstream-controller": "github.com/nats-io/nack/cmd/jetstream-controller"}},
		{Component: "kube-router", Module: "github.com/cloudnativelabs/kube-router/v2", Version: KubeRouterVersion,
			Packages: map[string]string{"kube-router": "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router"}},
		{Component: "keda", Module: "github.com/kedacore/keda/v2", Version: KEDAVersion,
			Packages: map[string]string{"keda": "github.com/kedacore/keda/v2/cmd/operator", "keda-adapter": "github.com/kedacore/keda/v2/cmd/adapter"}},
	}
}

// BuildAddons builds (or finds in the cache) the add-ons, KEDA's only when withKEDA, and
// returns binary name → path.
func BuildAddons(ctx context.Context, nackVersion string, withKEDA bool, log io.Writer) (map[string]string, error) {
	out := map[string]string{}
	for _, b := range addons(nackVersion) {
		if b.Component == "keda" && !withKEDA {
			continue
		}
		paths, err := b.Binaries(ctx, log)
		if err != nil {
			return nil, err
		}
		for k, v := range paths {
			out[k] = v
		}
	}
	return out, nil
}
