package atlasapi_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/policies"
)

// The local CA of serve --tls is made once per directory and kept (its key
// readable by its owner only), so that a user trusts it once; each server
// certificate it signs names the loopback names and the allowed hosts, and
// a client that trusts the CA (and nothing else) talks to the server.
func TestLocalCA(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	ca, err := atlasapi.LoadOrCreateCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ca.CertPath != filepath.Join(dir, atlasapi.CACertFile) {
		t.Fatalf("CA path %s", ca.CertPath)
	}
	first, err := os.ReadFile(ca.CertPath)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := pem.Decode(first); b == nil || b.Type != "CERTIFICATE" || strings.Contains(string(first), "PRIVATE KEY") {
		t.Fatalf("ca.pem is not the certificate alone:\n%s", first)
	}
	if st, err := os.Stat(filepath.Join(dir, "ca-key.pem")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the CA key file: %v %v", st, err)
	}
	again, err := atlasapi.LoadOrCreateCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	if second, _ := os.ReadFile(again.CertPath); string(second) != string(first) {
		t.Fatal("a second start made another CA: users would have to trust it again")
	}

	cfg, err := again.ServerConfig("127.0.0.1:8443", "earsim.example.test", "10.9.8.7", "0.0.0.0")
	if err != nil {
		t.Fatal(err)
	}
	leaf := cfg.Certificates[0].Leaf
	for _, name := range []string{"localhost", "127.0.0.1", "::1", "earsim.example.test", "10.9.8.7"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: ca.CertPool()}); err != nil {
			t.Errorf("the certificate does not serve %s: %v", name, err)
		}
	}
	if err := leaf.VerifyHostname("0.0.0.0"); err == nil {
		t.Error("the certificate names the unspecified address")
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "localhost"}); err == nil {
		t.Error("the certificate verifies without its CA")
	}

	// Over a real listener: trusted through the CA, refused without it.
	srv, err := atlasapi.New(atlasapi.Options{Seed: 1, Checker: policies.NewService(policies.MustDefault())})
	if err != nil {
		t.Fatal(err)
	}
	run, err := srv.StartTLS("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Stop()
	port := run.Addr[strings.LastIndex(run.Addr, ":"):]
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.CertPool()}}}
	resp, err := trusting.Get("https://localhost" + port + "/_sim/v1/clock")
	if err != nil {
		t.Fatalf("a client that trusts the CA: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"now"`) {
		t.Fatalf("over TLS: %d %s", resp.StatusCode, body)
	}
	if _, err := http.Get("https://127.0.0.1" + port + "/_sim/v1/clock"); err == nil {
		t.Fatal("a client that does not trust the CA was answered")
	}
}

// A CA file that cannot be used is an error naming it, never replaced
// behind the user's back (they may trust it already).
func TestLocalCABadFile(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "ca-key.pem")
	if err := os.WriteFile(key, []byte("not a CA\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := atlasapi.LoadOrCreateCA(dir)
	if err == nil || !strings.Contains(err.Error(), key) {
		t.Fatalf("a bad CA file: %v", err)
	}
	if b, _ := os.ReadFile(key); string(b) != "not a CA\n" {
		t.Fatal("the bad CA file was replaced")
	}
}
