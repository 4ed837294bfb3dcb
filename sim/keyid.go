package sim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// KeyID is a parsed Azure Key Vault key identifier,
// https://{Vault}.{Host}/keys/{Name}/{Version}.
type KeyID struct {
	Vault   string
	Host    string // vault.azure.net, vault.azure.cn or vault.usgovcloudapi.net
	Name    string
	Version string
}

// String returns the identifier in its canonical form.
func (k KeyID) String() string {
	return "https://" + k.Vault + "." + k.Host + "/keys/" + k.Name + "/" + k.Version
}

// vaultHosts maps the Key Vault DNS suffix to its Azure environment.
var vaultHosts = map[string]string{
	"vault.azure.net":         "AZURE",
	"vault.azure.cn":          "AZURE_CHINA",
	"vault.usgovcloudapi.net": "AZURE_US_GOVERNMENT",
}

// ErrKeyIdentifier is wrapped by every ParseKeyIdentifier error.
var ErrKeyIdentifier = errors.New("malformed key identifier")

// ParseKeyIdentifier splits an Azure key identifier into its parts, so that
// the Azure side of the model can find the vault and key version it names.
// It checks only the structure it needs to do that (scheme, a known vault
// host, /keys/, non-empty name and version); whether Atlas accepts the
// identifier is the policies' decision (EAR-CRED-03), not this parser's.
func ParseKeyIdentifier(s string) (KeyID, error) {
	rest, ok := strings.CutPrefix(s, "https://")
	if !ok {
		return KeyID{}, fmt.Errorf("%w: %q does not start with https://", ErrKeyIdentifier, s)
	}
	host, path, ok := strings.Cut(rest, "/")
	if !ok {
		return KeyID{}, fmt.Errorf("%w: %q has no path", ErrKeyIdentifier, s)
	}
	vault, suffix, ok := strings.Cut(host, ".")
	if !ok || vault == "" {
		return KeyID{}, fmt.Errorf("%w: %q has no vault name", ErrKeyIdentifier, s)
	}
	if _, known := vaultHosts[strings.ToLower(suffix)]; !known {
		return KeyID{}, fmt.Errorf("%w: %q is not a Key Vault host", ErrKeyIdentifier, host)
	}
	parts := strings.Split(path, "/")
	if len(parts) != 3 || parts[0] != "keys" || parts[1] == "" || parts[2] == "" {
		return KeyID{}, fmt.Errorf("%w: %q is not /keys/{name}/{version}", ErrKeyIdentifier, "/"+path)
	}
	return KeyID{Vault: vault, Host: strings.ToLower(suffix), Name: parts[1], Version: parts[2]}, nil
}

// Digest returns the digest under which this world keeps a secret: an
// HMAC-SHA-256 keyed with the world's SecretKey, so that a state file's
// digests cannot be looked up in a table of known secrets' hashes nor
// compared across worlds (issue 13). The empty secret has the empty digest.
// Secrets themselves are never stored. A state saved before worlds had a
// key (no SecretKey) keeps its plain SHA-256 digests.
func (s *State) Digest(secret string) string {
	if secret == "" {
		return ""
	}
	if s.SecretKey == "" {
		sum := sha256.Sum256([]byte(secret))
		return "sha256:" + hex.EncodeToString(sum[:])
	}
	key, _ := hex.DecodeString(s.SecretKey)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(secret))
	return "hmac-sha256:" + hex.EncodeToString(mac.Sum(nil))
}

// SeedSecretKey is the secret key of NewWorld(seed): derived from the seed,
// so that the same seed gives the same bytes. A world others can read (the
// mock's) takes a random key instead (NewWorldWithKey).
func SeedSecretKey(seed uint64) []byte {
	sum := sha256.Sum256([]byte("earsim world secret key " + strconv.FormatUint(seed, 10)))
	return sum[:]
}

func equalFold(a, b string) bool { return strings.EqualFold(a, b) }
