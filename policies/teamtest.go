package policies

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TeamTest is one test rule's outcome.
type TeamTest struct {
	Package string `json:"package"`
	Name    string `json:"name"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	Pass    bool   `json:"pass"`
	Skip    bool   `json:"skip,omitempty"`
	Error   string `json:"error,omitempty"` // an evaluation error, with its place
}

// TeamCoverage is one rule file's line coverage by the tests.
type TeamCoverage struct {
	File       string   `json:"file"`
	Covered    int      `json:"coveredLines"`
	NotCovered int      `json:"notCoveredLines"`
	Percent    float64  `json:"percent"`
	Gaps       []string `json:"notCovered,omitempty"` // line ranges, "12" or "12-14"
}

// TeamTestReport is what TestTeam found.
type TeamTestReport struct {
	Tests    []TeamTest     `json:"tests"`
	Coverage []TeamCoverage `json:"coverage"` // the team's rule files (not tests, not earsim's lib)
	Percent  float64        `json:"percent"`  // over all of them
}

// Passed reports whether every test passed (skipped ones aside) and there was one.
func (r *TeamTestReport) Passed() bool {
	n := 0
	for _, t := range r.Tests {
		if !t.Pass && !t.Skip {
			return false
		}
		n++
	}
	return n > 0
}

// TestTeam runs the _test.rego files of a team's directories with OPA's
// tester, in process, with earsim's lib (data.earsim.lib) and the
// directories' data files on the path and under the capabilities the
// team's rules run with in check and serve, and measures the line coverage
// of the team's rule files. The error is a *TeamError for files that do not
// load or compile.
func TestTeam(ctx context.Context, dirs ...string) (*TeamTestReport, error) {
	mods, docs, err := loadTeamFiles(dirs, true)
	if err != nil {
		return nil, err
	}
	cov := cover.New()
	runner := tester.NewRunner().
		SetCompiler(ast.NewCompiler().WithCapabilities(Capabilities()).WithStrict(true)).
		SetStore(inmem.NewFromObject(docs)).
		SetModules(mods).
		SetCoverageQueryTracer(cov).
		SetCoverageRuns([]cover.Kind{}).
		CapturePrintOutput(false)
	ch, err := runner.RunTests(ctx, nil)
	if err != nil {
		return nil, teamLoadError(strings.Join(dirs, ", "), err)
	}
	rep := &TeamTestReport{Tests: []TeamTest{}, Coverage: []TeamCoverage{}}
	for r := range ch {
		t := TeamTest{Package: strings.TrimPrefix(r.Package, "data."), Name: r.Name, Pass: !r.Fail && r.Error == nil && !r.Skip, Skip: r.Skip}
		if r.Location != nil {
			t.File, t.Line = r.Location.File, r.Location.Row
		}
		if r.Error != nil {
			t.Error = r.Error.Error()
		}
		rep.Tests = append(rep.Tests, t)
	}
	slices.SortFunc(rep.Tests, func(a, b TeamTest) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		return a.Line - b.Line
	})
	report := cov.Report(mods)
	covered, total := 0, 0
	for _, file := range slices.Sorted(maps.Keys(mods)) {
		if file == teamLibKey || IsTest(file) {
			continue
		}
		c := TeamCoverage{File: file, Gaps: []string{}}
		if fr, ok := report.Files[file]; ok {
			c.Covered, c.NotCovered = fr.CoveredLines, fr.NotCoveredLines
			c.Gaps = gaps(fr.NotCovered)
		} else { // never evaluated: every rule line is a gap
			c.NotCovered = ruleLines(mods[file])
			c.Gaps = append(c.Gaps, "never evaluated")
		}
		if n := c.Covered + c.NotCovered; n > 0 {
			c.Percent = 100 * float64(c.Covered) / float64(n)
		}
		covered += c.Covered
		total += c.Covered + c.NotCovered
		rep.Coverage = append(rep.Coverage, c)
	}
	if total > 0 {
		rep.Percent = 100 * float64(covered) / float64(total)
	}
	return rep, nil
}

// ruleLines counts the lines a module's rules span (a file no test reaches).
func ruleLines(m *ast.Module) int {
	rows := map[int]bool{}
	for _, r := range m.Rules {
		if r.Location == nil {
			continue
		}
		n := strings.Count(string(r.Location.Text), "\n")
		for i := 0; i <= n; i++ {
			rows[r.Location.Row+i] = true
		}
	}
	return len(rows)
}

// gaps are ranges of lines as "12" or "12-14", adjacent ones merged.
func gaps(rs []cover.Range) []string {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b cover.Range) int { return a.Start.Row - b.Start.Row })
	out := []string{}
	for i := 0; i < len(rs); {
		from, to := rs[i].Start.Row, rs[i].End.Row
		for i++; i < len(rs) && rs[i].Start.Row <= to+1; i++ {
			to = max(to, rs[i].End.Row)
		}
		if from == to {
			out = append(out, fmt.Sprint(from))
		} else {
			out = append(out, fmt.Sprintf("%d-%d", from, to))
		}
	}
	return out
}
