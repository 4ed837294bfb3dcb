package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/earsim/earsim/atlasapi"
	"github.com/mongodb-forks/digest"
)

// earsim serve end to end: it listens, answers with digest auth, serves the
// control routes, and stops cleanly on cancellation.
func TestServeEndToEnd(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var stderr bytes.Buffer
	done := make(chan int)
	go func() { done <- Run(ctx, []string{"serve", "--addr", addr}, nil, &bytes.Buffer{}, &stderr) }()
	c, _ := digest.NewTransport(atlasapi.DevKey.PublicKey, atlasapi.DevKey.PrivateKey).Client()
	var resp *http.Response
	for i := 0; i < 100; i++ {
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/atlas/v2/groups/66c9e8f1dd6c9960802420e9/encryptionAtRest", nil)
		req.Header.Set("Accept", "application/vnd.atlas.2023-01-01+json")
		if resp, err = c.Do(req); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("serve did not answer: %v (%s)", err, stderr.String())
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET encryptionAtRest: %d", resp.StatusCode)
	}
	ctl, err := http.Post("http://"+addr+"/_sim/v1/clock/advance", "application/json", strings.NewReader(`{"seconds": 60}`))
	if err != nil || ctl.StatusCode != 200 {
		t.Fatalf("control route: %v %v", err, ctl)
	}
	ctl.Body.Close()
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d: %s", code, stderr.String())
	}
	out := stderr.String()
	if !strings.Contains(out, "listening on http://"+addr) || strings.Contains(out, atlasapi.DevKey.PrivateKey) {
		t.Fatalf("stderr: %q", out)
	}
}
