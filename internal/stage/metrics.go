package stage

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the runtime's Prometheus metrics, each labelled by stage, in a registry
// of its own (never the default one). One Metrics may be shared by several stages run
// in one process; their series stay apart by the stage label.
//
//	newsjet_stage_messages_in_total{stage}               messages delivered to the handler
//	newsjet_stage_messages_out_total{stage}              outputs published and acknowledged
//	newsjet_stage_messages_failed_total{stage,kind}      handler failures, kind transient|permanent
//	newsjet_stage_messages_dead_lettered_total{stage,reason}
//	newsjet_stage_processing_seconds{stage}              handling time, publish and ack included
//	newsjet_stage_in_flight{stage}                       messages being handled now
type Metrics struct {
	reg          *prometheus.Registry
	in           *prometheus.CounterVec
	out          *prometheus.CounterVec
	failed       *prometheus.CounterVec
	deadLettered *prometheus.CounterVec
	seconds      *prometheus.HistogramVec
	inFlight     *prometheus.GaugeVec
}

// NewMetrics returns metrics in a new registry that also carries the Go runtime and
// process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		in: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "newsjet", Subsystem: "stage", Name: "messages_in_total",
			Help: "Messages delivered to the stage's handler.",
		}, []string{"stage"}),
		out: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "newsjet", Subsystem: "stage", Name: "messages_out_total",
			Help: "Output messages published and acknowledged by their stream.",
		}, []string{"stage"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "newsjet", Subsystem: "stage", Name: "messages_failed_total",
			Help: "Messages whose handling failed, by kind (transient or permanent).",
		}, []string{"stage", "kind"}),
		deadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "newsjet", Subsystem: "stage", Name: "messages_dead_lettered_total",
			Help: "Messages sent to dead letters, by reason.",
		}, []string{"stage", "reason"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "newsjet", Subsystem: "stage", Name: "processing_seconds",
			Help:    "Time to handle one message, publishing and acknowledgement included.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12),
		}, []string{"stage"}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "newsjet", Subsystem: "stage", Name: "in_flight",
			Help: "Messages being handled now.",
		}, []string{"stage"}),
	}
	m.reg.MustRegister(m.in, m.out, m.failed, m.deadLettered, m.seconds, m.inFlight,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the registry, for a stage's own metrics.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// stageMetrics are the series of one stage.
type stageMetrics struct {
	in, out              prometheus.Counter
	transient, permanent prometheus.Counter
	deadLettered         *prometheus.CounterVec
	seconds              prometheus.Observer
	inFlight             prometheus.Gauge
}

func (m *Metrics) forStage(name string) *stageMetrics {
	return &stageMetrics{
		in:           m.in.WithLabelValues(name),
		out:          m.out.WithLabelValues(name),
		transient:    m.failed.WithLabelValues(name, "transient"),
		permanent:    m.failed.WithLabelValues(name, "permanent"),
		deadLettered: m.deadLettered.MustCurryWith(prometheus.Labels{"stage": name}),
		seconds:      m.seconds.WithLabelValues(name),
		inFlight:     m.inFlight.WithLabelValues(name),
	}
}
