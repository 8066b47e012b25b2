package manifests

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// jobs decodes deploy/jobs afresh.
func jobs(t *testing.T) []Object {
	t.Helper()
	objs, err := decoder(t).DecodeDir(deployPath("jobs"))
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// jobPolicy is the policy the Jobs are checked under, beside the dev overlay whose image
// tag they carry; the NATS credentials they mount are deploy/secrets' (optional: the dev
// NATS has none).
func jobPolicy(t *testing.T) Policy {
	p := overlays[0].policy(t)
	p.ExternalSecrets = exampleSecrets(t)
	return p
}

// TestJobs decodes deploy/jobs strictly and checks the Jobs and their NetworkPolicy beside
// the dev overlay.
func TestJobs(t *testing.T) {
	objs := jobs(t)
	kinds := map[string]int{}
	for _, o := range objs {
		kinds[o.Kind]++
	}
	if kinds["Job"] < 2 || kinds["NetworkPolicy"] < 1 {
		t.Fatalf("deploy/jobs holds %v, want the replay Jobs and their NetworkPolicy", kinds)
	}
	for _, err := range CheckJobs(render(t, "dev"), objs, jobPolicy(t)) {
		t.Error(err)
	}
}

// TestJobPolicyCatchesViolations breaks one rule at a time in deploy/jobs and expects
// CheckJobs to name it.
func TestJobPolicyCatchesViolations(t *testing.T) {
	job := func(objs []Object, generateName string) *batchv1.Job {
		for _, o := range objs {
			if j, ok := o.Typed.(*batchv1.Job); ok && j.GenerateName == generateName {
				return j
			}
		}
		t.Fatalf("no Job %s", generateName)
		return nil
	}
	replayPolicy := func(objs []Object) *networkingv1.NetworkPolicy {
		for _, o := range objs {
			if np, ok := o.Typed.(*networkingv1.NetworkPolicy); ok && np.Name == "newsjet-replay" {
				return np
			}
		}
		t.Fatal("no NetworkPolicy newsjet-replay")
		return nil
	}
	container := func(objs []Object) *corev1.Container {
		return &job(objs, "newsjet-replay-dead-").Spec.Template.Spec.Containers[0]
	}
	cases := []struct {
		name   string
		break_ func([]Object)
		want   string
	}{
		{"privilege escalation", func(o []Object) {
			container(o).SecurityContext.AllowPrivilegeEscalation = ptr.To(true)
		}, "allowPrivilegeEscalation must be false"},
		{"no resources", func(o []Object) {
			container(o).Resources = corev1.ResourceRequirements{}
		}, "cpu request and limit must both be set"},
		{"request above limit", func(o []Object) {
			container(o).Resources.Requests[corev1.ResourceMemory] = resource.MustParse("1Gi")
		}, "memory request 1Gi exceeds limit"},
		{"root user", func(o []Object) {
			job(o, "newsjet-replay-raw-").Spec.Template.Spec.SecurityContext.RunAsUser = ptr.To[int64](0)
		}, "non-root user"},
		{"service account token", func(o []Object) {
			job(o, "newsjet-replay-raw-").Spec.Template.Spec.AutomountServiceAccountToken = nil
		}, "automountServiceAccountToken"},
		{"image not built", func(o []Object) { container(o).Image = "newsjet/replay:dev" }, `"newsjet/replay:dev" is not newsjet/newsjet`},
		{"latest tag", func(o []Object) { container(o).Image = "newsjet/newsjet:latest" }, "latest tag"},
		{"fixed name", func(o []Object) {
			j := job(o, "newsjet-replay-raw-")
			j.Name = "newsjet-replay-raw"
		}, "metadata.name is set"},
		{"finished Jobs kept forever", func(o []Object) {
			job(o, "newsjet-replay-raw-").Spec.TTLSecondsAfterFinished = nil
		}, "ttlSecondsAfterFinished"},
		{"pod without the part-of label", func(o []Object) {
			delete(job(o, "newsjet-replay-dead-").Spec.Template.Labels, partOfLabel)
		}, "app.kubernetes.io/part-of=newsjet"},
		{"pod label the NetworkPolicy does not select", func(o []Object) {
			job(o, "newsjet-replay-dead-").Spec.Template.Labels[nameLabel] = "replay"
		}, "reach NATS"},
		{"pod labelled as a stage", func(o []Object) {
			j := job(o, "newsjet-replay-dead-")
			j.Labels[nameLabel], j.Spec.Template.Labels[nameLabel] = "sink", "sink"
		}, "Service sink selects its pods"},
		{"unknown setting", func(o []Object) {
			c := container(o)
			c.Env = append(c.Env, corev1.EnvVar{Name: "NEWSJET_NATS_ULR", Value: "nats://x:4222"})
		}, "NEWSJET_NATS_ULR is not a setting newsjet reads"},
		{"another NATS", func(o []Object) {
			for i, e := range container(o).Env {
				if e.Name == "NEWSJET_NATS_URL" {
					container(o).Env[i].Value = "nats://nats.other.svc:4222"
				}
			}
		}, `NEWSJET_NATS_URL "nats://nats.other.svc:4222"`},
		{"unknown Secret", func(o []Object) {
			job(o, "newsjet-replay-dead-").Spec.Template.Spec.Volumes[0].Secret.SecretName = "nats-creds"
		}, `unknown Secret "nats-creds"`},
		{"hostPath volume", func(o []Object) {
			s := &job(o, "newsjet-replay-raw-").Spec.Template.Spec
			s.Volumes = append(s.Volumes, corev1.Volume{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}})
		}, "only emptyDir"},
		{"egress to PostgreSQL", func(o []Object) {
			np := replayPolicy(o)
			np.Spec.Egress = append(np.Spec.Egress, networkingv1.NetworkPolicyEgressRule{
				Ports: []networkingv1.NetworkPolicyPort{{Port: ptr.To(intstr.FromInt32(postgresPort))}},
			})
		}, "egress to PostgreSQL"},
		{"ingress allowed", func(o []Object) {
			replayPolicy(o).Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{}}
		}, "lets connections in"},
		{"NATS of another namespace", func(o []Object) {
			replayPolicy(o).Spec.Egress[0].To[0].NamespaceSelector = &metav1.LabelSelector{
				MatchLabels: map[string]string{"kubernetes.io/metadata.name": "nats-test"}}
		}, "which no stage's policy names"},
		{"policy over every pod", func(o []Object) {
			replayPolicy(o).Spec.PodSelector = metav1.LabelSelector{}
		}, "selects every pod of the namespace"},
		{"policy in another namespace", func(o []Object) {
			replayPolicy(o).Namespace = "default"
			for i := range o {
				if o[i].Name == "newsjet-replay" {
					o[i].Namespace = "default"
				}
			}
		}, `namespace "default", want "newsjet"`},
	}
	policy := jobPolicy(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			objs := jobs(t)
			c.break_(objs)
			wantViolation(t, CheckJobs(render(t, "dev"), objs, policy), c.want)
		})
	}
	if errs := CheckJobs(render(t, "dev"), nil, policy); len(errs) == 0 {
		t.Error("CheckJobs without Jobs found nothing to report")
	}
}

func TestDecodeDir(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.yaml", "# a comment-only document\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: batch/v1\nkind: Job\nmetadata: {generateName: run-, namespace: ns}\nspec: {template: {spec: {containers: [{name: x, image: 'i:1'}], restartPolicy: Never}}}\n")
	write("b.txt", "not: a manifest\n")
	objs, err := decoder(t).DecodeDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || objs[0].Name != "a" || objs[1].ID() != "Job/ns/run-" {
		t.Errorf("DecodeDir = %+v", objs)
	}
	write("c.yaml", "apiVersion: batch/v1\nkind: Job\nmetadata: {generateName: run-}\nspec: {backoffLimt: 1}\n")
	if _, err := decoder(t).DecodeDir(dir); !errors.Is(err, ErrDecode) || !strings.Contains(err.Error(), "c.yaml") {
		t.Errorf("DecodeDir with a misspelt field = %v, want ErrDecode naming c.yaml", err)
	}
	if _, err := decoder(t).DecodeDir(t.TempDir()); !errors.Is(err, ErrDecode) {
		t.Errorf("DecodeDir of an empty directory = %v, want ErrDecode", err)
	}
}
