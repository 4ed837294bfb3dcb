package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/sim"
	"github.com/mongodb-forks/digest"
)

// Credentials is an API key pair. Its private key never appears in output.
type Credentials struct {
	PublicKey, PrivateKey string
}

// HTTPDriver runs the features against an endpoint over HTTP with digest
// authentication: earsim's mock, a team's own mock, or live Atlas. Requests
// are built from the mock's route table (atlasapi.NewRequest). Control
// routes (/_sim/v1/) stand in for Azure and the clock where the target has
// them.
type HTTPDriver struct {
	BaseURL  string
	Owner    Credentials  // a key with Project Owner (or Organization Owner)
	ReadOnly *Credentials // a key with Project Read Only; without it, @needs-roles is skipped
	Seed     uint64
	Timeout  time.Duration // per request; default 30 s

	caps    *Capabilities
	clients map[Credentials]*http.Client
}

func (d *HTTPDriver) client(c Credentials) *http.Client {
	if d.clients == nil {
		d.clients = map[Credentials]*http.Client{}
	}
	if hc, ok := d.clients[c]; ok {
		return hc
	}
	timeout := d.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	hc := &http.Client{Timeout: timeout, Transport: digest.NewTransport(c.PublicKey, c.PrivateKey)}
	d.clients[c] = hc
	return hc
}

// Capabilities: a target with earsim's control routes can do everything;
// another can do what needs neither Azure, a clock nor an operator.
func (d *HTTPDriver) Capabilities() Capabilities {
	if d.caps == nil {
		c := Capabilities{Roles: d.ReadOnly != nil}
		req, err := http.NewRequest("GET", d.BaseURL+"/_sim/v1/clock", nil)
		if err == nil {
			if resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					c.Azure, c.Clock, c.Operator, c.Effects = true, true, true, true
				}
			}
		}
		d.caps = &c
	}
	return *d.caps
}

// Reset starts a fresh default world on a target with control routes.
func (d *HTTPDriver) Reset(ctx context.Context) error {
	if !d.Capabilities().Clock {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, "POST", d.BaseURL+"/_sim/v1/reset", jsonBody(map[string]any{"seed": d.Seed}))
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("reset: status %d", resp.StatusCode)
	}
	return nil
}

// Do sends one operation; read-only actors use the read-only key.
func (d *HTTPDriver) Do(ctx context.Context, cmd sim.Command) (Response, error) {
	creds := d.Owner
	if cmd.Actor != nil && readOnly(cmd.Actor) && d.ReadOnly != nil {
		creds = *d.ReadOnly
	}
	cmd.Actor = nil
	for attempt := 0; ; attempt++ {
		req, err := atlasapi.NewRequest(d.BaseURL, cmd)
		if err != nil {
			return Response{}, err
		}
		resp, err := d.client(creds).Do(req.WithContext(ctx))
		if err != nil {
			return Response{}, fmt.Errorf("%s: %w", cmd.Op, err)
		}
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests && attempt < 5 {
			wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			select {
			case <-ctx.Done():
				return Response{}, ctx.Err()
			case <-time.After(time.Duration(max(wait, 1)) * time.Second):
			}
			continue
		}
		r := Response{Status: resp.StatusCode}
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &r.Body); err != nil {
				return r, fmt.Errorf("%s: the answer is not JSON: %.200q", cmd.Op, raw)
			}
		}
		if resp.StatusCode >= 400 {
			r.ErrorCode = field(r.Body, "errorCode")
		}
		return r, nil
	}
}

// Advance moves the target's clock through its control route.
func (d *HTTPDriver) Advance(ctx context.Context, seconds int64) error {
	if !d.Capabilities().Clock {
		return ErrNoClock
	}
	r, err := d.Do(ctx, sim.Command{Op: sim.Advance, Seconds: seconds})
	if err == nil && r.Status != 200 {
		err = fmt.Errorf("advance: status %d", r.Status)
	}
	return err
}

// Effects reads the effects journal of an earsim target.
func (d *HTTPDriver) Effects(ctx context.Context) ([]sim.Effect, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", d.BaseURL+"/_sim/v1/effects", nil)
	if err != nil {
		return nil, err
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var journal struct {
		Entries []struct {
			Effect *sim.Effect `json:"effect"`
		} `json:"entries"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&journal); err != nil {
		return nil, fmt.Errorf("effects: %w", err)
	}
	var out []sim.Effect
	for _, e := range journal.Entries {
		if e.Effect != nil {
			out = append(out, *e.Effect)
		}
	}
	return out, nil
}

func readOnly(a *sim.Actor) bool {
	ro := func(r string) bool { return r == "ORG_READ_ONLY" || r == "GROUP_READ_ONLY" }
	if slices.ContainsFunc(a.Roles, ro) {
		return true
	}
	for _, roles := range a.GroupRoles {
		if slices.ContainsFunc(roles, ro) {
			return true
		}
	}
	return false
}

func jsonBody(v any) io.Reader {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(json.NewEncoder(pw).Encode(v)) }()
	return pr
}
