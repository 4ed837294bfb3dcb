package atlasapi_test

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/sim"
)

func TestZZCycles(t *testing.T) {
	engine := policies.MustDefault()
	for round := 0; round < 2; round++ {
		for _, name := range []string{"engine", "memo", "allow"} {
			for _, clients := range []int{1, 16} {
				var ch sim.Checker = engine
				if name == "memo" {
					sv := policies.NewService(engine)
					sv.Wait()
					ch = sv
				} else if name == "allow" {
					ch = sim.AllowAll{}
				}
				srv := httptest.NewServer(mustServer(t, atlasapi.Options{Seed: 1, Checker: ch, NoAuth: true}))
				projects := []string{group, newProject(t, srv.URL, "second")}
				for _, p := range projects {
					enableOpen(t, srv.URL, p)
				}
				c := transport(clients)
				r := load(name, clients, 3*time.Second, func(client, i int) error {
					return cycle(c, srv.URL, projects[client/len(regions32)], regions32[client%len(regions32)])
				})
				fmt.Println(r)
				srv.Close()
			}
		}
	}
}
