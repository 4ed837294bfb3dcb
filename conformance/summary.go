package conformance

import (
	"bytes"
	"io"
	"regexp"
	"strings"
)

// lacks words what a target lacks for each capability tag, as the sentence
// a skipped scenario reads: "skipped: the target does not serve legacy
// (v1.0) clusters".
var lacks = map[string]string{
	"@needs-azure":           "the target gives no control of the Azure side (approving, rejecting or removing connections, key events)",
	"@needs-clock":           "the target has no logical clock to advance",
	"@needs-operator":        "the target cannot set a project INACTIVE (no operator control)",
	"@needs-roles":           "no read-only key was given (--read-only-public-key and --read-only-private-key)",
	"@needs-effects":         "the target does not report the effects of its changes",
	"@needs-legacy-clusters": "the target does not serve legacy (v1.0) clusters",
}

// Lacks is the sentence that says what a target lacks for a capability tag
// (e.g. "@needs-legacy-clusters").
func Lacks(tag string) string {
	if s, ok := lacks[tag]; ok {
		return s
	}
	return "the target lacks " + strings.TrimPrefix(tag, "@needs-")
}

// godogCounts matches the lines of godog's own summary in the text formats:
// "52 scenarios (52 passed)", "225 steps (222 passed, 3 skipped)", "No
// scenarios", "No steps", and the run's duration after them. godog counts a
// scenario skipped for a capability as passed, which contradicts the
// skipped count, so the caller prints the one summary (Outcome) instead.
var godogCounts = regexp.MustCompile(`^(\d+ scenarios \(.*\)|\d+ steps \(.*\)|No scenarios|No steps)\n$`)

var godogDuration = regexp.MustCompile(`^[0-9][0-9.hmsnµ]*\n$`) // time.Duration.String()

// dropCounts is the report's writer with godog's count lines left out; it
// passes every other line through as it is completed.
type dropCounts struct {
	w         io.Writer
	line      []byte
	afterStep bool // the previous line was the steps count: a duration follows
}

func (d *dropCounts) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			d.line = append(d.line, p...)
			break
		}
		d.line = append(d.line, p[:i+1]...)
		p = p[i+1:]
		if err := d.emit(); err != nil {
			return 0, err
		}
	}
	return n, nil
}

func (d *dropCounts) emit() error {
	line := d.line
	d.line = d.line[:0]
	after := d.afterStep
	d.afterStep = false
	switch {
	case godogCounts.Match(line):
		d.afterStep = bytes.Contains(line, []byte("steps")) || bytes.HasPrefix(line, []byte("No steps"))
		return nil
	case after && godogDuration.Match(line):
		return nil
	}
	_, err := d.w.Write(line)
	return err
}

// flush writes what is left of an unfinished line.
func (d *dropCounts) flush() error {
	if len(d.line) == 0 {
		return nil
	}
	_, err := d.w.Write(d.line)
	d.line = d.line[:0]
	return err
}
