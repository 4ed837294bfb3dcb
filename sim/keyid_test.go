package sim_test

import (
	"errors"
	"testing"

	"github.com/earsim/earsim/sim"
)

func TestParseKeyIdentifier(t *testing.T) {
	for _, tc := range []struct {
		reason string
		in     string
		want   sim.KeyID
		ok     bool
	}{
		{"the seed's example", "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/d891821e3d364e9eb88fbd3d11807b86",
			sim.KeyID{Vault: "EXAMPLEKeyVault", Host: "vault.azure.net", Name: "EXAMPLEKey", Version: "d891821e3d364e9eb88fbd3d11807b86"}, true},
		{"Azure China", "https://v.vault.azure.cn/keys/k/1", sim.KeyID{Vault: "v", Host: "vault.azure.cn", Name: "k", Version: "1"}, true},
		{"Azure US Government, host in capitals", "https://v.VAULT.USGOVCLOUDAPI.NET/keys/k/1", sim.KeyID{Vault: "v", Host: "vault.usgovcloudapi.net", Name: "k", Version: "1"}, true},
		{"no scheme", "v.vault.azure.net/keys/k/1", sim.KeyID{}, false},
		{"http", "http://v.vault.azure.net/keys/k/1", sim.KeyID{}, false},
		{"another host", "https://v.example.com/keys/k/1", sim.KeyID{}, false},
		{"no version", "https://v.vault.azure.net/keys/k", sim.KeyID{}, false},
		{"empty version", "https://v.vault.azure.net/keys/k/", sim.KeyID{}, false},
		{"secrets, not keys", "https://v.vault.azure.net/secrets/k/1", sim.KeyID{}, false},
		{"no vault", "https://.vault.azure.net/keys/k/1", sim.KeyID{}, false},
		{"no path", "https://v.vault.azure.net", sim.KeyID{}, false},
		{"trailing part", "https://v.vault.azure.net/keys/k/1/x", sim.KeyID{}, false},
	} {
		got, err := sim.ParseKeyIdentifier(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("%s: ParseKeyIdentifier(%q) = %+v, %v", tc.reason, tc.in, got, err)
		}
		if err != nil && !errors.Is(err, sim.ErrKeyIdentifier) {
			t.Errorf("%s: error %v does not wrap ErrKeyIdentifier", tc.reason, err)
		}
	}
}

// FuzzParseKeyIdentifier: never panics; what it accepts has non-empty parts
// and survives a round trip through its canonical form.
func FuzzParseKeyIdentifier(f *testing.F) {
	for _, s := range []string{
		"https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/d891821e3d364e9eb88fbd3d11807b86",
		"https://test-tf-export.vault.azure.net/keys/test/78b9134f9bc94fda8027a32b4715bf3f",
		"https://v.vault.azure.cn/keys/k/1", "https://v.vault.usgovcloudapi.net/keys/k/1",
		"https://v.vault.azure.net/keys/k", "https://v.vault.azure.net//keys/k/1", "https://", "", "https://.vault.azure.net/keys//",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := sim.ParseKeyIdentifier(s)
		if err != nil {
			return
		}
		if k.Vault == "" || k.Name == "" || k.Version == "" || k.Host == "" {
			t.Fatalf("%q accepted with an empty part: %+v", s, k)
		}
		again, err := sim.ParseKeyIdentifier(k.String())
		if err != nil || again != k {
			t.Fatalf("%q: canonical form %q parses to %+v, %v", s, k.String(), again, err)
		}
	})
}
