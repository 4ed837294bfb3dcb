package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"strconv"
	"strings"
)

// Canon writes a world, or a policy input, as canonical bytes for hashing:
// every field in a fixed order, lengths before contents, and generated ids
// (24 hex digits, alone or as the suffix of a name such as an endpoint's
// connection name) renamed in order of first appearance, so that worlds that
// differ only in which ids the generator drew are one state. The ids of the
// default organization and project are kept. The draw counter, the seed and
// timer sequence numbers are left out: they say how a world was reached, not
// what it is (a timer's order among timers is kept by its position).
//
// A world is written as seen from its clock: every time as its distance
// from now (timers, endpoint status changes and approvals, rotations), so
// that worlds equal but for when they happen are one state. This is exact
// for what a search judges: the mechanics add durations to now and compare
// times with each other, and the rules read a time only as input.now - t
// (policies' TestRulesReadTimesOnlyAsDistances). Creation times, which
// nothing reads but the API views, and the approval time of a connection
// that is not approved, which the policy input does not carry, are left out.
//
// Searches use it to deduplicate worlds, and decision memos to key a
// Checker's answers by content. A Canon is reused (Reset); it is not safe
// for concurrent use.
type Canon struct {
	buf    []byte
	names  map[string]int
	ids    []string // original ids in order of first appearance
	bad    bool     // a value of a shape canon does not know was written
	now    int64    // the clock that times are written as distances from
	notime bool     // times are written as a mark alone (IgnoreTimes)
	sub    *Canon   // for AzureDigest
}

// RelativeTo sets the clock: Value writes every time of a policy input
// (the values of timeKeys) as its distance from now (0 after Reset).
func (c *Canon) RelativeTo(now int64) { c.now = now }

// IgnoreTimes, on, writes every time of a policy input as a mark alone,
// without its value (until Reset, or IgnoreTimes(false)): for a reader that
// reads no time, as a rule that does not read the clock (the rules read
// times only as input.now - t).
func (c *Canon) IgnoreTimes(on bool) { c.notime = on }

// Bad reports whether a value of a shape Canon does not know was written:
// the bytes do not identify the input, so a memo must not use them.
func (c *Canon) Bad() bool { return c.bad }

// Name returns the number a generated id is renamed to, numbering it if it
// is new: so that parts encoded apart (each with its own Canon) can be
// joined under one numbering.
func (c *Canon) Name(id string) int {
	k, ok := c.names[id]
	if !ok {
		k = len(c.ids)
		c.names[id] = k
		c.ids = append(c.ids, id)
	}
	return k
}

// IDList returns the generated ids written so far, in order of appearance.
func (c *Canon) IDList() []string { return slices.Clone(c.ids) }

// IDs is how many generated ids have been written.
func (c *Canon) IDs() int { return len(c.ids) }

// Placeholders returns a function that replaces the generated ids written
// so far by placeholders; Restorer one that puts them back, for another
// input with the same bytes. Both are nil when no id was written. Answers
// are stored with placeholders, so that inputs that differ only in ids
// share them.
func (c *Canon) Placeholders() func(string) string {
	if len(c.ids) == 0 {
		return nil
	}
	holes := make([]string, len(c.ids))
	for i := range c.ids {
		holes[i] = placeholder(i)
	}
	return replacer(slices.Clone(c.ids), holes)
}

// Restorer is the inverse of Placeholders (see there).
func (c *Canon) Restorer() func(string) string {
	if len(c.ids) == 0 {
		return nil
	}
	holes := make([]string, len(c.ids))
	for i := range c.ids {
		holes[i] = placeholder(i)
	}
	return replacer(holes, slices.Clone(c.ids))
}

// replacer replaces olds[i] by news[i] as strings.NewReplacer(olds[0],
// news[0], ...).Replace does (left to right, without overlaps, the first
// old in order where several match at one place), without building its
// tables: a Canon's few ids are asked about in a few short strings each,
// and most hold none. The olds are not empty.
func replacer(olds, news []string) func(string) string {
	shortest := len(olds[0])
	for _, o := range olds {
		shortest = min(shortest, len(o))
	}
	return func(s string) string {
		if len(s) < shortest {
			return s
		}
		var b []byte
		done := 0 // s[:done] is written to b
		for i := 0; i+shortest <= len(s); {
			at, which := -1, -1
			for k, o := range olds {
				if j := strings.Index(s[i:], o); j >= 0 && (at < 0 || i+j < at) {
					at, which = i+j, k
				}
			}
			if at < 0 {
				break
			}
			b = append(append(b, s[done:at]...), news[which]...)
			i = at + len(olds[which])
			done = i
		}
		if b == nil {
			return s
		}
		return string(append(b, s[done:]...))
	}
}

// placeholder cannot occur in a rule's text: it holds NUL bytes.
func placeholder(i int) string { return "\x00" + strconv.Itoa(i) + "\x00" }

// timeKeys are the policy input's keys that hold logical times. The rules
// read times only as distances from "now" (input.now - e.since): a world
// moved in time whole decides alike (policies' memo tests check answers
// from memory against fresh evaluations).
var timeKeys = map[string]bool{"now": true, "since": true, "approvedAt": true, "until": true, "created": true}

// NewCanon returns an empty Canon.
func NewCanon() *Canon { return &Canon{names: map[string]int{}} }

// Reset empties the Canon for the next world or input.
func (c *Canon) Reset() {
	c.buf = c.buf[:0]
	c.now = 0
	clear(c.names)
	c.ids = c.ids[:0]
	c.bad = false
	c.notime = false
}

func (c *Canon) u64(v uint64) { c.buf = binary.AppendUvarint(c.buf, v) }
func (c *Canon) i64(v int64)  { c.buf = binary.AppendVarint(c.buf, v) }

// time writes a logical time as its distance from now.
func (c *Canon) time(t int64) { c.i64(c.now - t) }

func (c *Canon) bool(b bool) {
	if b {
		c.buf = append(c.buf, 1)
	} else {
		c.buf = append(c.buf, 0)
	}
}

// tag marks what follows, so that values of different kinds never encode alike.
func (c *Canon) tag(t byte) { c.buf = append(c.buf, t) }

const (
	tagStr byte = iota + 1
	tagID
	tagNamed
	tagInt
	tagBool
	tagNull
	tagList
	tagMap
	tagOther
	tagTime
	tagAbsent
	tagUnapproved
)

// str writes a string, renaming a generated id in it.
func (c *Canon) str(s string) {
	if n := len(s); n >= 24 && isHexID(s[n-24:]) && (n == 24 || s[n-25] == '-') {
		id := s[n-24:]
		if id != DefaultProjectID && id != DefaultOrgID {
			k := c.Name(id)
			if n == 24 {
				c.tag(tagID)
			} else {
				c.tag(tagNamed)
				c.raw(s[:n-24])
			}
			c.u64(uint64(k))
			return
		}
	}
	c.tag(tagStr)
	c.raw(s)
}

func (c *Canon) raw(s string) {
	c.u64(uint64(len(s)))
	c.buf = append(c.buf, s...)
}

func isHexID(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; !('0' <= b && b <= '9' || 'a' <= b && b <= 'f') {
			return false
		}
	}
	return true
}

// fields writes strings one after another (a struct's fields, in order).
func (c *Canon) fields(ss ...string) {
	for _, s := range ss {
		c.str(s)
	}
}

func (c *Canon) bools(bs ...bool) {
	for _, b := range bs {
		c.bool(b)
	}
}

func (c *Canon) strs(l []string) {
	c.u64(uint64(len(l)))
	for _, s := range l {
		c.str(s)
	}
}

// state writes a world. TestCanonCoversEveryField changes each field of a
// populated world in turn and sees the hash change, so a field added to
// State and forgotten here fails a test.
func (c *Canon) state(s *State, a AzureDigest) {
	c.now = s.Now
	c.str(s.SecretKey) // it decides the digests of secrets sent later
	c.str(s.Org.ID)
	c.str(s.Org.Name)
	c.u64(uint64(s.Projects.Len()))
	for _, p := range s.Projects.All() {
		c.project(p)
	}
	// The Azure side by its digest, which worlds sharing it share
	// (AzureDigest), and the numbers of its generated ids in this world:
	// as inline, one encoding per world, and the ids numbered alike.
	c.buf = append(c.buf, a.d[:]...)
	for _, id := range a.ids {
		c.u64(uint64(c.Name(id)))
	}
	c.u64(uint64(len(s.Timers)))
	for _, t := range s.Timers {
		c.time(t.At)
		c.fields(t.Kind, t.GroupID, t.EndpointID, t.ClusterName)
	}
}

// azure writes the Azure side of a world.
func (c *Canon) azure(a *Azure) {
	c.u64(uint64(len(a.Apps)))
	for _, x := range a.Apps {
		c.fields(x.ClientID, x.TenantID, x.SecretDigest)
		c.strs(x.Vaults)
	}
	c.u64(uint64(len(a.Vaults)))
	for _, x := range a.Vaults {
		c.fields(x.Name, x.SubscriptionID, x.ResourceGroupName)
	}
	c.u64(uint64(len(a.Keys)))
	for _, x := range a.Keys {
		c.fields(x.Identifier, x.Vault, x.Name, x.Version)
		c.bools(x.Enabled, x.Deleted, x.AccessGranted)
	}
	c.u64(uint64(len(a.Subscriptions)))
	for _, x := range a.Subscriptions {
		c.str(x.ID)
		c.bool(x.NetworkRegistered)
	}
}

func (c *Canon) project(p *Project) {
	c.fields(p.ID, p.Name, p.OrgID, p.State)
	c.bool(p.NoDefaultAlerts)
	e := &p.Encryption
	c.fields(e.AzureEnvironment, e.ClientID, e.TenantID, e.SecretDigest, e.SubscriptionID, e.ResourceGroupName, e.KeyVaultName, e.KeyIdentifier, e.RoleID)
	c.bools(e.Enabled, e.RequirePrivateNetworking, e.Rotation != nil)
	if e.Rotation != nil {
		c.str(e.Rotation.From)
		c.time(e.Rotation.Until)
	}
	c.u64(uint64(len(p.Endpoints)))
	for _, x := range p.Endpoints {
		c.fields(x.ID, x.RegionName, x.Status, x.ConnectionName, x.ErrorMessage, x.Connection)
		c.time(x.Since)
		if x.Connection == ConnectionApproved {
			c.time(x.ApprovedAt)
		}
	}
	c.u64(uint64(len(p.Clusters)))
	for i := range p.Clusters {
		x := &p.Clusters[i]
		c.fields(x.ID, x.Name, x.ClusterType, x.EncryptionAtRestProvider, x.PauseReason, x.StateName)
		c.bools(x.BackupEnabled, x.LegacyBackup, x.Paused)
		c.u64(uint64(len(x.ReplicationSpecs)))
		for _, rs := range x.ReplicationSpecs {
			c.str(rs.ZoneName)
			c.u64(uint64(len(rs.RegionConfigs)))
			for _, rc := range rs.RegionConfigs {
				c.fields(rc.ProviderName, rc.BackingProviderName, rc.RegionName)
				c.i64(int64(rc.Priority))
				c.bool(rc.ElectableSpecs != nil)
				if h := rc.ElectableSpecs; h != nil {
					c.str(h.InstanceSize)
					c.i64(int64(h.NodeCount))
				}
			}
		}
	}
	c.u64(uint64(len(p.Snapshots)))
	for _, x := range p.Snapshots {
		c.fields(x.ID, x.ClusterName, x.KeyIdentifier, x.Description)
		c.i64(int64(x.RetentionInDays))
	}
}

// Value writes a JSON-shaped policy input value (Input): maps by sorted
// key, lists in order, strings (ids renamed), int64 clock values, bools.
func (c *Canon) Value(v any) {
	switch x := v.(type) {
	case nil:
		c.tag(tagNull)
	case string:
		c.str(x)
	case bool:
		c.tag(tagBool)
		c.bool(x)
	case int64:
		c.tag(tagInt)
		c.i64(x)
	case []any:
		c.tag(tagList)
		c.u64(uint64(len(x)))
		for _, e := range x {
			c.Value(e)
		}
	case []string:
		c.tag(tagList)
		c.u64(uint64(len(x)))
		for _, e := range x {
			c.str(e)
		}
	case map[string]any:
		if conn, ok := x["connection"].(string); ok && conn != ConnectionApproved {
			// An endpoint whose connection is not approved carries
			// approvedAt 0 (projectInput): a constant, not a time, so it
			// is not written as a distance from the clock, which would
			// make the same endpoint differ at every moment.
			entries(c, x, func(k string, v any) {
				if k == "approvedAt" && v == int64(0) {
					c.raw(k)
					c.tag(tagUnapproved)
					return
				}
				c.Entry(k, v)
			})
			return
		}
		entries(c, x, c.Entry)
	case map[string]string:
		entries(c, x, func(k, v string) {
			c.raw(k)
			c.str(v)
		})
	default:
		// Not a shape the Machine builds (Input documents its types):
		// the caller must not use the key (bad), rather than guess.
		c.tag(tagOther)
		c.bad = true
	}
}

// entries writes a map: its size, then each key and value in key order.
func entries[V any](c *Canon, m map[string]V, entry func(string, V)) {
	c.tag(tagMap)
	c.u64(uint64(len(m)))
	var small [16]string
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		entry(k, m[k])
	}
}

// Entry writes a key of a policy input document and its value (a time as
// its distance from the clock set by RelativeTo).
func (c *Canon) Entry(k string, v any) {
	c.raw(k)
	if t, ok := v.(int64); ok && timeKeys[k] {
		c.tag(tagTime)
		if !c.notime {
			c.i64(c.now - t)
		}
		return
	}
	c.Value(v)
}

// Absent writes that a document has no value at a key, which differs from
// any value, null included.
func (c *Canon) Absent(k string) {
	c.raw(k)
	c.tag(tagAbsent)
}

// Mark is a point in what a Canon has written, to go back to with Rewind.
type Mark struct{ buf, ids int }

// Len is how many bytes were written before the mark.
func (m Mark) Len() int { return m.buf }

// Mark returns the point written so far.
func (c *Canon) Mark() Mark { return Mark{len(c.buf), len(c.ids)} }

// Rewind forgets what was written after m, the ids first seen since
// included, so that one prefix can be followed by one value after another.
func (c *Canon) Rewind(m Mark) {
	for _, id := range c.ids[m.ids:] {
		delete(c.names, id)
	}
	c.buf, c.ids = c.buf[:m.buf], c.ids[:m.ids]
}

// Len is how many bytes have been written, to hash a part with SumFrom.
func (c *Canon) Len() int { return len(c.buf) }

// SumFrom hashes what has been written since Len returned from.
func (c *Canon) SumFrom(from int) [32]byte { return sha256.Sum256(c.buf[from:]) }

// Sum hashes what has been written.
func (c *Canon) Sum() [32]byte { return sha256.Sum256(c.buf) }

// StateHash is a canonical hash of a world (see Canon).
func (c *Canon) StateHash(s *State) [32]byte {
	return c.StateHashWith(s, c.AzureDigest(&s.Azure))
}

// AzureDigest is the canonical hash of a world's Azure side (its generated
// ids numbered on their own), for hashing several worlds that share one
// Azure side (StateHashWith) without encoding it again for each.
type AzureDigest struct {
	d   [32]byte
	ids []string // generated ids in order of appearance
}

// AzureDigest returns the digest of an Azure side.
func (c *Canon) AzureDigest(a *Azure) AzureDigest {
	if c.sub == nil {
		c.sub = NewCanon()
	}
	c.sub.Reset()
	c.sub.azure(a)
	d := AzureDigest{d: c.sub.Sum()}
	if len(c.sub.ids) > 0 {
		d.ids = slices.Clone(c.sub.ids)
	}
	return d
}

// StateHashWith is StateHash(s) for a world whose Azure side has digest a
// (AzureDigest(&s.Azure)).
func (c *Canon) StateHashWith(s *State, a AzureDigest) [32]byte {
	c.Reset()
	c.state(s, a)
	return c.Sum()
}
