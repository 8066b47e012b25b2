package stage

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestSetupRegistersStageMetrics: a stage registers its own metrics on Deps.Registry in
// Setup; they are gathered with the runtime's and served on /metrics.
func TestSetupRegistersStageMetrics(t *testing.T) {
	addr := freeAddr(t)
	h := newHarness(t, nil)
	h.cfg.HTTPAddr = addr
	h.svc.Setup = func(_ context.Context, d Deps) (Handler, error) {
		if d.Registry == nil {
			t.Error("Deps.Registry is nil")
		}
		handled := prometheus.NewCounter(prometheus.CounterOpts{Name: "tester_handled_total", Help: "Handled by the test stage."})
		if err := d.Registry.Register(handled); err != nil {
			return nil, err
		}
		return func(ctx context.Context, m *Msg) ([]Output, error) {
			handled.Inc()
			return nil, nil
		}, nil
	}
	h.start()
	h.publish("test.in.a", []byte("one"), nil)
	h.publish("test.in.b", []byte("two"), nil)
	h.waitSettled(2)
	if v := h.metric("tester_handled_total", nil); v != 2 {
		t.Errorf("tester_handled_total = %v, want 2", v)
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), "\ntester_handled_total 2\n") {
		t.Errorf("/metrics does not serve the stage's counter:\n%s", body)
	}
}
