package manifests

import (
	"encoding/json"
	"slices"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// JobImage is the image of the operator's Jobs (newsjet replay): the newsjet command,
// which scripts/build-images.sh builds beside the stages.
const JobImage = "newsjet/newsjet"

// JobProgram is the name the Jobs' environment is checked under (Policy.KnownEnv): the
// newsjet command.
const JobProgram = "newsjet"

// Labels every newsjet pod carries; the network policies select pods by the name label.
const (
	nameLabel   = "app.kubernetes.io/name"
	partOfLabel = "app.kubernetes.io/part-of"
	partOf      = "newsjet"
)

// CheckJobs returns every policy violation of jobs (the Jobs and NetworkPolicies of
// deploy/jobs) run beside an overlay's rendered objects, each wrapping ErrPolicy.
//
// jobs holds at least one Job, and every object of it is in p.Namespace. Each Job is named
// on creation (metadata.generateName: every run is a new Job, made with kubectl create) and
// removed a while after it finishes (ttlSecondsAfterFinished). It and its pod template
// carry app.kubernetes.io/part-of=newsjet and the same app.kubernetes.io/name, whose pods no
// Service or PodDisruptionBudget of the overlay selects. Its pod follows the stages' rules
// where they apply: one container running JobImage with a tag p accepts, a numeric non-root
// user, the RuntimeDefault seccomp profile, no service-account token, a read-only root file
// system, no privilege escalation, all capabilities dropped, CPU and memory requests and
// limits, writes only to size-limited emptyDirs, reads only Secrets and ConfigMaps that
// exist (the overlay's or p.ExternalSecrets), and sets only NEWSJET_* variables the newsjet
// command reads, with the NEWSJET_NATS_URL the stages use. Its network: a default-deny
// policy covers it, a policy lets it reach NATS on the client port through the same peers
// the stages' policies name, none lets it reach PostgreSQL or accept any connection; and
// each NetworkPolicy of jobs selects the pods of a Job and of no stage.
func CheckJobs(overlay, jobs []Object, p Policy) []error {
	var errs []error
	bad := func(id, format string, args ...any) { errs = append(errs, violation(id, format, args...)) }
	ix := newIndex(append(slices.Clip(overlay), jobs...), p)
	var own []*batchv1.Job
	var ownPolicies []*networkingv1.NetworkPolicy
	for _, o := range jobs {
		if o.Namespace != p.Namespace {
			bad(o.ID(), "namespace %q, want %q", o.Namespace, p.Namespace)
		}
		switch t := o.Typed.(type) {
		case *batchv1.Job:
			own = append(own, t)
		case *networkingv1.NetworkPolicy:
			ownPolicies = append(ownPolicies, t)
		}
	}
	if len(own) == 0 {
		bad("Jobs", "no Job to check")
	}
	stageURLs := stageNATSURLs(overlay, ix)
	if len(stageURLs) == 0 {
		bad("Jobs", "no stage Deployment beside the Jobs to compare their NATS URL with")
	}
	for _, j := range own {
		id := "Job/" + j.Namespace + "/" + j.GenerateName
		if j.Name != "" {
			id = "Job/" + j.Namespace + "/" + j.Name
			bad(id, "metadata.name is set: name it with generateName, each run is a new Job (kubectl create)")
		}
		if j.GenerateName == "" {
			bad(id, "metadata.generateName must be set: each run is a new Job (kubectl create)")
		}
		if j.Spec.TTLSecondsAfterFinished == nil {
			bad(id, "ttlSecondsAfterFinished must be set: every run leaves a finished Job")
		}
		checkJobLabels(id, j, ix, bad)
		env := checkJobPod(id, j.Spec.Template.Spec, p, ix, bad)
		if url := env["NEWSJET_NATS_URL"]; len(stageURLs) > 1 || len(stageURLs) == 1 && url != stageURLs[0] {
			bad(id, "NEWSJET_NATS_URL %q, the stages use %q", url, stageURLs)
		}
		pod := j.Spec.Template.Labels
		checkNetwork(id, pod[nameLabel], pod, ix, bad)
		checkJobNetwork(id, pod, ix, bad)
	}
	for _, np := range ownPolicies {
		id := "NetworkPolicy/" + np.Namespace + "/" + np.Name
		s, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		if err != nil || s.Empty() {
			bad(id, "selects every pod of the namespace: select the Jobs' pods alone")
			continue
		}
		if !slices.ContainsFunc(own, func(j *batchv1.Job) bool { return s.Matches(labels.Set(j.Spec.Template.Labels)) }) {
			bad(id, "selects the pods of no Job")
		}
		for name, d := range ix.deployments {
			if s.Matches(labels.Set(d.Spec.Template.Labels)) {
				bad(id, "also selects the pods of the stage %s", name)
			}
		}
	}
	return errs
}

// checkJobLabels checks the Job's labels and that no Service or PodDisruptionBudget
// selects its pods (they would route traffic to them or count them as a stage's).
func checkJobLabels(id string, j *batchv1.Job, ix *index, bad badFunc) {
	pod := j.Spec.Template.Labels
	if j.Labels[partOfLabel] != partOf || pod[partOfLabel] != partOf {
		bad(id, "the Job and its pod template must carry %s=%s", partOfLabel, partOf)
	}
	if pod[nameLabel] == "" || pod[nameLabel] != j.Labels[nameLabel] {
		bad(id, "the Job and its pod template must carry the same %s, got %q and %q", nameLabel, j.Labels[nameLabel], pod[nameLabel])
	}
	for _, s := range ix.services {
		if selects(s.Spec.Selector, pod) {
			bad(id, "Service %s selects its pods", s.Name)
		}
	}
	for _, pdb := range ix.pdbs {
		s, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err == nil && !s.Empty() && s.Matches(labels.Set(pod)) {
			bad(id, "PodDisruptionBudget %s selects its pods", pdb.Name)
		}
	}
}

// checkJobPod checks the Job's pod under the stages' rules that apply to a batch pod (no
// probes, no stage settings) and returns its container's environment.
func checkJobPod(id string, spec corev1.PodSpec, p Policy, ix *index, bad badFunc) map[string]string {
	checkPodSecurity(id, spec, bad)
	c, ok := onlyContainer(id, spec, bad)
	if !ok {
		return nil
	}
	checkImage(id, JobImage, c, p, bad)
	checkResources(id, c, bad)
	checkContainerSecurity(id, c, bad)
	checkVolumes(id, spec, c, ix, bad)
	return podEnv(id, JobProgram, c, p, ix, bad)
}

// stageNATSURLs returns the distinct NEWSJET_NATS_URL values of the overlay's stages.
func stageNATSURLs(overlay []Object, ix *index) []string {
	var urls []string
	for name := range ix.deployments {
		env, _, err := ContainerEnv(overlay, name)
		if err != nil {
			continue
		}
		if u := env["NEWSJET_NATS_URL"]; !slices.Contains(urls, u) {
			urls = append(urls, u)
		}
	}
	slices.Sort(urls)
	return urls
}

// checkJobNetwork requires that the Job's pods accept no connection and reach NATS only
// through peers a stage's policy also names (the same NATS pods, not some other).
func checkJobNetwork(id string, pod map[string]string, ix *index, bad badFunc) {
	stagePeers := map[string]bool{}
	for _, d := range ix.deployments {
		for _, np := range ix.netpols {
			if policySelects(np, d.Spec.Template.Labels) {
				for _, peer := range natsPeers(np) {
					stagePeers[peer] = true
				}
			}
		}
	}
	for _, np := range ix.netpols {
		if !policySelects(np, pod) {
			continue
		}
		if len(np.Spec.Ingress) > 0 {
			bad(id, "NetworkPolicy %s lets connections in: a Job serves nothing", np.Name)
		}
		for _, peer := range natsPeers(np) {
			if !stagePeers[peer] {
				bad(id, "NetworkPolicy %s reaches NATS at %s, which no stage's policy names", np.Name, peer)
			}
		}
	}
}

func policySelects(np *networkingv1.NetworkPolicy, pod map[string]string) bool {
	s, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
	return err == nil && s.Matches(labels.Set(pod))
}

// natsPeers returns, as JSON, the peers of the policy's egress rules to the NATS client
// port.
func natsPeers(np *networkingv1.NetworkPolicy) []string {
	var peers []string
	for _, rule := range np.Spec.Egress {
		nats := slices.ContainsFunc(rule.Ports, func(p networkingv1.NetworkPolicyPort) bool {
			return p.Port != nil && p.Port.IntValue() == natsClientPort
		})
		if !nats {
			continue
		}
		for _, to := range rule.To {
			b, err := json.Marshal(to)
			if err == nil {
				peers = append(peers, string(b))
			}
		}
	}
	return peers
}
