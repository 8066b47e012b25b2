package stage

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/segmentio/encoding/json"
	"go.uber.org/zap"
)

type httpServer struct {
	srv  *http.Server
	done chan struct{}
}

// serveHTTP listens on addr and serves the health, readiness and metrics endpoints plus
// the service's routes on a mux of its own.
func serveHTTP(addr string, svc *Service, st *state, metrics *Metrics, log *zap.Logger) (*httpServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	s := &httpServer{
		srv: &http.Server{
			Handler:           newMux(svc, st, metrics),
			ReadHeaderTimeout: 10 * time.Second,
		},
		done: make(chan struct{}),
	}
	log.Info("http listening", zap.String("addr", ln.Addr().String()))
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", zap.Error(err))
		}
	}()
	return s, nil
}

func (s *httpServer) shutdown(log *zap.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		log.Warn("http shutdown", zap.Error(err))
	}
	<-s.done
}

// newMux routes:
//
//	GET /healthz  200 {"status":"ok","stage":...,"version":...} while the process runs
//	GET /readyz   200 {"status":"ready",...} when connected, started, not paused, the
//	              consumer is bound and Service.Ready passes; 503 {"status":"not
//	              ready","error":...} otherwise, the error saying why ("starting: ...",
//	              "paused: ...")
//	GET /metrics  Prometheus metrics
func newMux(svc *Service, st *state, metrics *Metrics) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "stage": svc.Name, "version": svc.Version})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := st.ready(ctx, svc); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{
				"status": "not ready", "stage": svc.Name, "version": svc.Version, "error": err.Error(),
			})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "stage": svc.Name, "version": svc.Version})
	})
	mux.Handle("GET /metrics", metrics.Handler())
	if svc.Routes != nil {
		svc.Routes(mux)
	}
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}
