package explore

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"

	"github.com/earsim/earsim/sim"
)

// canon writes a world, or a policy input, as canonical bytes for hashing:
// every field in a fixed order, lengths before contents, and generated ids
// (24 hex digits, alone or as the suffix of a name such as an endpoint's
// connection name) renamed in order of first appearance, so that worlds that
// differ only in which ids the generator drew are one state. The ids of the
// default organization and project are kept. The draw counter, the seed and
// timer sequence numbers are left out: they say how a world was reached, not
// what it is (a timer's order among timers is kept by its position).
//
// A canon is reused from state to state; it is not safe for concurrent use.
type canon struct {
	buf   []byte
	names map[string]int
	ids   []string // original ids in order of first appearance
	bad   bool     // a value of a shape canon does not know was written
	// rel, when set, writes the clock (a policy input's "now") as 0 and
	// every time in the input (timeKeys) as its distance from the clock.
	rel bool
	now int64
}

// timeKeys are the policy input's keys that hold logical times. The rules
// read times only as distances from "now" (input.now - e.since): a world
// moved in time whole decides alike. TestMemoAgreesWithPolicies re-evaluates
// every answer the memo gives during searches and finds none different.
var timeKeys = map[string]bool{"now": true, "since": true, "approvedAt": true, "until": true, "created": true}

func newCanon() *canon { return &canon{names: map[string]int{}} }

func (c *canon) reset() {
	c.buf = c.buf[:0]
	c.rel, c.now = false, 0
	clear(c.names)
	c.ids = c.ids[:0]
	c.bad = false
}

func (c *canon) u64(v uint64) { c.buf = binary.AppendUvarint(c.buf, v) }
func (c *canon) i64(v int64)  { c.buf = binary.AppendVarint(c.buf, v) }

func (c *canon) bool(b bool) {
	if b {
		c.buf = append(c.buf, 1)
	} else {
		c.buf = append(c.buf, 0)
	}
}

// tag marks what follows, so that values of different kinds never encode alike.
func (c *canon) tag(t byte) { c.buf = append(c.buf, t) }

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
)

// str writes a string, renaming a generated id in it.
func (c *canon) str(s string) {
	if n := len(s); n >= 24 && isHexID(s[n-24:]) && (n == 24 || s[n-25] == '-') {
		id := s[n-24:]
		if id != sim.DefaultProjectID && id != sim.DefaultOrgID {
			k, ok := c.names[id]
			if !ok {
				k = len(c.ids)
				c.names[id] = k
				c.ids = append(c.ids, id)
			}
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

func (c *canon) raw(s string) {
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

func (c *canon) strs(l []string) {
	c.u64(uint64(len(l)))
	for _, s := range l {
		c.str(s)
	}
}

// state writes a world. TestCanonCoversEveryField changes each field of a
// populated world in turn and sees the hash change, so a field added to
// sim.State and forgotten here fails a test.
func (c *canon) state(s *sim.State) {
	c.i64(s.Now)
	c.str(s.Org.ID)
	c.str(s.Org.Name)
	c.u64(uint64(len(s.Projects)))
	for i := range s.Projects {
		c.project(&s.Projects[i])
	}
	a := &s.Azure
	c.u64(uint64(len(a.Apps)))
	for _, x := range a.Apps {
		c.str(x.ClientID)
		c.str(x.TenantID)
		c.str(x.SecretDigest)
		c.strs(x.Vaults)
	}
	c.u64(uint64(len(a.Vaults)))
	for _, x := range a.Vaults {
		c.str(x.Name)
		c.str(x.SubscriptionID)
		c.str(x.ResourceGroupName)
	}
	c.u64(uint64(len(a.Keys)))
	for _, x := range a.Keys {
		c.str(x.Identifier)
		c.str(x.Vault)
		c.str(x.Name)
		c.str(x.Version)
		c.bool(x.Enabled)
		c.bool(x.Deleted)
		c.bool(x.AccessGranted)
	}
	c.u64(uint64(len(a.Subscriptions)))
	for _, x := range a.Subscriptions {
		c.str(x.ID)
		c.bool(x.NetworkRegistered)
	}
	c.u64(uint64(len(s.Timers)))
	for _, t := range s.Timers {
		c.i64(t.At)
		c.str(t.Kind)
		c.str(t.GroupID)
		c.str(t.EndpointID)
		c.str(t.ClusterName)
	}
}

func (c *canon) project(p *sim.Project) {
	c.str(p.ID)
	c.str(p.Name)
	c.str(p.OrgID)
	c.str(p.State)
	c.i64(p.Created)
	e := &p.Encryption
	for _, s := range []string{e.AzureEnvironment, e.ClientID, e.TenantID, e.SecretDigest, e.SubscriptionID, e.ResourceGroupName, e.KeyVaultName, e.KeyIdentifier, e.RoleID} {
		c.str(s)
	}
	c.bool(e.Enabled)
	c.bool(e.RequirePrivateNetworking)
	c.bool(e.Rotation != nil)
	if e.Rotation != nil {
		c.str(e.Rotation.From)
		c.i64(e.Rotation.Until)
	}
	c.u64(uint64(len(p.Endpoints)))
	for _, x := range p.Endpoints {
		for _, s := range []string{x.ID, x.RegionName, x.Status, x.ConnectionName, x.ErrorMessage, x.Connection} {
			c.str(s)
		}
		c.i64(x.Since)
		c.i64(x.ApprovedAt)
	}
	c.u64(uint64(len(p.Clusters)))
	for i := range p.Clusters {
		x := &p.Clusters[i]
		for _, s := range []string{x.ID, x.Name, x.ClusterType, x.EncryptionAtRestProvider, x.PauseReason, x.StateName} {
			c.str(s)
		}
		c.bool(x.BackupEnabled)
		c.bool(x.Paused)
		c.i64(x.Created)
		c.u64(uint64(len(x.ReplicationSpecs)))
		for _, rs := range x.ReplicationSpecs {
			c.u64(uint64(len(rs.RegionConfigs)))
			for _, rc := range rs.RegionConfigs {
				c.str(rc.ProviderName)
				c.str(rc.BackingProviderName)
				c.str(rc.RegionName)
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
		c.str(x.ID)
		c.str(x.ClusterName)
		c.i64(x.Created)
		c.str(x.KeyIdentifier)
		c.str(x.Description)
		c.i64(int64(x.RetentionInDays))
	}
}

// value writes a JSON-shaped policy input value (sim.Input): maps by sorted
// key, lists in order, strings (ids renamed), int64 clock values, bools.
func (c *canon) value(v any) {
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
	case int:
		c.tag(tagInt)
		c.i64(int64(x))
	case []any:
		c.tag(tagList)
		c.u64(uint64(len(x)))
		for _, e := range x {
			c.value(e)
		}
	case []string:
		c.tag(tagList)
		c.u64(uint64(len(x)))
		for _, e := range x {
			c.str(e)
		}
	case map[string]any:
		c.tag(tagMap)
		c.u64(uint64(len(x)))
		var small [16]string
		keys := small[:0]
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			c.raw(k)
			if t, ok := x[k].(int64); ok && c.rel && timeKeys[k] {
				c.tag(tagTime)
				c.i64(c.now - t)
				continue
			}
			c.value(x[k])
		}
	case map[string]string:
		c.tag(tagMap)
		c.u64(uint64(len(x)))
		var small [16]string
		keys := small[:0]
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			c.raw(k)
			c.str(x[k])
		}
	default:
		// Not a shape the Machine builds (sim.Input documents its types):
		// the caller must not use the key (bad), rather than guess.
		c.tag(tagOther)
		c.bad = true
	}
}

// sum hashes what has been written.
func (c *canon) sum() [32]byte { return sha256.Sum256(c.buf) }

// stateHash is a canonical hash of a world (see canon).
func (c *canon) stateHash(s *sim.State) [32]byte {
	c.reset()
	c.state(s)
	return c.sum()
}
