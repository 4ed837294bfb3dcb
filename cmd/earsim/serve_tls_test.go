package main

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// serve --tls answers HTTPS with a certificate of its local CA, says where
// the CA is for SSL_CERT_FILE (never printing its key), and keeps the CA
// across restarts.
func TestServeTLS(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	get := func(url string) (int, string) {
		t.Helper()
		pem, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			t.Fatalf("ca.pem holds no certificate: %s", pem)
		}
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		resp, err := c.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	var first string
	for run := 0; run < 2; run++ {
		url, stop := serveInTest(t, "--tls", "--tls-dir", dir, "--time-scale", "0")
		https := strings.Replace(url, "http://", "https://", 1)
		if code, body := get(strings.Replace(https, "127.0.0.1", "localhost", 1) + "/_sim/v1/clock"); code != 200 || !strings.Contains(body, `"timeScale":0`) {
			t.Fatalf("over TLS: %d %s", code, body)
		}
		_, out := stop()
		ca := filepath.Join(dir, "ca.pem")
		if !strings.Contains(out, "listening on "+https) || !strings.Contains(out, "SSL_CERT_FILE="+ca) || strings.Contains(out, "PRIVATE KEY") {
			t.Fatalf("stderr: %s", out)
		}
		pem, _ := os.ReadFile(ca)
		if run == 0 {
			first = string(pem)
		} else if string(pem) != first {
			t.Fatal("a restart made another CA")
		}
	}
}

// A --tls-dir that cannot hold the CA stops serve with the reason (exit 2).
func TestServeTLSBadDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb strings.Builder
	code := Run(t.Context(), []string{"serve", "--addr", "127.0.0.1:0", "--tls", "--tls-dir", file}, nil, &out, &errb)
	if code != exitCannot || !strings.Contains(errb.String(), "--tls") || !strings.Contains(errb.String(), file) {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
}
