package check

import (
	"fmt"
	"maps"
	"slices"
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
	for _, p := range m.State().Projects.All() {
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

// window is what a run of consecutive cuts exhibits that neither the world
// before the apply nor the completed apply's does.
type window struct {
	it       cutItem
	from, to int // the steps it holds after, from 1
}

// windows compares the world after each step but the last (cuts[k], k from
// 1) with the world before the apply (cuts[0]) and the world the completed
// apply leaves (cuts[n]); keyOf normalises a key across runs (the ids the
// simulator gives what the plan creates).
func windows(cuts []worldCut, keyOf func(string) string) []*window {
	n := len(cuts) - 1
	before, after := keySet(cuts[0], keyOf), keySet(cuts[n], keyOf)
	var out []*window
	open := map[string]*window{}
	for k := 1; k < n; k++ {
		next := map[string]*window{}
		for _, it := range cuts[k].items {
			key := keyOf(it.key)
			if before[key] || after[key] {
				continue
			}
			w, ok := open[key]
			if ok {
				w.to = k
			} else {
				w = &window{it: it, from: k, to: k}
				out = append(out, w)
			}
			next[key] = w
		}
		open = next
	}
	return out
}

func keySet(w worldCut, keyOf func(string) string) map[string]bool {
	out := make(map[string]bool, len(w.items))
	for _, it := range w.items {
		out[keyOf(it.key)] = true
	}
	return out
}

// interruptionFindings makes a finding of each window of the apply: the
// first and last step after which the apply stops with it, and the step
// that ends it.
func (c *Checker) interruptionFindings(ap *Apply, outcomes []Outcome, cuts []worldCut, path string) []Finding {
	n := len(ap.Steps)
	if n < 2 || len(cuts) != n+1 || len(outcomes) != n {
		return nil
	}
	named := strings.NewReplacer(createdEndpoints(outcomes)...)
	ws := windows(cuts, named.Replace)
	if len(ws) == 0 {
		return nil
	}
	step := func(k int) string {
		st := outcomes[k-1].Step
		return fmt.Sprintf("%s %s", st.Address, st.Action)
	}
	var out []Finding
	for _, w := range ws {
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
		if fix := c.closer(ap, outcomes, cuts, ws, w); fix != "" {
			f.Remediation += " " + fix
		}
		out = append(out, f)
	}
	return out
}

// closer says which depends_on closes a window, when the simulator agrees:
// the apply with the step that opens the window moved after the step that
// ends it (the order that depends_on asks of Terraform) is refused nowhere
// the judged apply is not, leaves the same world, and none of its cuts
// exhibits the window's finding or anything the judged apply's cuts do not.
// Only two creates or updates (the opening one made to depend on the
// ending one) or two destroys (the ending one made to depend on the opening
// one: Terraform destroys a dependent first) can be ordered so; a step
// between them that needs the opening one rules the move out. A team's
// rules refuse in that apply as in serve: without input.step or input.plan.
func (c *Checker) closer(ap *Apply, outcomes []Outcome, cuts []worldCut, ws []*window, w *window) string {
	s, e := w.from-1, w.to // indexes of the opening and the ending step
	open, end := ap.Steps[s], ap.Steps[e]
	var dependent, dependency string
	switch {
	case open.Action != "delete" && end.Action != "delete":
		dependent, dependency = configAddress(open.Address), configAddress(end.Address)
	case open.Action == "delete" && end.Action == "delete":
		dependent, dependency = configAddress(end.Address), configAddress(open.Address)
	default:
		return ""
	}
	if dependent == dependency {
		return ""
	}
	for j := s + 1; j <= e; j++ {
		if slices.Contains(ap.Steps[j].needs, s) {
			return "" // needed in between (what needs those is after them too)
		}
	}
	order := make([]int, 0, len(ap.Steps))
	for i := range ap.Steps {
		if i != s {
			order = append(order, i)
		}
		if i == e {
			order = append(order, s)
		}
	}
	pos := make([]int, len(ap.Steps))
	for p, i := range order {
		pos[i] = p
	}
	alt := &Apply{Steps: make([]Step, len(order))}
	for p, i := range order {
		st := ap.Steps[i]
		st.N, st.needs = p+1, nil
		for _, x := range ap.Steps[i].needs {
			st.needs = append(st.needs, pos[x])
		}
		alt.Steps[p] = st
	}
	var judge sim.Checker = c.sim
	if c.team != nil {
		judge = c.team.Checker(c.sim) // the team's refusals too, as serve asks them (no input.step or input.plan)
	}
	m, err := sim.NewMachine(ap.World, judge)
	if err != nil {
		return ""
	}
	altCuts := []worldCut{cutOf(m)}
	alt.Done = func(Outcome) { altCuts = append(altCuts, cutOf(m)) }
	altOut := alt.Run(m.Step)
	judged := map[string]bool{}
	for _, o := range outcomes {
		if o.Result.Err != nil {
			judged[o.Step.Address+" refused "+o.Result.Err.Rule] = true
		}
		if o.Skipped != "" {
			judged[o.Step.Address+" skipped"] = true
		}
	}
	for _, o := range altOut {
		if (o.Result.Err != nil && !judged[o.Step.Address+" refused "+o.Result.Err.Rule]) || (o.Skipped != "" && !judged[o.Step.Address+" skipped"]) {
			return ""
		}
	}
	named := strings.NewReplacer(createdEndpoints(outcomes)...).Replace
	altNamed := strings.NewReplacer(createdEndpoints(altOut)...).Replace
	if !maps.Equal(keySet(cuts[len(cuts)-1], named), keySet(altCuts[len(altCuts)-1], altNamed)) {
		return "" // another world at the end
	}
	had := map[string]bool{}
	for _, x := range ws {
		had[named(x.it.key)] = true
	}
	for _, x := range windows(altCuts, altNamed) {
		if k := altNamed(x.it.key); k == named(w.it.key) || !had[k] {
			return ""
		}
	}
	return fmt.Sprintf("To close the window, add depends_on = [%s] to %s (judged: with step %d after step %d the apply is refused nowhere it was not, ends in the same world, and no cut leaves this).",
		dependency, dependent, w.from, w.to+1)
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
