package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/earsim/earsim/atlasapi"
	"github.com/mongodb-forks/digest"
)

// earsim serve end to end: it listens, answers with digest auth, serves the
// control routes, and stops cleanly on cancellation.
func TestServeEndToEnd(t *testing.T) {
	url, stop := serveInTest(t)
	c, _ := digest.NewTransport(atlasapi.DevKey.PublicKey, atlasapi.DevKey.PrivateKey).Client()
	req, _ := http.NewRequest("GET", url+"/api/atlas/v2/groups/66c9e8f1dd6c9960802420e9/encryptionAtRest", nil)
	req.Header.Set("Accept", "application/vnd.atlas.2023-01-01+json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("serve did not answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET encryptionAtRest: %d", resp.StatusCode)
	}
	ctl, err := http.Post(url+"/_sim/v1/clock/advance", "application/json", strings.NewReader(`{"seconds": 60}`))
	if err != nil || ctl.StatusCode != 200 {
		t.Fatalf("control route: %v %v", err, ctl)
	}
	ctl.Body.Close()
	code, out := stop()
	if code != exitInterrupted || !strings.Contains(out, "interrupted") { // the interrupt contract: serve's stop is an interrupt
		t.Fatalf("serve exited %d: %s", code, out)
	}
	if !strings.Contains(out, "listening on "+url) || strings.Contains(out, atlasapi.DevKey.PrivateKey) {
		t.Fatalf("stderr: %q", out)
	}
}

// A taken port is refused with a hint (issue 12).
func TestServeTakenPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var out, errb bytes.Buffer
	code := Run(context.Background(), []string{"serve", "--addr", ln.Addr().String()}, nil, &out, &errb)
	if code != exitCannot || !strings.Contains(errb.String(), "another server holds that port") {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
}
