package atlasapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/sim"
	"github.com/mongodb-forks/digest"
)

var regions32 = []string{
	"US_CENTRAL", "US_EAST", "US_EAST_2", "US_NORTH_CENTRAL", "US_WEST", "US_SOUTH_CENTRAL", "EUROPE_NORTH", "EUROPE_WEST",
	"US_WEST_CENTRAL", "US_WEST_2", "US_WEST_3", "CANADA_EAST", "CANADA_CENTRAL", "BRAZIL_SOUTH", "BRAZIL_SOUTHEAST", "AUSTRALIA_CENTRAL",
	"AUSTRALIA_EAST", "AUSTRALIA_SOUTH_EAST", "GERMANY_WEST_CENTRAL", "GERMANY_NORTH", "SWEDEN_CENTRAL", "SWITZERLAND_NORTH", "UK_SOUTH", "UK_WEST",
	"NORWAY_EAST", "INDIA_CENTRAL", "JAPAN_EAST", "JAPAN_WEST", "KOREA_CENTRAL", "FRANCE_CENTRAL", "UAE_NORTH", "POLAND_CENTRAL",
}

// 32 clients × 500 mixed requests (run with -race by make test): no answer
// is a server error, and the world afterwards breaks no invariant.
func TestConcurrentClients(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	s.enable(true)
	const clients, requests = 32, 200
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for g := range clients {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			tr := digest.NewTransport(atlasapi.DevKey.PublicKey, atlasapi.DevKey.PrivateKey)
			c := &http.Client{Transport: tr}
			region, id := regions32[g], ""
			for i := range requests {
				var a answer
				switch i % 10 {
				case 0:
					a = s.with(c, "POST", endpoints, accept, map[string]any{"regionName": region})
					if a.Status == 202 {
						id = a.Body["id"].(string)
					}
				case 1:
					a = s.with(c, "GET", endpoints+"?itemsPerPage=5", accept, nil)
				case 2:
					if id != "" {
						a = s.with(c, "DELETE", endpoints+"/"+id, accept, nil)
					}
				case 3:
					a = s.control("POST", "clock/advance", map[string]any{"seconds": 20})
				case 4:
					a = s.with(c, "GET", "/api/atlas/v2/groups/"+sim.DefaultProjectID, accept, nil)
				default:
					a = s.with(c, "GET", earPath, accept, nil)
				}
				if a.Status >= 500 {
					errs <- fmt.Errorf("client %d request %d: %d %s", g, i, a.Status, a.Raw)
					return
				}
			}
		}(g)
	}
	// A console page follows the changes meanwhile (the watchers, under
	// -race): it must see at least three events.
	events := make(chan int, 1)
	go func() {
		res, err := http.Get(s.http.URL + "/_sim/v1/console/events")
		if err != nil {
			events <- -1
			return
		}
		defer res.Body.Close()
		buf := make([]byte, 4096)
		n := 0
		for {
			k, err := res.Body.Read(buf)
			n += strings.Count(string(buf[:k]), "event: world")
			if err != nil || n >= 3 {
				events <- n
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := <-events; n < 3 {
		t.Errorf("the console's stream saw %d events during %d requests", n, clients*requests)
	}
	// The world the server holds afterwards is one the rules allow.
	export := s.control("GET", "state", nil)
	if export.Status != 200 {
		t.Fatalf("export: %d", export.Status)
	}
	if a := s.control("PUT", "state", export.Raw); a.Status != 200 {
		t.Fatalf("the world after the run does not re-import cleanly: %d %s", a.Status, a.Raw)
	}
}

// meeting is a Checker whose first two admissions of an endpoint's creation
// wait for each other (for at most wait): they meet only if the server asks
// both at once.
type meeting struct {
	sim.Checker
	mu      sync.Mutex
	arrived int
	met     chan struct{}
	wait    time.Duration
	alone   bool
}

func (c *meeting) Admit(in sim.Input) (sim.Decision, error) {
	if in["op"] == string(sim.CreatePrivateEndpoint) {
		c.mu.Lock()
		c.arrived++
		if c.arrived == 2 {
			close(c.met)
		}
		first := c.arrived <= 2
		c.mu.Unlock()
		if first {
			select {
			case <-c.met:
			case <-time.After(c.wait):
				c.mu.Lock()
				c.alone = true
				c.mu.Unlock()
			}
		}
	}
	return c.Checker.Admit(in)
}

// Writes to different projects of one world are judged at the same time
// (issue 24): two endpoint creations, each on a project of its own, are
// both inside the policies at once. With one lock held through the step
// the first would wait there alone until the meeting gave up.
func TestWritesToDifferentProjectsAreJudgedAtOnce(t *testing.T) {
	c := &meeting{Checker: policies.NewService(policies.MustDefault()), met: make(chan struct{}), wait: 20 * time.Second}
	s := newServer(t, atlasapi.Options{Seed: 1, Checker: c})
	second := s.do("POST", "/api/atlas/v2/groups", accept, map[string]any{"name": "second", "orgId": sim.DefaultOrgID})
	if second.Status != 200 {
		t.Fatalf("POST /groups: %d %s", second.Status, second.Raw)
	}
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i, g := range []string{sim.DefaultProjectID, second.Body["id"].(string)} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := "/api/atlas/v2/groups/" + g + "/encryptionAtRest/AZURE/privateEndpoints"
			statuses[i] = s.do("POST", path, accept, map[string]any{"regionName": "US_CENTRAL"}).Status
		}()
	}
	wg.Wait()
	if c.alone {
		t.Fatal("the second project's write waited for the first's: they were never judged at once")
	}
	for i, st := range statuses {
		if st == 0 || st >= 500 {
			t.Errorf("write %d answered %d", i+1, st)
		}
	}
}

// A team's own rules (serve --policy) in the loop while writes to different
// projects are prepared at once (run with -race by make test): every answer
// is the team's or the model's, none a server error, and the team's refusal
// (an endpoint outside the allowed regions) is given to each client, while
// the allowed one is created (once a region: EAR-PE-07 refuses the others).
func TestTeamRulesWithWritesAtOnce(t *testing.T) {
	team, err := policies.LoadTeam("../examples/team-policy/policy")
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(t, atlasapi.Options{Seed: 1, Checker: team.Checker(policies.NewService(policies.MustDefault()))})
	var groups []string
	for i := range 8 {
		a := s.do("POST", "/api/atlas/v2/groups", accept, map[string]any{"name": fmt.Sprintf("team-%d", i), "orgId": sim.DefaultOrgID})
		if a.Status != 200 {
			t.Fatalf("POST /groups: %d %s", a.Status, a.Raw)
		}
		groups = append(groups, a.Body["id"].(string))
		s.enableIn(groups[i], true)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(groups))
	for _, g := range groups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := digest.NewTransport(atlasapi.DevKey.PublicKey, atlasapi.DevKey.PrivateKey)
			c := &http.Client{Transport: tr}
			ear := "/api/atlas/v2/groups/" + g + "/encryptionAtRest"
			for i := range 20 {
				var a answer
				switch i % 4 {
				case 0:
					a = s.with(c, "GET", ear, accept, nil)
				case 1:
					a = s.with(c, "POST", ear+"/AZURE/privateEndpoints", accept, map[string]any{"regionName": "JAPAN_EAST"})
					if a.Status != 400 || a.code() != "ACME_REGION_NOT_ALLOWED" {
						errs <- fmt.Errorf("project %s: an endpoint outside the team's regions: %d %s", g, a.Status, a.Raw)
						return
					}
				case 2:
					a = s.with(c, "POST", ear+"/AZURE/privateEndpoints", accept, map[string]any{"regionName": "US_CENTRAL"})
				default:
					a = s.with(c, "GET", ear+"/AZURE/privateEndpoints", accept, nil)
				}
				if a.Status >= 500 || a.Status == 0 {
					errs <- fmt.Errorf("project %s request %d: %d %s", g, i, a.Status, a.Raw)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, g := range groups {
		a := s.do("GET", "/api/atlas/v2/groups/"+g+"/encryptionAtRest/AZURE/privateEndpoints", accept, nil)
		if a.Body["totalCount"] != 1.0 {
			t.Errorf("project %s holds %v endpoints, want the one in US_CENTRAL: %s", g, a.Body["totalCount"], a.Raw)
		}
	}
}
