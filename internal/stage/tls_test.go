package stage

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"
	"go.uber.org/zap/zaptest"

	"github.com/newsjet/newsjet/internal/natstest"
	"github.com/newsjet/newsjet/pkg/schema"
)

// certPair is a certificate with its key, as parsed and as PEM files.
type certPair struct {
	cert     *x509.Certificate
	key      *ecdsa.PrivateKey
	certFile string
	keyFile  string
}

// issue makes a certificate signed by parent (self-signed when parent is nil) and
// writes it to dir.
func issue(t *testing.T, dir, name string, parent *certPair, tmpl *x509.Certificate) *certPair {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	tmpl.Subject = pkix.Name{CommonName: name}
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	p := &certPair{cert: cert, key: key, certFile: filepath.Join(dir, name+".pem"), keyFile: filepath.Join(dir, name+"-key.pem")}
	if err := os.WriteFile(p.certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// runUntilBound runs svc with cfg until its consumer exists (checked over admin), then
// stops it and returns Run's result.
func runUntilBound(t *testing.T, cfg Config, admin *nats.Conn) error {
	t.Helper()
	svc := Service{Name: "tester", Consumer: testConsumer, Streams: []schema.StreamSpec{testIn},
		Setup: func(context.Context, Deps) (Handler, error) { return echo, nil }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, svc, zaptest.NewLogger(t)) }()
	js, err := jetstream.New(admin)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "consumer", func() bool {
		select {
		case err := <-done:
			t.Fatalf("Run ended before binding: %v", err)
		default:
		}
		_, err := js.Consumer(context.Background(), testIn.Name, testConsumer.Durable)
		return err == nil
	})
	cancel()
	return <-done
}

func TestConnectWithMutualTLS(t *testing.T) {
	dir := t.TempDir()
	ca := issue(t, dir, "ca", nil, &x509.Certificate{IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature})
	srvCert := issue(t, dir, "server", ca, &x509.Certificate{IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature})
	client := issue(t, dir, "client", ca, &x509.Certificate{
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature})

	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	serverPair, err := tls.LoadX509KeyPair(srvCert.certFile, srvCert.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	srv := natstest.Start(t, func(o *server.Options) {
		o.TLS, o.TLSVerify, o.TLSTimeout = true, true, 5
		o.TLSConfig = &tls.Config{
			Certificates: []tls.Certificate{serverPair}, ClientCAs: pool,
			ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12,
		}
	})
	url := "tls://" + srv.Addr().String()
	admin, err := nats.Connect(url, nats.RootCAs(ca.certFile), nats.ClientCert(client.certFile, client.keyFile))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()

	good := Config{NATSURL: url, TLSCA: ca.certFile, TLSCert: client.certFile, TLSKey: client.keyFile}
	if err := runUntilBound(t, good, admin); err != nil {
		t.Errorf("with CA and client certificate: %v", err)
	}
	for name, cfg := range map[string]Config{
		"no client certificate": {NATSURL: url, TLSCA: ca.certFile},
		"unknown CA":            {NATSURL: url, TLSCA: client.certFile, TLSCert: client.certFile, TLSKey: client.keyFile},
		"missing CA file":       {NATSURL: url, TLSCA: filepath.Join(dir, "nope.pem")},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := Run(ctx, cfg, Service{Name: "tester", Consumer: testConsumer,
			Setup: func(context.Context, Deps) (Handler, error) { return echo, nil }}, zaptest.NewLogger(t))
		if err == nil || ctx.Err() != nil {
			t.Errorf("%s: Run = %v after %v, want an immediate connection error", name, err, ctx.Err())
		}
		cancel()
	}
}

func TestConnectWithNKeySeedFile(t *testing.T) {
	user, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := user.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	seed, err := user.Seed()
	if err != nil {
		t.Fatal(err)
	}
	seedFile := filepath.Join(t.TempDir(), "user.nk")
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := natstest.Start(t, func(o *server.Options) { o.Nkeys = []*server.NkeyUser{{Nkey: pub}} })
	opt, err := nats.NkeyOptionFromSeed(seedFile)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := nats.Connect(srv.ClientURL(), opt)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := runUntilBound(t, Config{NATSURL: srv.ClientURL(), NKeyFile: seedFile}, admin); err != nil {
		t.Errorf("with seed file: %v", err)
	}
	bad := Config{NATSURL: srv.ClientURL(), NKeyFile: filepath.Join(t.TempDir(), "missing.nk")}
	if err := Run(context.Background(), bad, Service{Name: "tester", Consumer: testConsumer,
		Setup: func(context.Context, Deps) (Handler, error) { return echo, nil }}, zaptest.NewLogger(t)); err == nil {
		t.Error("missing seed file: Run succeeded")
	}
}

// Run keeps retrying a server that is not up yet, and a stop meanwhile is clean.
func TestConnectRetriesUntilStopped(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "nats://" + ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{NATSURL: url}, Service{Name: "tester", Consumer: testConsumer,
			Setup: func(context.Context, Deps) (Handler, error) { return echo, nil }}, zaptest.NewLogger(t))
	}()
	select {
	case err := <-done:
		t.Fatalf("Run gave up on an unreachable server: %v", err)
	case <-time.After(1500 * time.Millisecond):
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("stop while connecting: %v", err)
	}
}
