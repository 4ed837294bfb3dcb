package atlasapi

import (
	"fmt"
	"strings"

	"github.com/earsim/earsim/sim"
)

// devHint adds, on a server started with the development keys, what a
// newcomer replaying the seed needs to an INVALID_AZURE_CREDENTIALS refusal
// (EAR-CRED-02): which app registrations the world holds, with the vaults
// they reach, and where their development secrets are documented. It never
// names a secret. The rule's own answer is unchanged (the policies decide;
// this is the serve layer's help on its development world), and a server
// with a keys file, or a world whose app registrations are not the
// documented ones, answers as Atlas does.
func (s *Server) devHint(e *sim.Error) *sim.Error {
	if !s.devKeys || e == nil || e.Code != "INVALID_AZURE_CREDENTIALS" {
		return e
	}
	s.mu.Lock()
	st := s.m.State()
	var apps []string
	for _, a := range st.Azure.Apps {
		for _, p := range sim.Presets {
			if a.ClientID == p.ClientID && a.SecretDigest != "" && a.SecretDigest == st.Digest(p.Secret) {
				apps = append(apps, fmt.Sprintf("clientID %s (tenantID %s, vault %s)", a.ClientID, a.TenantID, strings.Join(a.Vaults, ", ")))
			}
		}
	}
	s.mu.Unlock()
	if len(apps) == 0 {
		return e
	}
	hinted := *e
	hinted.Detail = fmt.Sprintf("%s. This development world holds the app registrations %s; their development secrets are in earsim's README (\"Replaying the seed\") and in API.md (\"Control routes\": what a fresh world holds)",
		strings.TrimSuffix(e.Detail, "."), strings.Join(apps, " and "))
	return &hinted
}
