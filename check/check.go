// Package check evaluates the policies on inputs a team has before it
// applies a change: Terraform plans (terraform show -json), desired-state
// YAML in the scenario world format, and single Atlas requests with the
// state they meet. It turns what the rules say into findings with a rule ID,
// level, message, remediation, resource and, where derivable, file and line;
// format.go writes them as text, JSON, JUnit or SARIF 2.1.0.
package check

import (
	"context"
	"fmt"
	"io/fs"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/sim"
)

// Input kinds.
const (
	KindPlan    = "plan"    // Terraform plan JSON
	KindState   = "state"   // desired-state YAML (scenario world format)
	KindRequest = "request" // an Atlas request with its current state (policy input JSON)
)

// Kinds lists the input kinds --input-kind accepts.
var Kinds = []string{KindPlan, KindState, KindRequest}

// Levels, from the most to the least severe.
const (
	LevelError   = "error"
	LevelWarning = "warning"
	LevelNote    = "note"
)

// Level maps a rule severity to a finding level: refusals and broken
// invariants are errors, hazards warnings, effects notes.
func Level(severity string) string {
	switch severity {
	case "error", "invariant":
		return LevelError
	case "hazard":
		return LevelWarning
	}
	return LevelNote
}

// Finding is one rule's word on one resource of one input.
type Finding struct {
	Rule        string            `json:"rule"`
	Level       string            `json:"level"`    // error, warning or note
	Severity    string            `json:"severity"` // the rule's severity: error, hazard, effect, invariant
	Kind        string            `json:"kind"`     // refusal, forecast, planned state, condition, invariant, suppression
	Message     string            `json:"message"`
	Remediation string            `json:"remediation,omitempty"`
	ErrorCode   string            `json:"errorCode,omitempty"`
	Resource    string            `json:"resource"` // Terraform address or JSON/YAML path
	File        string            `json:"file"`
	Line        int               `json:"line,omitempty"`
	Target      map[string]string `json:"target,omitempty"`
	Suppressed  *Suppression      `json:"suppressed,omitempty"`
}

// FileReport is what one input produced.
type FileReport struct {
	File     string    `json:"file"`
	Kind     string    `json:"kind"`
	Ignored  int       `json:"ignored,omitempty"` // resource changes of types the rules do not read
	Findings []Finding `json:"findings"`
}

// Summary counts unsuppressed findings by level.
type Summary struct {
	Files      int `json:"files"`
	Errors     int `json:"errors"`
	Warnings   int `json:"warnings"`
	Notes      int `json:"notes"`
	Suppressed int `json:"suppressed"`
	Ignored    int `json:"ignoredResources"`
}

// Report is the whole check.
type Report struct {
	Files   []FileReport `json:"files"`
	Summary Summary      `json:"summary"`
	rules   []policies.Rule
}

// Options tune a check.
type Options struct {
	Kind         string        // force an input kind; empty detects it
	Suppressions []Suppression // from LoadSuppressions
	Today        time.Time     // the date suppressions expire against
	FS           fs.FS         // read inputs from here instead of the file system
	// Interruptions also judges each plan's apply cut off after every step
	// but the last: the world each cut leaves, against the world the
	// completed apply leaves (interrupt.go). Other inputs have no steps.
	Interruptions bool
}

// Checker runs checks with one policy engine.
type Checker struct {
	engine *policies.Engine
	sim    sim.Checker // the simulated applies: the policies as earsim serve asks them (policies.Service)
	rules  map[string]policies.Rule
	list   []policies.Rule
	team   *policies.Team // a team's own rules (SetTeam), or nil
}

// New returns a Checker on the engine.
func New(e *policies.Engine) *Checker {
	judgedOnce.Do(func() {
		judged = typeFilter{}
		for _, t := range e.PlanTypes() {
			judged[t] = true
		}
	})
	c := &Checker{engine: e, sim: policies.NewService(e), rules: map[string]policies.Rule{}, list: e.Catalog()}
	for _, r := range c.list {
		c.rules[r.ID] = r
	}
	return c
}

// Files checks each file in order. The error is for an input that could not
// be read or understood (an *InputError naming file and line); no partial
// report is returned with it.
func (c *Checker) Files(ctx context.Context, paths []string, opt Options) (*Report, error) {
	rep := &Report{Files: []FileReport{}, rules: c.list}
	open := osOpen
	if opt.FS != nil {
		open = fsOpen(opt.FS)
	}
	// Inputs are independent: check them on every core, report in order.
	results := make([]FileReport, len(paths))
	errs := make([]error, len(paths))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(paths)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := ctx.Err(); err != nil {
					errs[i] = err
					continue
				}
				results[i], errs[i] = c.file(ctx, open, paths[i], opt)
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, err
		}
		rep.Files = append(rep.Files, results[i])
	}
	applySuppressions(rep, opt.Suppressions, opt.Today)
	rep.summarize()
	return rep, nil
}

func (c *Checker) finding(rule, severity, kind, msg, code, resource, file string, target map[string]string) Finding {
	r := c.rules[rule]
	if code == "" {
		code = r.ErrorCode
	}
	if r.Check != "" {
		severity = r.Check
	}
	return Finding{
		Rule: rule, Level: Level(severity), Severity: severity, Kind: kind, Message: msg,
		Remediation: r.Remediation, ErrorCode: code, Resource: resource, File: file, Target: target,
	}
}

// sortFindings orders findings by line, resource, level and rule.
func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		if x := strings.Compare(a.Resource, b.Resource); x != 0 {
			return x
		}
		if x := rank(a.Level) - rank(b.Level); x != 0 {
			return x
		}
		if x := strings.Compare(a.Rule, b.Rule); x != 0 {
			return x
		}
		return strings.Compare(fmt.Sprint(a.Target), fmt.Sprint(b.Target))
	})
}

func rank(level string) int {
	switch level {
	case LevelError:
		return 0
	case LevelWarning:
		return 1
	}
	return 2
}

func (r *Report) summarize() {
	s := Summary{Files: len(r.Files)}
	for _, f := range r.Files {
		s.Ignored += f.Ignored
		for _, x := range f.Findings {
			switch {
			case x.Suppressed != nil:
				s.Suppressed++
			case x.Level == LevelError:
				s.Errors++
			case x.Level == LevelWarning:
				s.Warnings++
			default:
				s.Notes++
			}
		}
	}
	r.Summary = s
}

// Fails reports whether the report has an unsuppressed finding at or above
// the threshold (error or warning).
func (r *Report) Fails(threshold string) bool {
	if threshold == LevelWarning {
		return r.Summary.Errors+r.Summary.Warnings > 0
	}
	return r.Summary.Errors > 0
}
