//go:build !race

// The race run (make test) builds only what TestConcurrentClients needs:
// this file links a large client or the browser driver, which -race would
// compile again for nothing. It runs in the normal go test run.

package atlasapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/sim"
)

// browser finds Chromium for the console's browser test: Debian's
// chromium (.ci/run installs it). Without it the test fails saying how to
// get it, unless EARSIM_SKIP_BROWSER=1 says to skip.
func browser(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("EARSIM_SKIP_BROWSER") == "1" {
		t.Skip("EARSIM_SKIP_BROWSER=1: the console's browser test is skipped")
	}
	t.Fatal("the console's browser test needs Chromium: apt-get install chromium (Debian), or set EARSIM_SKIP_BROWSER=1 to skip it")
	return ""
}

// chromium is a headless Chromium's context at 1280×900, ended with the
// test or after limit.
func chromium(t *testing.T, exe string, limit time.Duration) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900), chromedp.Flag("headless", "new"))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, limit)
	t.Cleanup(func() { cancelT(); cancel(); cancelA() })
	return ctx
}

// xssName is the cluster name: it must stay text.
const xssName = `<img src=x onerror=alert(1)>`

// TestConsoleInBrowser drives the console in headless Chromium (issue 14):
// / goes to the console; an endpoint created through the API shows up and
// moves to PENDING_ACCEPTANCE without a reload; Approve in the page's
// Azure blade and the page's own clock button bring it to ACTIVE; a refused
// request appears in the timeline with its rule ID; a cluster named with
// markup shows as text and runs nothing; no secret is in the page. With
// EARSIM_SCREENSHOTS=DIR it writes the README's screenshots there.
func TestConsoleInBrowser(t *testing.T) {
	exe := browser(t)
	engine := policies.MustDefault()
	var rules []atlasapi.RuleInfo
	for _, r := range engine.Catalog() {
		rules = append(rules, atlasapi.RuleInfo{ID: r.ID, Title: r.Title, Severity: r.Severity, Source: r.Source})
	}
	s := newServer(t, atlasapi.Options{Seed: 1, Checker: engine, Rules: rules})
	base := s.http.URL

	// A world with a CMK cluster whose name is markup (a hand-edited state
	// file can hold any name), then customer keys over private networking.
	st := sim.NewWorld(1)
	cluster := sim.Cluster{Name: xssName, ClusterType: "REPLICASET", EncryptionAtRestProvider: "AZURE", StateName: "IDLE",
		ReplicationSpecs: []sim.ReplicationSpec{{RegionConfigs: []sim.RegionConfig{{ProviderName: "AZURE", RegionName: "US_EAST_2", Priority: 7,
			ElectableSpecs: &sim.HardwareSpec{InstanceSize: "M10", NodeCount: 3}}}}}}
	if err := st.PlaceCluster(sim.DefaultProjectID, cluster); err != nil {
		t.Fatal(err)
	}
	if a := s.control("PUT", "state", map[string]any{"format": "earsim-state/1", "state": st}); a.Status != 200 {
		t.Fatalf("import: %d %s", a.Status, a.Raw)
	}
	s.enable(true)

	ctx := chromium(t, exe, 90*time.Second)
	var dialogs atomic.Int32
	if err := chromedp.Do(ctx); err != nil { // starts Chromium
		t.Fatalf("starting Chromium (%s): %v", exe, err)
	}
	dialogEvents := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogEvents {
			if err != nil {
				return
			}
			dialogs.Add(1)
			t.Errorf("the page opened a dialog: %q (markup ran as code)", ev.Message)
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	value := func(what string, a chromedp.Action[string]) string {
		t.Helper()
		v, err := chromedp.Run(ctx, a)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
	number := func(what, js string) int {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }

	run("open /", chromedp.Navigate(base+"/"), chromedp.WaitVisible(css("#endpoints")))
	if location := value("location", chromedp.Location()); location != base+"/console/" {
		t.Fatalf("/ in a browser went to %s, want %s/console/", location, base)
	}
	run("live", chromedp.WaitVisible(css("#live.on")))
	number("mark the document", `window.__sameDocument = 1`)

	// An endpoint created through the API appears, then moves on by itself.
	a := s.do("POST", endpoints, accept, map[string]any{"regionName": "US_EAST_2"})
	if a.Status != 200 && a.Status != 202 {
		t.Fatalf("create endpoint: %d %s", a.Status, a.Raw)
	}
	id := a.Body["id"].(string)
	row := `tr[data-endpoint="` + id + `"]`
	run("INITIATING shown", chromedp.WaitVisible(css(row+` .badge.INITIATING`)))
	s.control("POST", "clock/advance", map[string]any{"seconds": sim.ProvisioningSeconds})
	run("PENDING_ACCEPTANCE shown", chromedp.WaitVisible(css(row+` .badge.PENDING_ACCEPTANCE`)))

	// At the widths people use (issue 25), nothing scrolls sideways: not the
	// page, not the endpoints card (its Delete in view), and no label of the
	// lifecycle diagram is cut by its box or the drawing's edge.
	for _, size := range [][2]int64{{1280, 900}, {1400, 900}, {390, 844}} {
		for _, problem := range layoutProblems(t, ctx, size[0], size[1]) {
			t.Errorf("at %d px: %s", size[0], problem)
		}
		if dir := os.Getenv("EARSIM_LAYOUT_SHOTS"); dir != "" {
			shot(t, ctx, filepath.Join(dir, fmt.Sprintf("console-%d.png", size[0])), size[0], size[1])
		}
	}
	run("back to wide", chromedp.EmulateViewport(1280, 900))

	if dir := os.Getenv("EARSIM_SCREENSHOTS"); dir != "" {
		shot(t, ctx, filepath.Join(dir, "console-wide.png"), 1280, 900)
		shot(t, ctx, filepath.Join(dir, "console-phone.png"), 390, 844)
		run("back to wide", chromedp.EmulateViewport(1280, 900))
	}

	// Approve, as in the Azure portal; Atlas reflects it within three
	// minutes (EAR-LAG-01): the page's own +3 min button moves the clock.
	conn := `tr[data-connection="` + id + `"]`
	run("approve", chromedp.Click(css(conn+` button[data-action="approve"]`)),
		chromedp.WaitVisible(css(conn+` .badge.APPROVED`)),
		chromedp.Click(css(`button[data-advance="180"]`)),
		chromedp.WaitVisible(css(row+` .badge.ACTIVE`)),
		chromedp.WaitVisible(css(`#diagram g.node.current[data-status="ACTIVE"]`)))

	// A refused request is in the timeline with its rule (EAR-IMM-01).
	if a := s.do("PATCH", earPath, accept, map[string]any{"azureKeyVault": map[string]any{"keyVaultName": "another-vault"}}); a.Status != 400 {
		t.Fatalf("vault rename with an endpoint: %d %s", a.Status, a.Raw)
	}
	run("refusal in the timeline", chromedp.WaitVisible(css(`#events li.refusal[data-rule="EAR-IMM-01"]`)))
	refusal := value("refusal", chromedp.Text(css(`#events li.refusal[data-rule="EAR-IMM-01"]`)))
	if !strings.Contains(refusal, "ENCRYPTION_AT_REST_PRIVATE_ENDPOINT_IMMUTABLE_ATTRIBUTE") || !strings.Contains(refusal, "“") {
		t.Errorf("the refusal's line should name its errorCode and quote the seed: %q", refusal)
	}

	// The markup name is text; no element came of it; nothing reloaded.
	name := value("cluster name", chromedp.Text(css(`tr[data-cluster] td`)))
	imgs := number("img elements", `document.querySelectorAll("main img").length`)
	same := number("same document", `window.__sameDocument || 0`)
	if name != xssName || imgs != 0 {
		t.Errorf("the cluster name shows as %q with %d img elements, want the text %q and none", name, imgs, xssName)
	}
	if same != 1 {
		t.Error("the page reloaded; it should update in place")
	}
	if dialogs.Load() != 0 {
		t.Error("markup ran as code")
	}

	// No secret in the page, its files, its world or its events.
	secret := sim.Presets["example"].Secret
	seen := []string{value("page text", chromedp.Text(css("body"))), value("page", chromedp.OuterHTML(css("html")))}
	for _, f := range []string{"/console/", "/console/console.js", "/console/console.css", "/console/lifecycle.json", "/_sim/v1/console/world"} {
		res, err := http.Get(base + f)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || len(b) == 0 {
			t.Errorf("GET %s: %d", f, res.StatusCode)
		}
		seen = append(seen, string(b))
	}
	var exported struct {
		State struct {
			SecretKey string `json:"secretKey"`
		} `json:"state"`
	}
	json.Unmarshal([]byte(s.state()), &exported)
	for i, out := range seen {
		for _, bad := range []string{secret, "secretDigest", "hmac-sha256:", exported.State.SecretKey} {
			if bad != "" && strings.Contains(out, bad) {
				t.Errorf("output %d shows %q", i, bad)
			}
		}
	}
}

// layoutJS measures the page as laid out: what scrolls sideways (scrollWidth
// beyond clientWidth) among the document, the endpoints card and its
// tables; whether each endpoint's Delete is inside the card and the window;
// and whether each text of the lifecycle diagram lies inside its container
// (a status inside its box, every label inside the drawing and the visible
// part of the diagram's frame).
const layoutJS = `(() => {
  const out = [];
  const over = (el, what) => {
    if (el.scrollWidth > el.clientWidth + 1) out.push(what + " scrolls sideways: scrollWidth " + el.scrollWidth + " > clientWidth " + el.clientWidth);
  };
  over(document.documentElement, "the document");
  const card = document.getElementById("endpoints");
  over(card, "the Private Endpoints card");
  card.querySelectorAll(".scroll").forEach((el) => over(el, "the Private Endpoints table"));
  const inside = (r, box, slack) => r.left >= box.left - slack && r.right <= box.right + slack && r.top >= box.top - slack && r.bottom <= box.bottom + slack;
  const fmt = (r) => "[" + Math.round(r.left) + "," + Math.round(r.top) + " – " + Math.round(r.right) + "," + Math.round(r.bottom) + "]";
  const buttons = card.querySelectorAll('button[data-action="delete"]');
  if (buttons.length === 0) out.push("no Delete button in the Private Endpoints card");
  const view = { left: 0, top: -1e9, right: document.documentElement.clientWidth, bottom: 1e9 };
  buttons.forEach((b) => {
    const r = b.getBoundingClientRect();
    if (r.width === 0 || !inside(r, card.getBoundingClientRect(), 0.5) || !inside(r, view, 0.5)) out.push("Delete " + fmt(r) + " is not in view inside the card " + fmt(card.getBoundingClientRect()));
  });
  const frame = document.querySelector("#diagram");
  over(frame, "the lifecycle diagram");
  const shown = (e) => e && e.getClientRects().length > 0;
  const svg = frame.querySelector("svg"), list = frame.querySelector("ol.transitions");
  if (!shown(svg)) {
    // A narrow screen lists the transitions instead of drawing them.
    if (!shown(list) || list.querySelectorAll("li li").length === 0) out.push("the lifecycle shows neither a drawing nor a list");
    else frame.querySelectorAll("li").forEach((li) => over(li, "the lifecycle list's line " + JSON.stringify(li.textContent)));
    return out;
  }
  const drawing = svg.getBoundingClientRect(), seen = frame.getBoundingClientRect();
  const boxes = [...svg.querySelectorAll("g.node rect")].map((r) => r.getBoundingClientRect());
  const labels = [...svg.querySelectorAll("g.edge text")].map((t) => [t, t.getBoundingClientRect()]);
  const meet = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  svg.querySelectorAll("text").forEach((t) => {
    const r = t.getBoundingClientRect();
    const node = t.closest("g.node");
    const box = node ? node.querySelector("rect").getBoundingClientRect() : drawing;
    if (!inside(r, box, 0.5)) out.push("label " + JSON.stringify(t.textContent) + " " + fmt(r) + " overflows its " + (node ? "box " : "drawing ") + fmt(box));
    else if (!inside(r, seen, 0.5)) out.push("label " + JSON.stringify(t.textContent) + " " + fmt(r) + " is cut by the diagram's frame " + fmt(seen));
    if (!node) {
      boxes.forEach((b) => { if (meet(r, b)) out.push("label " + JSON.stringify(t.textContent) + " " + fmt(r) + " is under a status box " + fmt(b)); });
      labels.forEach(([u, q]) => { if (u !== t && t.compareDocumentPosition(u) & Node.DOCUMENT_POSITION_FOLLOWING && meet(r, q)) out.push("labels " + JSON.stringify(t.textContent) + " and " + JSON.stringify(u.textContent) + " overlap"); });
    }
  });
  return out;
})()`

// layoutProblems sets the viewport and returns what layoutJS finds.
func layoutProblems(t *testing.T, ctx context.Context, w, h int64) []string {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h), chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatalf("viewport %dx%d: %v", w, h, err)
	}
	problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](layoutJS))
	if err != nil {
		t.Fatalf("measuring the layout at %d px: %v", w, err)
	}
	return problems
}

// shot writes a full-page screenshot (PNG: quality 100) at a viewport size.
func shot(t *testing.T, ctx context.Context, file string, w, h int64) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h), chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatalf("viewport %dx%d: %v", w, h, err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", file, err)
	}
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The console's doors (issue 14, issue 13): its actions are control routes,
// refused from another origin and from a foreign Host; its page and files
// carry a content security policy that allows no other origin; / from a
// client that is not a browser is still the API's.
func TestConsoleDoors(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	s.enable(true)
	id := s.endpoint("US_EAST_2", sim.StatusPendingAcceptance)
	before := s.state()
	for _, h := range []map[string]string{
		{"Origin": "https://evil.example", "Content-Type": "application/json"},
		{"Origin": "null", "Content-Type": "application/json"},
		{"Content-Type": "text/plain"},
		{"Host": "evil.example", "Content-Type": "application/json"},
	} {
		for _, path := range []string{
			"/_sim/v1/groups/" + sim.DefaultProjectID + "/privateEndpoints/" + id + "/approve",
			"/_sim/v1/console/groups/" + sim.DefaultProjectID + "/privateEndpoints/" + id + "/delete",
		} {
			req, _ := http.NewRequest("POST", s.http.URL+path, strings.NewReader("{}"))
			for k, v := range h {
				if k == "Host" {
					req.Host = v
				} else {
					req.Header.Set(k, v)
				}
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode < 400 {
				t.Errorf("POST %s with %v: %d, want a refusal", path, h, res.StatusCode)
			}
		}
	}
	if s.state() != before {
		t.Fatal("a refused console action changed the world")
	}
	res, err := http.Get(s.http.URL + "/console/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") ||
		res.Header.Get("Access-Control-Allow-Origin") != "" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("the console's headers: %v", res.Header)
	}
	// Off loopback, without a control token, the page is refused as the
	// control routes are.
	far := httptest.NewRequest("GET", "/console/", nil)
	far.RemoteAddr = "192.0.2.1:1234"
	rec := httptest.NewRecorder()
	s.srv.ServeHTTP(rec, far)
	if rec.Code != 403 {
		t.Errorf("the console from a non-loopback client without a control token: %d", rec.Code)
	}
	// The timeline holds the latest 200 lines, the newest last.
	for i := 0; i < 210; i++ {
		s.do("PATCH", earPath, accept, map[string]any{"azureKeyVault": map[string]any{"keyVaultName": fmt.Sprintf("vault%d", i)}})
	}
	tl, _ := s.control("GET", "console/world", nil).Body["timeline"].([]any)
	if last, _ := tl[len(tl)-1].(map[string]any); len(tl) != 200 || last["rule"] != "EAR-IMM-01" || last["kind"] != "refusal" {
		t.Errorf("the timeline has %d lines, the last %v; want 200, the last the latest refusal", len(tl), last)
	}
	// A world without an Azure side still answers lists, never null.
	empty := sim.NewWorld(1)
	empty.Azure = sim.Azure{}
	if a := s.control("PUT", "state", map[string]any{"format": "earsim-state/1", "state": empty}); a.Status != 200 {
		t.Fatalf("import of a world without Azure: %d %s", a.Status, a.Raw)
	}
	w := s.control("GET", "console/world", nil)
	az, _ := w.Body["azure"].(map[string]any)
	for _, k := range []string{"vaults", "keys", "subscriptions"} {
		if _, ok := az[k].([]any); !ok {
			t.Errorf("console world's azure.%s is %v, want a list: %s", k, az[k], w.Raw)
		}
	}
	if a := s.do("GET", "/", "application/json", nil); a.Status != 404 {
		t.Errorf("GET / from an API client: %d, want the API's 404", a.Status)
	}
	if a := s.do("GET", "/console/nope.js", "", nil); a.Status != 404 {
		t.Errorf("a file the console does not have: %d", a.Status)
	}
}

// The console finds a project's vault and key as the model does (vault
// names in any case, Azure.Vault and Azure.Key), not by comparing strings.
func TestConsoleWorldFindsVaultAndKeyAsTheModel(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	st := sim.NewWorld(1)
	p := st.Project(sim.DefaultProjectID)
	p.Encryption = sim.Presets["example"].Config(st)
	p.Encryption.RequirePrivateNetworking = true
	p.Encryption.KeyVaultName = strings.ToLower(p.Encryption.KeyVaultName)
	p.Encryption.KeyIdentifier = strings.Replace(p.Encryption.KeyIdentifier, "EXAMPLEKeyVault", "examplekeyvault", 1)
	ep, err := st.PlaceEndpoint(sim.DefaultProjectID, "US_EAST_2", sim.StatusActive)
	if err != nil {
		t.Fatal(err)
	}
	if a := s.control("PUT", "state", map[string]any{"format": "earsim-state/1", "state": st}); a.Status != 200 {
		t.Fatalf("import: %d %s", a.Status, a.Raw)
	}
	w := s.control("GET", "console/world", nil)
	var world struct {
		Projects []struct{ KeyInUse string }
		Azure    struct {
			Vaults []struct {
				Name        string
				Connections []struct{ EndpointID string }
			}
			Keys []struct{ KeyIdentifier string }
		}
	}
	if err := json.Unmarshal([]byte(w.Raw), &world); err != nil {
		t.Fatal(err)
	}
	want := ""
	for _, k := range world.Azure.Keys {
		if strings.Contains(k.KeyIdentifier, "EXAMPLEKeyVault.") && strings.HasSuffix(k.KeyIdentifier, p.Encryption.KeyIdentifier[len(p.Encryption.KeyIdentifier)-32:]) {
			want = k.KeyIdentifier
		}
	}
	if want == "" || len(world.Projects) != 1 || world.Projects[0].KeyInUse != want {
		t.Errorf("keyInUse %+v, want the Azure key %q", world.Projects, want)
	}
	found := false
	for _, v := range world.Azure.Vaults {
		for _, c := range v.Connections {
			found = found || v.Name == "EXAMPLEKeyVault" && c.EndpointID == ep
		}
	}
	if !found {
		t.Errorf("the endpoint's connection is not under vault EXAMPLEKeyVault: %s", w.Raw)
	}
}

// Each world has a page of its own (API.md "Worlds", issue 23): the console
// under /w/{world}/console/ shows that world's projects and acts there, its
// world selector lists the server's worlds, and choosing another opens its
// page.
func TestConsoleWorldsInBrowser(t *testing.T) {
	exe := browser(t)
	s := newHubServer(t, atlasapi.HubOptions{Options: atlasapi.Options{Seed: 1}}, "team-a")
	root := s.in(atlasapi.DefaultWorld)
	if a := s.do("POST", "/api/atlas/v2/groups", accept, map[string]any{"name": "only-in-team-a", "orgId": "a0000000000000000000000a"}); a.Status != 200 {
		t.Fatalf("create project in team-a: %d %s", a.Status, a.Raw)
	}
	before := root.state()
	ctx := chromium(t, exe, 60*time.Second)
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(what, js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
	page := s.http.URL + "/w/team-a/"
	run("open team-a's page", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`#live.on`)),
		chromedp.WaitReady(chromedp.CSS(`#world option[value="default"]`)))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc != page+"console/" {
		t.Errorf("/w/team-a/ in a browser went to %s", loc)
	}
	if got := text("projects", `[...document.querySelectorAll("#project option")].map(o => o.textContent).join("|")`); !strings.Contains(got, "only-in-team-a") {
		t.Errorf("team-a's page lists %q, want its own project", got)
	}
	if got := text("world", `document.getElementById("world").value`); got != "team-a" {
		t.Errorf("the world selector shows %q, want team-a", got)
	}
	// The page's +1 min moves team-a's clock, not the default world's.
	run("advance", chromedp.Click(chromedp.CSS(`button[data-advance="60"]`)))
	deadline := time.Now().Add(20 * time.Second)
	for s.control("GET", "clock", nil).Body["now"] == root.control("GET", "clock", nil).Body["now"] && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if s.control("GET", "clock", nil).Body["now"] == root.control("GET", "clock", nil).Body["now"] {
		t.Errorf("team-a's +1 min did not move team-a's clock")
	}
	if root.state() != before {
		t.Errorf("team-a's page changed the default world")
	}
	// Choosing default opens the root's page, with the default world's projects.
	run("choose default", chromedp.SetValue(chromedp.CSS(`#world`), "default")) // fires change
	deadline = time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc == s.http.URL+"/console/" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	run("the default world's page", chromedp.WaitVisible(chromedp.CSS(`#live.on`)))
	if got := text("projects", `[...document.querySelectorAll("#project option")].map(o => o.textContent).join("|")`); strings.Contains(got, "only-in-team-a") || !strings.Contains(got, "seed-example") {
		t.Errorf("the default world's page lists %q", got)
	}
}
