package atlasapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/policies"
)

// A request that takes longer than the write timeout to apply (here it
// waits for a world's lock held past the timeout, as behind a slow import)
// is still answered: the timeout bounds writing the answer, counted from
// when the answer starts (issue 24: a 10,000-project import was applied
// and never answered).
func TestSlowRequestStillAnswers(t *testing.T) {
	defer atlasapi.SetWriteTimeout(200 * time.Millisecond)()
	hub, err := atlasapi.NewHub(atlasapi.HubOptions{Options: atlasapi.Options{Seed: 1, NoAuth: true, Checker: policies.NewService(policies.MustDefault())}})
	if err != nil {
		t.Fatal(err)
	}
	run, err := hub.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer run.Stop()
	base := "http://" + run.Addr
	if resp, err := http.Get(base + "/w/a/_sim/v1/clock"); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	unlock := atlasapi.HoldWorld(hub, "a")
	go func() {
		time.Sleep(600 * time.Millisecond) // three write timeouts
		unlock()
	}()
	resp, err := http.Get(base + "/w/a/_sim/v1/clock")
	if err != nil {
		t.Fatalf("the slow request was not answered: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"now"`) {
		t.Fatalf("the slow request: %d %s", resp.StatusCode, body)
	}
}
