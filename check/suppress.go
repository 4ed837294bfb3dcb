package check

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/earsim/earsim/scenarios"
	"go.yaml.in/yaml/v3"
)

// Suppression silences one rule on one resource until it expires.
type Suppression struct {
	Rule     string `yaml:"rule" json:"rule"`
	Resource string `yaml:"resource" json:"resource"` // Terraform address or path; "*" for any
	Reason   string `yaml:"reason" json:"reason"`
	Expires  string `yaml:"expires" json:"expires"` // YYYY-MM-DD, last day it holds
	File     string `yaml:"-" json:"file"`
	Line     int    `yaml:"-" json:"line"`
	until    time.Time
}

// SuppressionRule is the rule ID of the finding an expired suppression makes.
const SuppressionRule = "EARSIM-SUPPRESSION-EXPIRED"

// LoadSuppressions reads a suppressions file: a YAML list of {rule,
// resource, reason, expires}. Every field is required.
func LoadSuppressions(path string) ([]Suppression, error) {
	data, err := scenarios.ReadFile(path)
	if err != nil {
		return nil, &InputError{File: path, Msg: err.Error()}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &InputError{File: path, Msg: "invalid YAML: " + err.Error()}
	}
	if len(root.Content) == 0 {
		return nil, nil
	}
	list := root.Content[0]
	if list.Kind != yaml.SequenceNode {
		return nil, &InputError{File: path, Line: list.Line, Msg: "suppressions: expected a list of {rule, resource, reason, expires}"}
	}
	out := make([]Suppression, 0, len(list.Content))
	for _, n := range list.Content {
		var s Suppression
		dec := yaml.NewDecoder(bytes.NewReader(mustYAML(n)))
		dec.KnownFields(true)
		if err := dec.Decode(&s); err != nil && !errors.Is(err, io.EOF) {
			return nil, &InputError{File: path, Line: n.Line, Msg: "suppression: " + err.Error()}
		}
		s.File, s.Line = path, n.Line
		switch {
		case s.Rule == "":
			return nil, &InputError{File: path, Line: n.Line, Msg: "suppression: rule is required"}
		case s.Resource == "":
			return nil, &InputError{File: path, Line: n.Line, Msg: "suppression: resource is required (\"*\" for any)"}
		case s.Reason == "":
			return nil, &InputError{File: path, Line: n.Line, Msg: "suppression: reason is required"}
		}
		t, err := time.Parse(time.DateOnly, s.Expires)
		if err != nil {
			return nil, &InputError{File: path, Line: keyLine(n, "expires"), Msg: fmt.Sprintf("suppression: expires must be a date YYYY-MM-DD, got %q", s.Expires)}
		}
		s.until = t
		out = append(out, s)
	}
	return out, nil
}

// keyLine is the line of a mapping's key, or of the mapping when it lacks it.
func keyLine(n *yaml.Node, key string) int {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i].Line
		}
	}
	return n.Line
}

func mustYAML(n *yaml.Node) []byte {
	b, _ := yaml.Marshal(n)
	return b
}

// expired reports whether the suppression no longer holds on day today.
func (s *Suppression) expired(today time.Time) bool {
	y, m, d := today.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).After(s.until)
}

func (s *Suppression) matches(f *Finding) bool {
	return s.Rule == f.Rule && (s.Resource == "*" || s.Resource == f.Resource)
}

// applySuppressions marks findings that a live suppression covers; an
// expired suppression covers nothing and is itself an error finding, once,
// reported against the suppressions file.
func applySuppressions(r *Report, sups []Suppression, today time.Time) {
	var expired []Finding
	for i := range sups {
		s := &sups[i]
		if s.expired(today) {
			expired = append(expired, Finding{
				Rule: SuppressionRule, Level: LevelError, Severity: "error", Kind: "suppression",
				Message:     fmt.Sprintf("suppression of %s on %s expired on %s (%s)", s.Rule, s.Resource, s.Expires, s.Reason),
				Remediation: "Fix the finding, or renew the suppression with a new expiry date and reason.",
				Resource:    s.Rule + " " + s.Resource, File: s.File, Line: s.Line,
			})
			continue
		}
		for fi := range r.Files {
			for j := range r.Files[fi].Findings {
				f := &r.Files[fi].Findings[j]
				if f.Suppressed == nil && s.matches(f) {
					f.Suppressed = s
				}
			}
		}
	}
	if len(expired) > 0 {
		r.Files = append(r.Files, FileReport{File: expired[0].File, Kind: "suppressions", Findings: expired})
	}
}
