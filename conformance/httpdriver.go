package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/sim"
	"github.com/mongodb-forks/digest"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Credentials are an API key pair (digest) or a service account's client
// id and secret (OAuth 2.0 client credentials, API.md "Auth"). Private
// keys and secrets never appear in output.
type Credentials struct {
	PublicKey, PrivateKey  string
	ClientID, ClientSecret string
}

// Name is what output may call the credentials: the public key or the
// client id.
func (c Credentials) Name() string {
	if c.ClientID != "" {
		return c.ClientID
	}
	return c.PublicKey
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
	// Live makes the driver treat the target as live Atlas even if it has
	// control routes (the default for targets without them): each scenario
	// works in a project of its own named RunPrefix-N, and CleanupAll removes
	// what the run made.
	Live      bool
	RunPrefix string // default "earsim-" and the start time

	caps    *Capabilities
	clients map[Credentials]*http.Client
	world   string // the world OpenWorld made, and the target's root URL
	root    string
	project string   // the current scenario's project (live)
	made    []string // projects this run created (live)
	seq     int
}

// live reports whether scenarios get projects of their own.
func (d *HTTPDriver) live() bool { return d.Live || !d.Capabilities().Clock }

// Project returns the current scenario's project on a live target.
func (d *HTTPDriver) Project() string { return d.project }

// Made returns the projects this run created on a live target.
func (d *HTTPDriver) Made() []string { return d.made }

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
	if c.ClientID != "" {
		// A service account: tokens from the target's own token route,
		// reused until they expire, as the official SDK does.
		cfg := clientcredentials.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret,
			TokenURL: d.BaseURL + "/api/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Timeout: timeout})
		hc = &http.Client{Timeout: timeout, Transport: &oauth2.Transport{Source: cfg.TokenSource(ctx), Base: http.DefaultTransport}}
	}
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

// OpenWorld moves the run into a world of its own when the target is an
// earsim serve with worlds (API.md "Worlds"): it makes one and points
// BaseURL at it, so that the run never resets or changes the world a user
// is working in. It returns the world's name, or "" when the target has no
// worlds (the caller must then say what the run will reset). Call it before
// anything else.
func (d *HTTPDriver) OpenWorld(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", d.BaseURL+"/_sim/v1/worlds", jsonBody(map[string]any{"seed": d.Seed}))
	if err != nil {
		return "", nil // not a URL: Preflight says what to fix
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return "", nil // unreachable: Preflight says so
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusCreated:
	case http.StatusNotFound, http.StatusMethodNotAllowed: // no worlds here
		io.Copy(io.Discard, resp.Body)
		return "", nil
	default: // worlds, but none for this run (the bound, a control token): never fall back to the user's world
		var e struct{ Detail string }
		json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&e)
		return "", fmt.Errorf("%s/_sim/v1/worlds refused a world for this run (%d: %s); the run stops rather than use the world you work in", d.BaseURL, resp.StatusCode, e.Detail)
	}
	var w struct{ Name, BaseURL string }
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&w); err != nil || w.Name == "" || w.BaseURL == "" {
		return "", fmt.Errorf("%s/_sim/v1/worlds answered 201 without a world's name and baseURL", d.BaseURL)
	}
	d.world, d.root = w.Name, d.BaseURL
	d.BaseURL = strings.TrimSuffix(w.BaseURL, "/")
	d.caps, d.clients = nil, nil // both depend on the base URL
	return w.Name, nil
}

// EndWorld ends the world OpenWorld made.
func (d *HTTPDriver) EndWorld(ctx context.Context) error {
	if d.world == "" {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, "DELETE", d.root+"/_sim/v1/worlds/"+d.world, nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("ending world %s: status %d", d.world, resp.StatusCode)
	}
	d.world = ""
	return nil
}

// Reset starts a scenario: on a live target, in a project of its own whose
// name carries the run prefix; otherwise on a fresh default world.
func (d *HTTPDriver) Reset(ctx context.Context) error {
	if d.live() {
		return d.newProject(ctx)
	}
	req, err := http.NewRequestWithContext(ctx, "POST", d.BaseURL+"/_sim/v1/reset", jsonBody(map[string]any{"seed": d.Seed}))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
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

func (d *HTTPDriver) newProject(ctx context.Context) error {
	if d.RunPrefix == "" {
		d.RunPrefix = "earsim-" + time.Now().UTC().Format("20060102-150405")
	}
	orgs, err := d.Do(ctx, sim.Command{Op: sim.ListOrganizations})
	if err != nil {
		return err
	}
	results, _ := asMap(orgs.Body)["results"].([]any)
	if orgs.Status != 200 || len(results) == 0 {
		return fmt.Errorf("listing organizations answered %d %s", orgs.Status, orgs.ErrorCode)
	}
	d.seq++
	name := fmt.Sprintf("%s-%d", d.RunPrefix, d.seq)
	r, err := d.Do(ctx, sim.Command{Op: sim.CreateProject, Project: &sim.ProjectSpec{Name: name, OrgID: field(results[0], "id")}})
	if err != nil {
		return err
	}
	if r.Status >= 300 {
		return fmt.Errorf("creating project %s answered %d %s", name, r.Status, r.ErrorCode)
	}
	d.project = field(r.Body, "id")
	d.made = append(d.made, d.project)
	return nil
}

// CleanupAll removes what the run created on a live target, best effort:
// endpoints, clusters, customer keys, then each project. It returns what it
// could not remove, so that it can be reported; the run prefix names it.
func (d *HTTPDriver) CleanupAll(ctx context.Context) []string {
	var left []string
	for _, g := range d.made {
		eps, err := d.Do(ctx, sim.Command{Op: sim.ListPrivateEndpoints, GroupID: g})
		if err == nil {
			results, _ := asMap(eps.Body)["results"].([]any)
			for _, e := range results {
				d.Do(ctx, sim.Command{Op: sim.DeletePrivateEndpoint, GroupID: g, EndpointID: field(e, "id")})
			}
		}
		cls, err := d.Do(ctx, sim.Command{Op: sim.ListClusters, GroupID: g})
		if err == nil {
			results, _ := asMap(cls.Body)["results"].([]any)
			for _, c := range results {
				d.Do(ctx, sim.Command{Op: sim.DeleteCluster, GroupID: g, ClusterName: field(c, "name")})
			}
		}
		off := false
		d.Do(ctx, sim.Command{Op: sim.UpdateEncryptionConfig, GroupID: g, AzureKeyVault: &sim.AzureKeyVaultPatch{Enabled: &off}})
		r, err := d.Do(ctx, sim.Command{Op: sim.DeleteProject, GroupID: g})
		if err != nil || r.Status >= 300 {
			left = append(left, g)
		}
	}
	d.made = nil
	return left
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

// Preflight checks, once, what every scenario needs of a target before the
// suite runs: an http(s) URL, a server that answers there, and keys it
// accepts (and a read-only key, if given, that it accepts too). Each error
// says what to fix.
func (d *HTTPDriver) Preflight(ctx context.Context) error {
	u, err := url.Parse(d.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--target must be an http:// or https:// URL such as http://127.0.0.1:8080, got %q", d.BaseURL)
	}
	try := func(who string, c Credentials) error {
		req, err := http.NewRequestWithContext(ctx, "GET", d.BaseURL+"/api/atlas/v2/orgs", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Accept", "application/vnd.atlas.2023-01-01+json")
		resp, err := d.client(c).Do(req)
		if err != nil {
			var re *oauth2.RetrieveError
			if errors.As(err, &re) {
				return fmt.Errorf("%s refused the %s service account %q at its token route (%d %s): check the client id and secret", d.BaseURL, who, c.ClientID, re.Response.StatusCode, re.ErrorCode)
			}
			return fmt.Errorf("cannot reach %s: %v (is the server running, on that port?)", d.BaseURL, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusUnauthorized:
			return fmt.Errorf("%s refused the %s credentials %q (401): check the public and private key, or the client id and secret", d.BaseURL, who, c.Name())
		case resp.StatusCode != http.StatusOK:
			return fmt.Errorf("%s answered GET /api/atlas/v2/orgs with %d for the %s credentials %q: is it an Atlas Administration API?", d.BaseURL, resp.StatusCode, who, c.Name())
		}
		return nil
	}
	if err := try("owner", d.Owner); err != nil {
		return err
	}
	if d.ReadOnly != nil {
		return try("read-only", *d.ReadOnly)
	}
	return nil
}
