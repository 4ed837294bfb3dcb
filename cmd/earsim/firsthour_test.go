package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/policies"
)

// The demo's "Try next" names earsim as the user can run it again (issue 25).
func TestEarsimCommand(t *testing.T) {
	t.Setenv("GOCACHE", "/work/.gocache")
	for argv0, want := range map[string]string{
		"earsim":                "earsim", // found on PATH
		"bin/earsim":            "bin/earsim",
		"/usr/local/bin/earsim": "/usr/local/bin/earsim",
		"/tmp/go-build2415625143/b001/exe/earsim":                                                            goRunEarsim,
		"/root/.cache/go-build/04/04aae5d7cb71d09c654ebf0fc289571d68ba6e1f88cdc010b989c39ec87c5074-d/earsim": goRunEarsim,
		"/work/.gocache/04/04aae5d7cb71d09c654ebf0fc289571d68ba6e1f88cdc010b989c39ec87c5074-d/earsim":        goRunEarsim,
		"/work/.gocache-other/earsim": "/work/.gocache-other/earsim",
	} {
		if got := earsimCommand(argv0); got != want {
			t.Errorf("earsimCommand(%q) = %q, want %q", argv0, got, want)
		}
	}
	var b bytes.Buffer
	tryNext(&b, "/tmp/go-build1/b001/exe/earsim")
	if !strings.Contains(b.String(), "  go run ./cmd/earsim serve --time-scale 30") || !strings.Contains(b.String(), "go install ./cmd/earsim") {
		t.Errorf("after go run, Try next says:\n%s", b.String())
	}
}

// conform --target says on stderr, before any scenario, exactly what it will
// reset: the world of an earsim serve (issue 25 item 2); on a target
// without control routes, the projects it creates and removes.
func TestConformSaysWhatItResets(t *testing.T) {
	conform := func(url string) (int, string) {
		var out, errb bytes.Buffer
		code := Run(context.Background(), []string{"conform", "--target", url, "--tags", "@EAR-CRED-03",
			"--public-key", atlasapi.DevKey.PublicKey, "--private-key", atlasapi.DevKey.PrivateKey}, nil, &out, &errb)
		return code, errb.String()
	}
	// An earsim serve: a world of its own, said first (API.md "Worlds").
	url := startServe(t)
	code, stderr := conform(url)
	if code != 0 {
		t.Fatalf("conform against serve: exit %d\n%s", code, stderr)
	}
	if !strings.HasPrefix(stderr, "earsim conform: running in a world of its own at "+url+"/w/") || strings.Contains(stderr, "WARNING") {
		t.Errorf("not said first where the run works:\n%s", stderr)
	}
	// An earsim without worlds (one atlasapi.Server): what it resets, first.
	single, err := atlasapi.New(atlasapi.Options{Seed: 1, Checker: policies.NewService(policies.MustDefault())})
	if err != nil {
		t.Fatal(err)
	}
	one := httptest.NewServer(single)
	defer one.Close()
	code, stderr = conform(one.URL)
	if code != 0 {
		t.Fatalf("conform against an earsim without worlds: exit %d\n%s", code, stderr)
	}
	if !strings.HasPrefix(stderr, "earsim conform: WARNING: "+one.URL+" is an earsim without worlds, and this run resets its world") ||
		!strings.Contains(stderr, "POST "+one.URL+"/_sim/v1/reset") || !strings.Contains(stderr, "is lost") {
		t.Errorf("no warning first:\n%s", stderr)
	}

	// A target without earsim's control routes (as live Atlas): the mock
	// with /_sim/ hidden.
	srv, err := atlasapi.New(atlasapi.Options{Seed: 1, Checker: policies.NewService(policies.MustDefault())})
	if err != nil {
		t.Fatal(err)
	}
	live := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_sim/") {
			http.NotFound(w, r)
			return
		}
		srv.ServeHTTP(w, r)
	}))
	defer live.Close()
	code, stderr = conform(live.URL)
	if code != 0 {
		t.Fatalf("conform against a target without control routes: exit %d\n%s", code, stderr)
	}
	if !regexp.MustCompile(`^earsim conform: `+regexp.QuoteMeta(live.URL)+` has no earsim control routes: each scenario creates a project named\n  earsim-\d{8}-\d{6}-N `).MatchString(stderr) ||
		!strings.Contains(stderr, "@destructive scenarios are left out") || strings.Contains(stderr, "WARNING") {
		t.Errorf("what a live run changes is not said first:\n%s", stderr)
	}
}

// The one summary's counts add up, and the report holds no other.
func TestConformOneSummary(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Run(context.Background(), []string{"conform", "--format", "pretty"}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d\n%s", code, errb.String())
	}
	m := regexp.MustCompile(`(?m)^earsim conform: (\d+) scenarios against .*: (\d+) passed, (\d+) failed, (\d+) skipped `).FindStringSubmatch(errb.String())
	if m == nil {
		t.Fatalf("no summary:\n%s", errb.String())
	}
	n := make([]int, 4)
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	if n[0] != n[1]+n[2]+n[3] || n[3] != strings.Count(errb.String(), "\nskipped: ")+boolInt(strings.HasPrefix(errb.String(), "skipped: ")) {
		t.Errorf("counts do not add up: %v\n%s", n, errb.String())
	}
	if got := strings.Count(out.String(), "\n  Scenario"); got != n[0] {
		t.Errorf("the report shows %d scenarios, the summary %d", got, n[0])
	}
	if regexp.MustCompile(`(?m)^\d+ (scenarios|steps) \(`).MatchString(out.String()) {
		t.Errorf("godog's counts are in the report:\n%s", out.String())
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
