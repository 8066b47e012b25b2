// Package crd holds small Go types for the custom resources newsjet's manifests use:
// NACK's Stream, Consumer and ObjectStore (jetstream.nats.io/v1beta2), KEDA's
// ScaledObject (keda.sh/v1alpha1) and the Prometheus Operator's ServiceMonitor
// (monitoring.coreos.com/v1). Each type carries only the fields of the documented schema
// that a newsjet manifest may set, so a strict decode rejects a misspelt or unexpected
// field the way the API server's structural schema would prune it silently.
package crd

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// API groups and versions of the custom resources.
const (
	NACKAPIVersion           = "jetstream.nats.io/v1beta2"
	KEDAAPIVersion           = "keda.sh/v1alpha1"
	MonitoringAPIVersion     = "monitoring.coreos.com/v1"
	KindStream               = "Stream"
	KindConsumer             = "Consumer"
	KindObjectStore          = "ObjectStore"
	KindScaledObject         = "ScaledObject"
	KindServiceMonitor       = "ServiceMonitor"
	NATSJetStreamTriggerType = "nats-jetstream"
)

// ConnectionOpts are NACK's per-resource connection settings. Left empty, the NACK
// controller's own connection (its --servers/--creds flags) is used.
type ConnectionOpts struct {
	Account  string   `json:"account,omitempty"`
	Creds    string   `json:"creds,omitempty"`
	Nkey     string   `json:"nkey,omitempty"`
	Servers  []string `json:"servers,omitempty"`
	JsDomain string   `json:"jsDomain,omitempty"`
}

// BaseStreamConfig is embedded in every NACK spec.
type BaseStreamConfig struct {
	// PreventDelete keeps the JetStream asset when the resource is deleted.
	PreventDelete bool `json:"preventDelete,omitempty"`
	// PreventUpdate stops the controller from changing an existing asset.
	PreventUpdate bool `json:"preventUpdate,omitempty"`
	ConnectionOpts
}

// Stream is NACK's Stream resource.
type Stream struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              StreamSpec `json:"spec"`
}

// StreamSpec is the part of NACK's stream schema newsjet uses. Durations are Go
// duration strings ("168h0m0s").
type StreamSpec struct {
	Name            string   `json:"name"`
	Description     string   `json:"description,omitempty"`
	Subjects        []string `json:"subjects"`
	Retention       string   `json:"retention"`
	Storage         string   `json:"storage"`
	Replicas        int      `json:"replicas"`
	MaxAge          string   `json:"maxAge,omitempty"`
	DuplicateWindow string   `json:"duplicateWindow,omitempty"`
	Discard         string   `json:"discard,omitempty"`
	MaxBytes        int      `json:"maxBytes,omitempty"`
	MaxMsgSize      int      `json:"maxMsgSize,omitempty"`
	Compression     string   `json:"compression,omitempty"`
	BaseStreamConfig
}

// Consumer is NACK's Consumer resource.
type Consumer struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ConsumerSpec `json:"spec"`
}

// ConsumerSpec is the part of NACK's consumer schema newsjet uses.
type ConsumerSpec struct {
	StreamName    string   `json:"streamName"`
	DurableName   string   `json:"durableName"`
	Description   string   `json:"description,omitempty"`
	DeliverPolicy string   `json:"deliverPolicy"`
	AckPolicy     string   `json:"ackPolicy"`
	AckWait       string   `json:"ackWait,omitempty"`
	MaxDeliver    int      `json:"maxDeliver,omitempty"`
	MaxAckPending int      `json:"maxAckPending,omitempty"`
	FilterSubject string   `json:"filterSubject,omitempty"`
	BackOff       []string `json:"backoff,omitempty"`
	Replicas      int      `json:"replicas,omitempty"`
	BaseStreamConfig
}

// ObjectStore is NACK's ObjectStore resource.
type ObjectStore struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ObjectStoreSpec `json:"spec"`
}

// ObjectStoreSpec is the part of NACK's object store schema newsjet uses.
type ObjectStoreSpec struct {
	Bucket      string `json:"bucket"`
	Description string `json:"description,omitempty"`
	TTL         string `json:"ttl,omitempty"`
	MaxBytes    int    `json:"maxBytes,omitempty"`
	Storage     string `json:"storage"`
	Replicas    int    `json:"replicas"`
	Compression bool   `json:"compression,omitempty"`
	BaseStreamConfig
}

// ScaledObject is KEDA's ScaledObject resource.
type ScaledObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ScaledObjectSpec `json:"spec"`
}

// ScaledObjectSpec follows KEDA's documented ScaledObject spec.
type ScaledObjectSpec struct {
	ScaleTargetRef        ScaleTarget    `json:"scaleTargetRef"`
	PollingInterval       *int32         `json:"pollingInterval,omitempty"`
	InitialCooldownPeriod *int32         `json:"initialCooldownPeriod,omitempty"`
	CooldownPeriod        *int32         `json:"cooldownPeriod,omitempty"`
	IdleReplicaCount      *int32         `json:"idleReplicaCount,omitempty"`
	MinReplicaCount       *int32         `json:"minReplicaCount,omitempty"`
	MaxReplicaCount       *int32         `json:"maxReplicaCount,omitempty"`
	Advanced              *Advanced      `json:"advanced,omitempty"`
	Fallback              *Fallback      `json:"fallback,omitempty"`
	Triggers              []ScaleTrigger `json:"triggers"`
}

// ScaleTarget names the workload a ScaledObject scales.
type ScaleTarget struct {
	APIVersion             string `json:"apiVersion,omitempty"`
	Kind                   string `json:"kind,omitempty"`
	Name                   string `json:"name"`
	EnvSourceContainerName string `json:"envSourceContainerName,omitempty"`
}

// Advanced tunes the HPA that KEDA manages.
type Advanced struct {
	RestoreToOriginalReplicaCount bool                 `json:"restoreToOriginalReplicaCount,omitempty"`
	HorizontalPodAutoscalerConfig *HorizontalPodConfig `json:"horizontalPodAutoscalerConfig,omitempty"`
}

// HorizontalPodConfig names the managed HPA and sets its scaling behaviour.
type HorizontalPodConfig struct {
	Name     string                                         `json:"name,omitempty"`
	Behavior *autoscalingv2.HorizontalPodAutoscalerBehavior `json:"behavior,omitempty"`
}

// Fallback is the replica count KEDA keeps while a trigger keeps failing.
type Fallback struct {
	FailureThreshold int32 `json:"failureThreshold"`
	Replicas         int32 `json:"replicas"`
}

// ScaleTrigger is one scaler. Metadata is scaler specific (see NATSJetStreamMetadata).
type ScaleTrigger struct {
	Type              string                         `json:"type"`
	Name              string                         `json:"name,omitempty"`
	Metadata          map[string]string              `json:"metadata"`
	MetricType        autoscalingv2.MetricTargetType `json:"metricType,omitempty"`
	UseCachedMetrics  bool                           `json:"useCachedMetrics,omitempty"`
	AuthenticationRef *AuthenticationRef             `json:"authenticationRef,omitempty"`
}

// AuthenticationRef names a TriggerAuthentication.
type AuthenticationRef struct {
	Name string `json:"name"`
	Kind string `json:"kind,omitempty"`
}

// NATSJetStreamMetadata lists the metadata keys of KEDA's nats-jetstream scaler: true
// for a required key, false for an optional one.
var NATSJetStreamMetadata = map[string]bool{
	"natsServerMonitoringEndpoint": true,
	"account":                      true,
	"stream":                       true,
	"consumer":                     true,
	"lagThreshold":                 true,
	"activationLagThreshold":       false,
	"useHttps":                     false,
}

// ServiceMonitor is the Prometheus Operator's ServiceMonitor resource.
type ServiceMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ServiceMonitorSpec `json:"spec"`
}

// ServiceMonitorSpec is the part of the ServiceMonitor schema newsjet uses.
type ServiceMonitorSpec struct {
	JobLabel          string               `json:"jobLabel,omitempty"`
	Selector          metav1.LabelSelector `json:"selector"`
	NamespaceSelector *NamespaceSelector   `json:"namespaceSelector,omitempty"`
	Endpoints         []Endpoint           `json:"endpoints"`
}

// NamespaceSelector picks the namespaces a ServiceMonitor looks in.
type NamespaceSelector struct {
	Any        bool     `json:"any,omitempty"`
	MatchNames []string `json:"matchNames,omitempty"`
}

// Endpoint is one scraped port of the selected Services.
type Endpoint struct {
	Port          string `json:"port"`
	Path          string `json:"path,omitempty"`
	Scheme        string `json:"scheme,omitempty"`
	Interval      string `json:"interval,omitempty"`
	ScrapeTimeout string `json:"scrapeTimeout,omitempty"`
}
