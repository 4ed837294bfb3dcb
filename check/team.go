package check

import (
	"fmt"
	"sync"

	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/sim"
)

// A team's own rules (--policy DIR) are judged where the built-in ones are:
// at every step of a plan's apply, on the same admission input, plus
// input.step (which step, which resource) and input.plan (the plan as
// terraform show -json wrote it, built only when a team rule reads it). A
// team deny refuses the step, as earsim serve --policy refuses the request,
// so the steps that need it are not sent. Every deny and warn of every step
// is a finding (not only the refusal that answered the step).

// SetTeam adds a team's rules (policies.LoadTeam) to the check: their
// findings, and their METADATA in the rule list SARIF carries.
func (c *Checker) SetTeam(t *policies.Team) {
	c.team = t
	for _, r := range t.Rules() {
		c.rules[r.ID] = r
		c.list = append(c.list, r)
	}
}

// teamRun judges one plan's steps with the team's rules: the Machine's
// sim.Checker for that plan (built-in answers, plus the team's refusals),
// recording the team's findings with the step they were found at.
type teamRun struct {
	next  sim.Checker
	team  *policies.Team
	plan  *policies.TeamPlan
	of    int
	path  string
	c     *Checker
	mu    sync.Mutex
	step  *Step
	found []Finding
	seen  map[string]bool
	err   error
}

// teamRun returns the recorder of a plan's apply, or nil without a team.
// kept are the plan's parts the team's rules read (Team.PlanKeys), kept as
// the plan was read; nil when they read more (the whole plan, or parts the
// plan's first reading does not keep).
func (c *Checker) teamRun(open opener, path string, ap *Apply, kept map[string]any) (*teamRun, error) {
	if c.team == nil {
		return nil, nil
	}
	r := &teamRun{next: c.sim, team: c.team, of: len(ap.Steps), path: path, c: c, seen: map[string]bool{}}
	switch {
	case !c.team.ReadsPlan():
	case kept != nil:
		r.plan = c.team.Plan(func() (map[string]any, error) { return kept, nil })
	default: // the whole plan, read again when a rule that reads it is asked
		r.plan = c.team.Plan(func() (map[string]any, error) {
			f, err := open(path)
			if err != nil {
				return nil, &InputError{File: path, Msg: err.Error()}
			}
			defer f.Close()
			return decodeJSON(open, path, f)
		})
	}
	ap.Sending = r.sending
	return r, nil
}

// checker is the sim.Checker the plan's Machine asks: c.sim without a team.
func (r *teamRun) checker(c sim.Checker) sim.Checker {
	if r == nil {
		return c
	}
	return r
}

func (r *teamRun) sending(st Step) {
	r.mu.Lock()
	r.step = &st
	r.mu.Unlock()
}

// Admit answers as the built-in rules do, with the team's refusals added.
func (r *teamRun) Admit(in sim.Input) (sim.Decision, error) {
	d, err := r.next.Admit(in)
	op, _ := in["op"].(string)
	if err != nil || !policies.TeamJudges(op) {
		return d, err
	}
	r.mu.Lock()
	st := r.step
	r.mu.Unlock()
	var step map[string]any
	if st != nil {
		step = map[string]any{"n": st.N, "of": r.of, "address": st.Address, "action": st.Action}
	}
	fs, err := r.team.Judge(in, step, r.plan)
	if err != nil {
		r.mu.Lock()
		if r.err == nil {
			r.err = err
		}
		r.mu.Unlock()
		return d, err
	}
	r.record(st, op, fs)
	return policies.WithTeamDenials(d, fs), nil
}

func (r *teamRun) Inspect(in sim.Input) (sim.Report, error) { return r.next.Inspect(in) }

func (r *teamRun) record(st *Step, op string, fs []policies.TeamFinding) {
	resource, target := "$.request", map[string]string{"request": op}
	if st != nil {
		resource = st.Address
		target["step"] = fmt.Sprintf("%d of %d", st.N, r.of)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range fs {
		x := r.c.teamFinding(f, resource, r.path, target)
		key := fmt.Sprint(x.Rule, x.Level, x.Resource, x.Message, x.Target)
		if !r.seen[key] {
			r.seen[key] = true
			r.found = append(r.found, x)
		}
	}
}

// findings are the plan's findings with the team's: every team deny and
// warn recorded, in place of the one team refusal that answered a step.
func (r *teamRun) findings(fs []Finding) ([]Finding, error) {
	if r == nil {
		return fs, nil
	}
	if r.err != nil {
		return nil, &InputError{File: r.path, Msg: "team policy: " + r.err.Error()}
	}
	out := fs[:0]
	for _, f := range fs {
		if rule, ok := r.c.rules[f.Rule]; ok && rule.Team && f.Kind == "refusal" {
			continue
		}
		out = append(out, f)
	}
	return append(out, r.found...), nil
}

// teamFinding is a team rule's finding: a deny is an error refusal with the
// rule's errorCode, a warn a warning (a note where its METADATA says note).
func (c *Checker) teamFinding(f policies.TeamFinding, resource, file string, target map[string]string) Finding {
	r := c.rules[f.Rule]
	x := Finding{Rule: f.Rule, Message: f.Msg, Remediation: r.Remediation, Resource: resource, File: file, Target: target}
	switch {
	case f.Deny:
		x.Level, x.Severity, x.Kind, x.ErrorCode = LevelError, "error", "refusal", f.Code
	case r.Severity == "note":
		x.Level, x.Severity, x.Kind = LevelNote, "note", "warning"
	default:
		x.Level, x.Severity, x.Kind = LevelWarning, "warning", "warning"
	}
	return x
}

// teamRequest judges an Atlas request input with the team's rules.
func (c *Checker) teamRequest(doc map[string]any, path string, line int) ([]Finding, error) {
	op, _ := doc["op"].(string)
	if c.team == nil || !policies.TeamJudges(op) {
		return nil, nil
	}
	fs, err := c.team.Judge(sim.Input(doc), nil, nil)
	if err != nil {
		return nil, &InputError{File: path, Msg: "team policy: " + err.Error()}
	}
	var out []Finding
	for _, f := range fs {
		x := c.teamFinding(f, "$.request", path, nil)
		x.Line = line
		out = append(out, x)
	}
	return out, nil
}
