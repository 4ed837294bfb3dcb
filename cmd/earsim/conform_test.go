package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earsim/earsim/atlasapi"
)

// startServe runs `earsim serve` with args on a free loopback port and
// returns its base URL once it answers; it stops when the test ends.
func startServe(t *testing.T, args ...string) string {
	url, _ := serveInTest(t, args...)
	return url
}

// serveInTest is startServe that also returns stop: it cancels the server and
// returns its exit code and what it wrote on stderr.
func serveInTest(t *testing.T, args ...string) (url string, stop func() (int, string)) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- Run(ctx, append([]string{"serve", "--addr", addr}, args...), nil, &bytes.Buffer{}, &stderr)
	}()
	var once sync.Once
	code := 0
	stop = func() (int, string) {
		once.Do(func() { cancel(); code = <-done })
		return code, stderr.String()
	}
	t.Cleanup(func() { stop() })
	for i := 0; i < 200; i++ {
		if resp, err := http.Get("http://" + addr + "/_sim/v1/clock"); err == nil {
			resp.Body.Close()
			return "http://" + addr, stop
		}
		time.Sleep(25 * time.Millisecond)
	}
	_, out := stop()
	t.Fatalf("serve did not start: %s", out)
	return "", stop
}

func post(t *testing.T, url, body string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST %s: %v %v", url, resp, err)
	}
	resp.Body.Close()
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// earsim conform against a separately started earsim serve passes, and
// against earsim serve --fault X fails, for every X.
func TestConformAgainstServe(t *testing.T) {
	conform := func(url string) (int, string) {
		var out, errb bytes.Buffer
		code := Run(context.Background(), []string{"conform", "--target", url, "--public-key", atlasapi.DevKey.PublicKey, "--private-key", atlasapi.DevKey.PrivateKey}, nil, &out, &errb)
		return code, errb.String() + out.String() // the failing scenarios too, for the report
	}
	// A user's world (the clock moved, a key made; at --time-scale 0, so
	// that only requests move it): conform works in a world of its own and
	// leaves it byte for byte (API.md "Worlds").
	url := startServe(t, "--time-scale", "0")
	post(t, url+"/_sim/v1/clock/advance", `{"seconds": 1234}`)
	post(t, url+"/_sim/v1/azure/keys", `{"keyIdentifier": "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/00000000000000000000000000000009", "enabled": true}`)
	before := get(t, url+"/_sim/v1/state")
	code, stderr := conform(url)
	if code != 0 {
		t.Fatalf("the faithful serve: exit %d\n%s", code, stderr)
	}
	if after := get(t, url+"/_sim/v1/state"); after != before {
		t.Errorf("conform changed the user's world")
	}
	if !strings.Contains(stderr, "running in a world of its own") {
		t.Errorf("conform did not say where it ran:\n%s", stderr)
	}
	if worlds := get(t, url+"/_sim/v1/worlds"); !strings.Contains(worlds, `"totalCount":1`) {
		t.Errorf("conform left its world: %s", worlds)
	}
	// With a service account instead of a key (the Atlas CLI's variables).
	t.Setenv("MONGODB_ATLAS_CLIENT_ID", atlasapi.DevServiceAccount.ClientID)
	t.Setenv("MONGODB_ATLAS_CLIENT_SECRET", atlasapi.DevServiceAccount.ClientSecret)
	var sout, serr bytes.Buffer
	if code := Run(context.Background(), []string{"conform", "--target", url, "--tags", "@EAR-PE-06,@EAR-CL-01"}, nil, &sout, &serr); code != 0 ||
		strings.Contains(sout.String()+serr.String(), atlasapi.DevServiceAccount.ClientSecret) {
		t.Fatalf("conform with a service account: exit %d\n%s%s", code, serr.String(), sout.String())
	}
	if code := Run(context.Background(), []string{"conform", "--target", url, "--client-id", atlasapi.DevServiceAccount.ClientID, "--client-secret", "mdb_sa_sk_wrong"}, nil, &sout, &serr); code != exitCannot ||
		!strings.Contains(serr.String(), "token route") {
		t.Fatalf("a wrong client secret: exit %d\n%s", code, serr.String())
	}
	// A wrong key fails once, before the suite, saying so (issue 12).
	var out, errb bytes.Buffer
	if code := Run(context.Background(), []string{"conform", "--target", url, "--public-key", atlasapi.DevKey.PublicKey, "--private-key", "wrong"}, nil, &out, &errb); code != exitCannot ||
		!strings.Contains(errb.String(), "401") || strings.Count(errb.String(), "\n") > 2 || out.Len() > 0 {
		t.Fatalf("a wrong key: exit %d\nstdout: %s\nstderr: %s", code, out.String(), errb.String())
	}
	// A target whose clock moves by itself (API.md: --time-scale). The
	// suite moves the clock itself; a scale of 60 keeps a stall of a loaded
	// machine (50 ms: 3 logical seconds) far below the model's shortest
	// timer (60 s), where 3600 made it three minutes and a flake on a
	// fresh machine.
	if code, stderr := conform(startServe(t, "--time-scale", "60", "--azure-auto-approve", "0s")); code != 0 {
		t.Fatalf("serve --time-scale 60: exit %d\n%s", code, stderr)
	}
	for _, f := range atlasapi.Faults {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel() // each against its own server, on a clock only the suite moves
			code, stderr := conform(startServe(t, "--fault", f.Name))
			if code != 1 {
				t.Fatalf("serve --fault %s (%s): conform exit %d, want 1\n%s", f.Name, f.Rule, code, stderr)
			}
		})
	}
}

// A serve that has worlds but will not make one for the run (its bound
// reached) is never reset instead: conform stops and says why.
func TestConformNeverFallsBackToTheUsersWorld(t *testing.T) {
	url := startServe(t, "--time-scale", "0", "--max-worlds", "1")
	post(t, url+"/_sim/v1/clock/advance", `{"seconds": 77}`)
	before := get(t, url+"/_sim/v1/state")
	var out, errb bytes.Buffer
	code := Run(context.Background(), []string{"conform", "--target", url, "--public-key", atlasapi.DevKey.PublicKey, "--private-key", atlasapi.DevKey.PrivateKey}, nil, &out, &errb)
	if code != exitCannot || !strings.Contains(errb.String(), "TOO_MANY_WORLDS") && !strings.Contains(errb.String(), "refused a world for this run") {
		t.Fatalf("conform against a full serve: exit %d\n%s%s", code, errb.String(), out.String())
	}
	if after := get(t, url+"/_sim/v1/state"); after != before {
		t.Errorf("conform changed the user's world")
	}
}
