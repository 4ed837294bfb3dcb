package sim

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Input is what a Checker evaluates: a JSON-shaped document of maps, slices,
// strings, bools and numbers (int64). Its keys are documented in
// policies/README.md: op, request, project, azure, now and, for role checks,
// actor. The Machine never modifies a map once it is part of an Input, and
// hands the same project and azure maps over for as long as they describe
// the world, so a Checker may cache work on them by identity.
type Input = map[string]any

// Checker is the policy hook: the only place rules are decided. Admit is
// asked before a command changes anything; Inspect is asked about a
// project's state after it changed. Implementations must be deterministic
// and safe for concurrent use.
type Checker interface {
	Admit(in Input) (Decision, error)
	Inspect(in Input) (Report, error)
}

// Decision is a Checker's answer to a command.
type Decision struct {
	Deny []Violation `json:"deny"` // non-empty: the command is refused
	Warn []Forecast  `json:"warn"` // what the command will cause
}

// Violation is a refusal by one rule.
type Violation struct {
	Rule   string   `json:"rule"`
	Status int      `json:"status"`
	Code   string   `json:"code"`
	Order  int      `json:"order"` // lower orders answer first
	Msg    string   `json:"msg"`
	Params []string `json:"params,omitempty"`
}

// Forecast is something a command will cause. Apply, when set, is a
// consequence the Machine carries out.
type Forecast struct {
	Rule     string            `json:"rule"`
	Severity string            `json:"severity"` // effect or hazard
	Effect   string            `json:"effect"`
	Msg      string            `json:"msg"`
	Target   map[string]string `json:"target,omitempty"`
	Apply    *Action           `json:"apply,omitempty"`
}

// Action is a consequence for the Machine to carry out.
type Action struct {
	Do           string `json:"do"` // pauseCluster or failEndpoint
	Cluster      string `json:"cluster,omitempty"`
	Reason       string `json:"reason,omitempty"`
	Endpoint     string `json:"endpoint,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
}

// Report is what a project's state exhibits.
type Report struct {
	Conditions []Condition       `json:"conditions"` // effects and hazards present now
	Violations []Broken          `json:"violations"` // invariants the state breaks
	Valid      bool              `json:"valid"`      // azureKeyVault.valid (EAR-CRED-05)
	Clusters   map[string]string `json:"clusters"`   // cluster name: ACTIVE or INACTIVE (EAR-CL-02)
	// Clocked: a rule reads the clock about one of the project's records,
	// so the report can change with time alone. A Machine re-inspects such
	// projects when the clock moves, and on a move of the clock alone no
	// other: a report that is not Clocked stays the same until the project
	// or the Azure side changes (the policies' tests check this contract).
	Clocked bool `json:"-"`
}

// Condition is an effect or hazard that a state exhibits.
type Condition struct {
	Rule     string            `json:"rule"`
	Severity string            `json:"severity"`
	Effect   string            `json:"effect"`
	Msg      string            `json:"msg"`
	Target   map[string]string `json:"target,omitempty"`
}

// Key identifies a condition across states: rule, effect and target.
func (c Condition) Key() string {
	var b strings.Builder
	b.WriteString(c.Rule + "|" + c.Effect)
	for _, k := range slices.Sorted(maps.Keys(c.Target)) {
		b.WriteString("|" + k + "=" + c.Target[k])
	}
	return b.String()
}

// Broken is an invariant of the rules that a state breaks.
type Broken struct {
	Rule   string            `json:"rule"`
	Msg    string            `json:"msg"`
	Target map[string]string `json:"target,omitempty"`
}

// DocumentFree is implemented by a Checker whose answers read nothing of
// their Input. When a Machine's Checker says so (DocumentFree returns true),
// the Machine builds no policy documents for it (no project or Azure
// documents, no Input map) and asks it with a nil Input. AllowAll is taken
// as document-free without the method, so that a Checker embedding AllowAll
// (for its Inspect) and reading its Input is not; a wrapper around another
// Checker (Breaking, a recorder) gets its documents as before.
type DocumentFree interface {
	DocumentFree() bool
}

// documentFree reports whether c reads nothing of its Input: AllowAll
// itself (not a type embedding it), or a DocumentFree saying so.
func documentFree(c Checker) bool {
	if _, ok := c.(AllowAll); ok {
		return true
	}
	f, ok := c.(DocumentFree)
	return ok && f.DocumentFree()
}

// AllowAll is a Checker that refuses nothing, forecasts nothing and reports
// nothing. With it the Machine applies bare mechanics: a test runs it beside
// the policies to show that the rules live in the policies, not in Go. It
// reads nothing of its Input, so a Machine builds no policy documents for it
// (see DocumentFree).
type AllowAll struct{}

// Admit allows everything.
func (AllowAll) Admit(Input) (Decision, error) { return Decision{}, nil }

// Inspect reports nothing.
func (AllowAll) Inspect(Input) (Report, error) { return Report{}, nil }

// first returns the refusal that answers a request: the lowest order, then
// the rule ID and message, so the choice is stable.
func (d Decision) first() Violation {
	return slices.MinFunc(d.Deny, func(a, b Violation) int {
		return cmp.Or(cmp.Compare(a.Order, b.Order), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Msg, b.Msg))
	})
}

// Error is the one error type of the model: an Atlas API error with its
// HTTP status, errorCode, detail and parameters, and the rule that refused.
type Error struct {
	Status     int      `json:"error"`
	Code       string   `json:"errorCode"`
	Detail     string   `json:"detail"`
	Parameters []string `json:"parameters"`
	Rule       string   `json:"rule,omitempty"`
}

func (e *Error) Error() string {
	if e.Rule != "" {
		return fmt.Sprintf("%d %s (%s): %s", e.Status, e.Code, e.Rule, e.Detail)
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Detail)
}

// Errorf returns an Error without a rule: a request the model cannot apply
// (unknown resource, malformed argument), as opposed to one a rule refuses.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Detail: fmt.Sprintf(format, args...), Parameters: []string{}}
}

func fromViolation(v Violation) *Error {
	params := v.Params
	if params == nil {
		params = []string{}
	}
	return &Error{Status: v.Status, Code: v.Code, Detail: v.Msg, Parameters: params, Rule: v.Rule}
}

// Breaking wraps a Checker so that some rules are broken on purpose: their
// refusals are dropped (drop) and the consequences they name are not carried
// out (noApply). It plants faults for the mock (serve --fault), the explorer
// and run (--break), to show that the checks notice.
func Breaking(c Checker, drop, noApply map[string]bool) Checker {
	return &breaking{next: c, drop: drop, noApply: noApply}
}

type breaking struct {
	next          Checker
	drop, noApply map[string]bool
}

func (b *breaking) Admit(in Input) (Decision, error) {
	d, err := b.next.Admit(in)
	d.Deny = slices.DeleteFunc(slices.Clone(d.Deny), func(v Violation) bool { return b.drop[v.Rule] })
	warn := slices.Clone(d.Warn)
	for i := range warn {
		if b.noApply[warn[i].Rule] {
			warn[i].Apply = nil
		}
	}
	d.Warn = warn
	return d, err
}

func (b *breaking) Inspect(in Input) (Report, error) { return b.next.Inspect(in) }
