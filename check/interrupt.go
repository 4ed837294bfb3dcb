package check

import (
	"fmt"
	"strings"

	"github.com/earsim/earsim/sim"
)

// An apply can stop after any step: a refusal, a timeout, Ctrl-C, a CI
// runner killed. With Options.Interruptions a plan's apply is also judged
// cut off after each step but the last: the world each cut leaves is
// judged as the completed apply's is, by the policies' state entry point
// (the report serve's console and a desired-state check read: conditions
// and broken invariants, as the Machine keeps them after each step), and
// what a cut's world exhibits that neither the world before the apply nor
// the world the completed apply leaves does is a finding: the window the
// apply opens and a later step closes. No rule is decided here: the
// findings are the reports' conditions, compared by key.
//
// Each cut is the world after its step and the provider's wait (an
// endpoint provisioned, a cluster IDLE, an approval past its lag): Atlas
// goes on with what it was asked even when Terraform stops waiting, so that
// is the world the stopped apply leaves. A team's rules (--policy) judge
// requests, not states: they shape the apply that is cut (their refusals
// skip the steps that need them) but are not asked at the cuts.

// cutItem is one condition or broken invariant of one project at a cut.
type cutItem struct {
	key      string // project, kind and the condition's key (rule, effect, target)
	rule     string
	severity string // the condition's (effect, hazard) or "invariant"
	msg      string
	target   map[string]string
}

// worldCut is what the world exhibits at one point of the apply.
type worldCut struct {
	items []cutItem // in the world's project order, then the report's
	keys  map[string]bool
}

// cutOf reads what the Machine last reported on every project.
func cutOf(m *sim.Machine) worldCut {
	w := worldCut{keys: map[string]bool{}}
	add := func(it cutItem) {
		if !w.keys[it.key] {
			w.keys[it.key] = true
			w.items = append(w.items, it)
		}
	}
	for _, p := range m.State().Projects {
		rep := m.Report(p.ID)
		for _, x := range rep.Conditions {
			add(cutItem{key: p.ID + "|condition|" + x.Key(), rule: x.Rule, severity: x.Severity, msg: x.Msg, target: x.Target})
		}
		for _, x := range rep.Violations {
			k := sim.Condition{Rule: x.Rule, Target: x.Target}.Key()
			add(cutItem{key: p.ID + "|invariant|" + k, rule: x.Rule, severity: "invariant", msg: x.Msg, target: x.Target})
		}
	}
	return w
}

// interruptionFindings compares the world after each step but the last
// (cuts[k], k from 1) with the world before the apply (cuts[0]) and the
// world the completed apply leaves (cuts[n]). What a run of consecutive
// cuts exhibits that neither does is one finding, naming the first step
// after which the apply stops with it, the last, and the step that ends it.
func (c *Checker) interruptionFindings(ap *Apply, outcomes []Outcome, cuts []worldCut, path string) []Finding {
	n := len(ap.Steps)
	if n < 2 || len(cuts) != n+1 || len(outcomes) != n {
		return nil
	}
	before, after := cuts[0], cuts[n]
	type window struct {
		it       cutItem
		from, to int // the cuts (steps) it holds after
	}
	var windows []*window
	open := map[string]*window{}
	for k := 1; k < n; k++ {
		next := map[string]*window{}
		for _, it := range cuts[k].items {
			if before.keys[it.key] || after.keys[it.key] {
				continue
			}
			w, ok := open[it.key]
			if ok {
				w.to = k
			} else {
				w = &window{it: it, from: k, to: k}
				windows = append(windows, w)
			}
			next[it.key] = w
		}
		open = next
	}
	if len(windows) == 0 {
		return nil
	}
	named := strings.NewReplacer(createdEndpoints(outcomes)...)
	step := func(k int) string {
		st := outcomes[k-1].Step
		return fmt.Sprintf("%s %s", st.Address, st.Action)
	}
	var out []Finding
	for _, w := range windows {
		msg := fmt.Sprintf("if the apply stops after step %d of %d (%s)", w.from, n, step(w.from))
		cut := fmt.Sprintf("%d of %d", w.from, n)
		if w.to > w.from {
			msg += fmt.Sprintf(" or any step up to %d (%s)", w.to, step(w.to))
			cut = fmt.Sprintf("%d-%d of %d", w.from, w.to, n)
		}
		msg += ": " + named.Replace(w.it.msg) + fmt.Sprintf("; step %d (%s) ends it", w.to+1, step(w.to+1))
		target := map[string]string{}
		for k, v := range w.it.target {
			target[k] = named.Replace(v)
		}
		target["cutAfterStep"] = cut
		target["endedByStep"] = fmt.Sprintf("%d of %d", w.to+1, n)
		severity := w.it.severity
		if r := c.rules[w.it.rule]; r.Plan != "" && severity != "invariant" {
			severity = r.Plan // a hazard the plan's own steps carry out (RULES.md section 3)
		}
		f := c.finding(w.it.rule, severity, "interrupted apply", msg, "", ap.resourceOf(w.it.target, named, outcomes[w.from-1].Step.Address), path, target)
		f.Remediation = strings.TrimSpace(f.Remediation + fmt.Sprintf(" The completed apply does not leave this: an apply that stops after step %d leaves it until it is applied again through step %d (%s).", w.from, w.to+1, step(w.to+1)))
		out = append(out, f)
	}
	return out
}

// resourceOf is the Terraform address of what a condition's target names:
// its cluster, endpoint or key, when the plan or its prior state holds it
// under one address; else fallback (the step after which the apply stops).
func (ap *Apply) resourceOf(target map[string]string, named *strings.Replacer, fallback string) string {
	for _, k := range []string{"cluster", "endpoint", "key"} {
		v, ok := target[k]
		if !ok {
			continue
		}
		if a := ap.names[k+"\x00"+v]; a != "" {
			return a
		}
		if k == "endpoint" {
			if a := named.Replace(v); a != v { // created by the plan
				return a
			}
		}
	}
	return fallback
}

// addressIndex maps the clusters (by name), endpoints (by id) and keys (by
// versioned identifier) of a plan's changes and prior state to their
// Terraform addresses; a name two addresses share maps to "".
func addressIndex(changes []*planChange, prior []map[string]any) map[string]string {
	idx := map[string]string{}
	put := func(kind, id, address string) {
		if id == "" || address == "" {
			return
		}
		k := kind + "\x00" + id
		if a, ok := idx[k]; ok && a != address {
			idx[k] = ""
			return
		}
		idx[k] = address
	}
	index := func(typ, address string, v map[string]any) {
		switch typ {
		case "mongodbatlas_advanced_cluster", "mongodbatlas_cluster":
			put("cluster", strOf(v, "name"), address)
		case typeEndpoint:
			put("endpoint", strOf(v, "id"), address)
		case typeKey:
			put("key", strOf(v, "id"), address)
		}
	}
	for _, r := range prior {
		index(strOf(r, "type"), strOf(r, "address"), mapOf(r["values"]))
	}
	for _, c := range changes {
		index(c.Type, c.Address, c.Before)
		index(c.Type, c.Address, c.After)
		if c.plannedKey != "" {
			put("key", c.plannedKey, c.Address)
		}
	}
	return idx
}
