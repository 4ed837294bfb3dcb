package main

import (
	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/conformance"
	"github.com/earsim/earsim/policies"
)

// The embedded mock has the development keys: an owner and a read-only one,
// so the role scenarios run.
var readOnlyKey = atlasapi.DevReadOnlyKey

// embedded starts the mock on a free loopback port and returns a driver for
// it and a stop function.
func embedded(faults []string) (*conformance.HTTPDriver, func(), error) {
	engine, err := policies.Default()
	if err != nil {
		return nil, nil, err
	}
	srv, err := atlasapi.New(atlasapi.Options{Seed: 1, Checker: engine, Keys: []atlasapi.Key{atlasapi.DevKey, readOnlyKey}, Faults: faults})
	if err != nil {
		return nil, nil, err
	}
	run, err := srv.Start("127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	d := &conformance.HTTPDriver{
		BaseURL:  "http://" + run.Addr,
		Owner:    conformance.Credentials{PublicKey: atlasapi.DevKey.PublicKey, PrivateKey: atlasapi.DevKey.PrivateKey},
		ReadOnly: &conformance.Credentials{PublicKey: readOnlyKey.PublicKey, PrivateKey: readOnlyKey.PrivateKey},
		Seed:     1,
	}
	return d, run.Stop, nil
}

// codeIsMD lists the rules whose errorCode is a modelling decision.
func codeIsMD() map[string]bool {
	out := map[string]bool{}
	for _, r := range policies.MustDefault().Catalog() {
		if r.CodeIsMD {
			out[r.ID] = true
		}
	}
	return out
}
