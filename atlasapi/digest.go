package atlasapi

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Realm is the realm of Atlas's digest authentication.
const Realm = "MMS Public API"

// nonceLife is how long a nonce is accepted; an older one earns a stale challenge.
const nonceLife = 5 * time.Minute

// digestAuth is HTTP Digest authentication (RFC 7616) with qop=auth and the
// MD5 and SHA-256 algorithms. Nonces are stateless (a time and its HMAC).
// Replays are refused per nonce with a window of nonce counts: a count used
// before, or one more than replayWindow below the highest seen, is refused,
// so concurrent requests sharing a nonce may arrive in any order.
type digestAuth struct {
	secret []byte
	keys   map[string]Key
	now    func() time.Time
	mu     sync.Mutex
	counts map[string]*ncWindow // nonce -> the nonce counts it accepted
	swept  time.Time
	// floor: nonces issued at or before it are stale, whatever their age.
	// It rises when counts reaches maxNonces, so that the store a client can
	// grow stays bounded and a forgotten nonce cannot be replayed.
	floor  time.Time
	issued atomic.Uint64 // makes nonces unique within a nanosecond
}

func newDigestAuth(keys []Key, now func() time.Time) *digestAuth {
	d := &digestAuth{secret: make([]byte, 32), keys: map[string]Key{}, now: now, counts: map[string]*ncWindow{}}
	if _, err := rand.Read(d.secret); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	for _, k := range keys {
		d.keys[k.PublicKey] = k
	}
	return d
}

// nonce returns a fresh nonce: the issue time, a sequence number, and their
// HMAC, so it is unique and checkable without server state.
func (d *digestAuth) nonce() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(d.now().UnixNano()))
	binary.BigEndian.PutUint64(b[8:], d.issued.Add(1))
	mac := hmac.New(sha256.New, d.secret)
	mac.Write(b[:])
	return base64.RawURLEncoding.EncodeToString(append(b[:], mac.Sum(nil)[:16]...))
}

// fresh reports whether a nonce is ours and whether it is still young.
func (d *digestAuth) fresh(nonce string) (ours, young bool) {
	raw, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(raw) != 32 {
		return false, false
	}
	mac := hmac.New(sha256.New, d.secret)
	mac.Write(raw[:16])
	if !hmac.Equal(raw[16:], mac.Sum(nil)[:16]) {
		return false, false
	}
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(raw[:8])))
	return true, d.now().Sub(issued) < nonceLife && issued.After(d.floor)
}

// challenge writes the WWW-Authenticate headers: MD5 first, as Atlas does,
// and SHA-256.
func (d *digestAuth) challenge(h http.Header, stale bool) {
	n := d.nonce()
	for _, alg := range []string{"MD5", "SHA-256"} {
		v := fmt.Sprintf(`Digest realm="%s", qop="auth", nonce="%s", algorithm=%s`, Realm, n, alg)
		if stale {
			v += ", stale=true"
		}
		h.Add("WWW-Authenticate", v)
	}
}

// verify checks an Authorization header; it returns the key, or whether the
// failure is a stale nonce (the client may retry with a new one).
func (d *digestAuth) verify(method, uri, header string) (Key, bool, bool) {
	p, ok := parseDigest(header)
	if !ok {
		return Key{}, false, false
	}
	k, known := d.keys[p["username"]]
	if !known || p["realm"] != Realm || p["qop"] != "auth" || p["uri"] != uri || p["cnonce"] == "" {
		return Key{}, false, false
	}
	var h func() hash.Hash
	switch strings.ToUpper(p["algorithm"]) {
	case "", "MD5":
		h = md5.New
	case "SHA-256":
		h = sha256.New
	default:
		return Key{}, false, false
	}
	d.mu.Lock()
	ours, young := d.fresh(p["nonce"])
	d.mu.Unlock()
	if !ours {
		return Key{}, false, false
	}
	nc, err := parseHex(p["nc"])
	if err != nil || nc == 0 {
		return Key{}, false, false
	}
	sum := func(s string) string {
		x := h()
		x.Write([]byte(s))
		return hex.EncodeToString(x.Sum(nil))
	}
	ha1 := sum(k.PublicKey + ":" + Realm + ":" + k.PrivateKey)
	ha2 := sum(method + ":" + p["uri"])
	want := sum(strings.Join([]string{ha1, p["nonce"], p["nc"], p["cnonce"], "auth", ha2}, ":"))
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(p["response"])), []byte(want)) != 1 {
		return Key{}, false, false
	}
	if !young {
		return Key{}, false, true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	win := d.counts[p["nonce"]]
	if win == nil {
		win = &ncWindow{seen: map[uint64]bool{}}
		d.counts[p["nonce"]] = win
	}
	if !win.accept(nc) {
		return Key{}, false, false // a replayed (or far too old) nonce count
	}
	if now := d.now(); now.Sub(d.swept) > nonceLife {
		for n := range d.counts {
			if _, y := d.fresh(n); !y {
				delete(d.counts, n)
			}
		}
		d.swept = now
	}
	if len(d.counts) > maxNonces {
		d.forgetOlder()
	}
	return k, true, false
}

// maxNonces bounds the nonces whose counts are remembered.
const maxNonces = 1 << 14

// forgetOlder forgets the older half of the remembered nonces and makes
// every nonce issued up to the newest of them stale. The caller holds d.mu.
func (d *digestAuth) forgetOlder() {
	issued := make([]int64, 0, len(d.counts))
	for n := range d.counts {
		issued = append(issued, nonceIssued(n))
	}
	slices.Sort(issued)
	cut := issued[len(issued)/2]
	for n := range d.counts {
		if nonceIssued(n) <= cut {
			delete(d.counts, n)
		}
	}
	if t := time.Unix(0, cut); t.After(d.floor) {
		d.floor = t
	}
}

// nonceIssued is the issue time (Unix nanoseconds) a nonce of ours carries.
func nonceIssued(nonce string) int64 {
	raw, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(raw) < 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(raw[:8]))
}

func parseHex(s string) (uint64, error) {
	var v uint64
	_, err := fmt.Sscanf(s, "%x", &v)
	if err != nil || len(s) != 8 {
		return 0, fmt.Errorf("nonce count %q", s)
	}
	return v, nil
}

// parseDigest splits `Digest k=v, k="v"` into its parameters.
func parseDigest(header string) (map[string]string, bool) {
	rest, ok := strings.CutPrefix(header, "Digest ")
	if !ok {
		return nil, false
	}
	out := map[string]string{}
	for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimLeft(strings.TrimSpace(rest), ",") {
		rest = strings.TrimSpace(rest)
		key, after, found := strings.Cut(rest, "=")
		if !found {
			return nil, false
		}
		key = strings.ToLower(strings.TrimSpace(key))
		var val string
		if strings.HasPrefix(after, `"`) {
			end := strings.Index(after[1:], `"`)
			if end < 0 {
				return nil, false
			}
			val, rest = after[1:1+end], after[2+end:]
		} else {
			val, rest, _ = strings.Cut(after, ",")
			val = strings.TrimSpace(val)
		}
		out[key] = val
	}
	return out, true
}

// replayWindow is how far below the highest nonce count a count may still be
// accepted once.
const replayWindow = 1024

// ncWindow remembers the nonce counts of one nonce within the window.
type ncWindow struct {
	highest uint64
	seen    map[uint64]bool
}

func (w *ncWindow) accept(nc uint64) bool {
	if w.seen[nc] || (w.highest > replayWindow && nc <= w.highest-replayWindow) {
		return false
	}
	w.seen[nc] = true
	if nc > w.highest {
		w.highest = nc
		if len(w.seen) > 2*replayWindow {
			for n := range w.seen {
				if n+replayWindow <= w.highest {
					delete(w.seen, n)
				}
			}
		}
	}
	return true
}
