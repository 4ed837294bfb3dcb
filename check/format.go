package check

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/earsim/earsim/policies"
)

// Formats lists the output formats.
var Formats = []string{"text", "json", "junit", "sarif"}

// Write writes the report in a format. threshold (error or warning) decides
// which findings JUnit counts as failures.
func (r *Report) Write(w io.Writer, format, threshold string) error {
	switch format {
	case "text":
		return r.text(w)
	case "json":
		return writeIndented(w, r)
	case "junit":
		return r.junit(w, threshold)
	case "sarif":
		return writeIndented(w, r.sarif())
	}
	return fmt.Errorf("unknown format %q", format)
}

func writeIndented(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

var kindNames = map[string]string{KindPlan: "Terraform plan", KindState: "desired state", KindRequest: "Atlas request", "suppressions": "suppressions"}

// text groups findings by file, then by resource.
func (r *Report) text(w io.Writer) error {
	var b strings.Builder
	for _, f := range r.Files {
		fmt.Fprintf(&b, "%s (%s)", f.File, kindNames[f.Kind])
		if f.Ignored > 0 {
			fmt.Fprintf(&b, ", %d resource change(s) of other types ignored", f.Ignored)
		}
		if len(f.Findings) == 0 {
			b.WriteString(": no findings\n")
			continue
		}
		b.WriteString("\n")
		last := "\x00"
		for _, x := range f.Findings {
			if x.Resource != last {
				last = x.Resource
				if x.Line > 0 {
					fmt.Fprintf(&b, "  %s (line %d)\n", x.Resource, x.Line)
				} else {
					fmt.Fprintf(&b, "  %s\n", x.Resource)
				}
			}
			level := x.Level
			if x.Suppressed != nil {
				level = "suppressed"
			}
			fmt.Fprintf(&b, "    %-10s %-12s %s\n", level, x.Rule, x.Message)
			if x.Suppressed != nil {
				fmt.Fprintf(&b, "    %-10s %-12s until %s: %s\n", "", "", x.Suppressed.Expires, x.Suppressed.Reason)
			} else if x.Remediation != "" && x.Level != LevelNote {
				fmt.Fprintf(&b, "    %-10s %-12s fix: %s\n", "", "", x.Remediation)
			}
		}
	}
	s := r.Summary
	fmt.Fprintf(&b, "%d file(s): %d error(s), %d warning(s), %d note(s), %d suppressed\n", s.Files, s.Errors, s.Warnings, s.Notes, s.Suppressed)
	_, err := io.WriteString(w, b.String())
	return err
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitFailure `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// junit writes one test suite per input and one test case per finding;
// findings at or above the threshold fail, suppressed ones are skipped. An
// input without findings is one passing case.
func (r *Report) junit(w io.Writer, threshold string) error {
	out := junitSuites{Name: "earsim check"}
	for _, f := range r.Files {
		s := junitSuite{Name: f.File}
		for _, x := range f.Findings {
			c := junitCase{Name: x.Rule + " " + x.Resource, Classname: f.File, File: x.File, Line: x.Line}
			text := x.Message
			if x.Remediation != "" {
				text += "\nfix: " + x.Remediation
			}
			switch {
			case x.Suppressed != nil:
				c.Skipped = &junitFailure{Message: "suppressed until " + x.Suppressed.Expires + ": " + x.Suppressed.Reason}
				s.Skipped++
			case x.Level == LevelError || (threshold == LevelWarning && x.Level == LevelWarning):
				c.Failure = &junitFailure{Message: x.Message, Type: x.Level, Text: text}
				s.Failures++
			default:
				c.SystemOut = x.Level + ": " + text
			}
			s.Cases = append(s.Cases, c)
		}
		if len(s.Cases) == 0 {
			s.Cases = append(s.Cases, junitCase{Name: "no findings", Classname: f.File})
		}
		s.Tests = len(s.Cases)
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Skipped += s.Skipped
		out.Suites = append(out.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// SARIF 2.1.0, the subset GitHub code scanning reads.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID               string         `json:"id"`
	Name             string         `json:"name"`
	ShortDescription sarifText      `json:"shortDescription"`
	FullDescription  sarifText      `json:"fullDescription"`
	Help             sarifText      `json:"help"`
	Default          sarifConfig    `json:"defaultConfiguration"`
	Properties       map[string]any `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID       string             `json:"ruleId"`
	RuleIndex    int                `json:"ruleIndex"`
	Level        string             `json:"level"`
	Message      sarifText          `json:"message"`
	Locations    []sarifLocation    `json:"locations"`
	Suppressions []sarifSuppression `json:"suppressions,omitempty"`
	Properties   map[string]any     `json:"properties,omitempty"`
}

type sarifLocation struct {
	Physical sarifPhysical    `json:"physicalLocation"`
	Logical  []sarifLogicalLo `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	Artifact sarifArtifact `json:"artifactLocation"`
	Region   *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogicalLo struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind,omitempty"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
}

func (r *Report) sarif() sarifLog {
	d := sarifDriver{Name: "earsim", InformationURI: "https://github.com/earsim/earsim"}
	index := map[string]int{}
	for _, ru := range r.rules {
		index[ru.ID] = len(d.Rules)
		d.Rules = append(d.Rules, sarifFromRule(ru))
	}
	index[SuppressionRule] = len(d.Rules)
	d.Rules = append(d.Rules, sarifRule{
		ID: SuppressionRule, Name: "ExpiredSuppression",
		ShortDescription: sarifText{"A suppression has expired"},
		FullDescription:  sarifText{"A suppression in the suppressions file is past its expiry date; it no longer silences its finding."},
		Help:             sarifText{"Fix the finding, or renew the suppression with a new expiry date and reason."},
		Default:          sarifConfig{LevelError},
		Properties:       map[string]any{"tags": []string{"earsim"}},
	})
	results := []sarifResult{}
	for _, f := range r.Files {
		for _, x := range f.Findings {
			res := sarifResult{
				RuleID: x.Rule, RuleIndex: index[x.Rule], Level: x.Level,
				Message: sarifText{x.Message},
				Locations: []sarifLocation{{
					Physical: sarifPhysical{Artifact: sarifArtifact{URI: filepath.ToSlash(x.File)}},
					Logical:  []sarifLogicalLo{{FullyQualifiedName: x.Resource, Kind: "resource"}},
				}},
				Properties: map[string]any{"resource": x.Resource, "kind": x.Kind},
			}
			if x.Line > 0 {
				res.Locations[0].Physical.Region = &sarifRegion{StartLine: x.Line}
			}
			if x.ErrorCode != "" {
				res.Properties["errorCode"] = x.ErrorCode
			}
			if x.Suppressed != nil {
				res.Suppressions = []sarifSuppression{{Kind: "external", Justification: x.Suppressed.Reason + " (until " + x.Suppressed.Expires + ")"}}
			}
			results = append(results, res)
		}
	}
	return sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{{Tool: sarifTool{Driver: d}, Results: results}},
	}
}

func sarifFromRule(ru policies.Rule) sarifRule {
	sev := ru.Severity
	if ru.Check != "" {
		sev = ru.Check
	}
	props := map[string]any{"tags": []string{"earsim", "security", sev}, "severity": sev, "source": ru.Source}
	if ru.ErrorCode != "" {
		props["errorCode"] = ru.ErrorCode
	}
	if ru.Status != 0 {
		props["httpStatus"] = ru.Status
	}
	return sarifRule{
		ID: ru.ID, Name: strings.ReplaceAll(ru.ID, "-", ""),
		ShortDescription: sarifText{ru.Title},
		FullDescription:  sarifText{ru.Description},
		Help:             sarifText{ru.Remediation},
		Default:          sarifConfig{Level(sev)},
		Properties:       props,
	}
}
