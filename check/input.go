package check

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/earsim/earsim/scenarios"
	"github.com/earsim/earsim/sim"
)

// InputError is an input that could not be read or understood.
type InputError = sim.FileError

// peekSize is how much of a file detection looks at.
const peekSize = 64 << 10

// Detect names the kind of an input from its first bytes: JSON with
// resource_changes, planned_values or format_version is a Terraform plan,
// JSON with "op" an Atlas request, YAML (or JSON) with "world" a desired
// state.
func Detect(head []byte) (string, bool) {
	t := bytes.TrimLeft(head, " \t\r\n\ufeff")
	if len(t) > 0 && t[0] == '{' {
		switch {
		case hasKey(t, "resource_changes"), hasKey(t, "planned_values"), hasKey(t, "format_version"), hasKey(t, "terraform_version"):
			return KindPlan, true
		case hasKey(t, "op"):
			return KindRequest, true
		case hasKey(t, "world"):
			return KindState, true
		}
		return "", false
	}
	for _, line := range strings.Split(string(t), "\n") {
		if strings.HasPrefix(line, "world:") {
			return KindState, true
		}
	}
	return "", false
}

// hasKey reports whether the JSON text has key as an object key somewhere in
// what was read (a cheap test; the decoder decides).
func hasKey(t []byte, key string) bool {
	k := []byte(`"` + key + `"`)
	for i := 0; ; {
		j := bytes.Index(t[i:], k)
		if j < 0 {
			return false
		}
		rest := bytes.TrimLeft(t[i+j+len(k):], " \t\r\n")
		if len(rest) > 0 && rest[0] == ':' {
			return true
		}
		i += j + len(k)
	}
}

// opener opens an input by name: os.Open, or an fs.FS's Open.
type opener func(name string) (io.ReadCloser, error)

func osOpen(name string) (io.ReadCloser, error) { return os.Open(name) }

func fsOpen(fsys fs.FS) opener {
	return func(name string) (io.ReadCloser, error) { return fsys.Open(name) }
}

func (c *Checker) file(ctx context.Context, open opener, path string, opt Options) (FileReport, error) {
	kind := opt.Kind
	f, err := open(path)
	if err != nil {
		msg := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = pe.Err.Error()
		}
		return FileReport{}, &InputError{File: path, Msg: msg}
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, peekSize)
	head, err := br.Peek(peekSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return FileReport{}, &InputError{File: path, Msg: err.Error()}
	}
	if len(bytes.TrimSpace(head)) == 0 {
		return FileReport{}, &InputError{File: path, Msg: "empty file: expected a Terraform plan (terraform show -json), a desired-state YAML or an Atlas request JSON"}
	}
	if kind == "" {
		k, ok := Detect(head)
		if !ok {
			return FileReport{}, &InputError{File: path, Line: 1, Msg: "cannot tell the input kind: expected a Terraform plan (terraform show -json), a desired-state YAML (world:) or an Atlas request JSON (op, project, request); --input-kind forces one"}
		}
		kind = k
	}
	fr := FileReport{File: path, Kind: kind, Findings: []Finding{}}
	switch kind {
	case KindPlan:
		err = c.plan(ctx, open, path, br, &fr, opt.Interruptions)
	case KindRequest:
		err = c.request(open, path, br, &fr)
	case KindState:
		err = c.state(open, path, br, &fr)
	default:
		return fr, &InputError{File: path, Msg: fmt.Sprintf("unknown input kind %q (want %s)", kind, strings.Join(Kinds, ", "))}
	}
	if err != nil {
		return fr, err
	}
	sortFindings(fr.Findings)
	return fr, nil
}

// decodeJSON decodes one JSON object from r; errors name the line.
func decodeJSON(open opener, path string, r io.Reader) (map[string]any, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, jsonError(open, path, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &InputError{File: path, Line: lineAt(open, path, dec.InputOffset()), Msg: "invalid JSON: more than one value"}
	}
	if doc == nil {
		return nil, &InputError{File: path, Line: 1, Msg: "invalid input: expected a JSON object"}
	}
	return doc, nil
}

func jsonError(open opener, path string, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &InputError{File: path, Line: lineAt(open, path, se.Offset), Msg: "invalid JSON: " + se.Error()}
	case errors.As(err, &te):
		return &InputError{File: path, Line: lineAt(open, path, te.Offset), Msg: "invalid input: expected a JSON object"}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &InputError{File: path, Line: lineAt(open, path, math.MaxInt64), Msg: "invalid JSON: unexpected end of file"}
	}
	return &InputError{File: path, Msg: "invalid JSON: " + err.Error()}
}

// lineAt returns the 1-based line of a byte offset, reading the file again
// rather than keeping it in memory.
func lineAt(open opener, path string, off int64) int {
	f, err := open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	line, buf, read := 1, make([]byte, 64<<10), int64(0)
	for read < off {
		n, err := f.Read(buf)
		if n > 0 {
			chunk := buf[:min(int64(n), off-read)]
			line += bytes.Count(chunk, []byte{'\n'})
			read += int64(len(chunk))
		}
		if err != nil {
			break
		}
	}
	return line
}

// addressLines finds the line of each `"address": "A"` after the
// resource_changes key, in one streaming pass.
func addressLines(open opener, path string, addrs map[string]int) {
	f, err := open(path)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<30)
	started, left := false, len(addrs)
	for line := 1; sc.Scan() && left > 0; line++ {
		t := sc.Bytes()
		if !started {
			if !bytes.Contains(t, []byte(`"resource_changes"`)) {
				continue
			}
			started = true
		}
		if line == 1 {
			return // one-line JSON (terraform's own output): no useful lines
		}
		for a, l := range addrs {
			if l == 0 && bytes.Contains(t, []byte(`"address": `+quote(a))) {
				addrs[a] = line
				left--
			}
		}
	}
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

func (c *Checker) plan(ctx context.Context, open opener, path string, r io.Reader, fr *FileReport, interruptions bool) error {
	var keys []string // the plan's parts a team rule reads, kept as it is read
	if c.team != nil && c.team.ReadsPlan() {
		keys = c.team.PlanKeys()
	}
	doc, skipped, kept, err := decodePlanKeeping(open, path, r, keys)
	if err != nil {
		return err
	}
	if v, _ := doc["format_version"].(string); !strings.HasPrefix(v, "1.") {
		return &InputError{File: path, Line: 1, Msg: fmt.Sprintf("unsupported plan format_version %q: earsim reads 1.x (Terraform 1.0 and later)", v)}
	}
	ap, err := BuildApply(doc)
	if err != nil {
		return &InputError{File: path, Msg: err.Error()}
	}
	fr.Ignored = skipped + ap.ignored
	doc = nil
	team, err := c.teamRun(open, path, ap, kept) // nil without --policy
	if err != nil {
		return err
	}
	m, err := sim.NewMachine(ap.World, team.checker(c.sim))
	if err != nil {
		return &InputError{File: path, Msg: "policy evaluation: " + err.Error()}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var cuts []worldCut // the world before the apply, then after each step
	if interruptions {
		cuts = append(cuts, cutOf(m))
		ap.Done = func(Outcome) { cuts = append(cuts, cutOf(m)) }
	}
	outcomes := ap.Run(m.Step)
	fr.Findings = append(fr.Findings, c.applyFindings(ap, outcomes, m, path)...)
	if interruptions {
		fr.Findings = append(fr.Findings, c.interruptionFindings(ap, outcomes, cuts, path)...)
	}
	if fr.Findings, err = team.findings(fr.Findings); err != nil {
		return err
	}
	lines := map[string]int{}
	for _, x := range fr.Findings {
		if x.Kind != "planned state" { // those name a project, not a resource in the file
			lines[x.Resource] = 0
		}
	}
	if len(lines) > 0 {
		addressLines(open, path, lines)
	}
	for i := range fr.Findings {
		fr.Findings[i].Line = lines[fr.Findings[i].Resource]
	}
	return nil
}

// applyFindings are what stepping a plan's requests gave: each refusal and
// forecast, naming its step; the conditions of the world the plan leaves
// that a plan check treats as errors (EAR-MR-01); and the warnings of the
// order.
func (c *Checker) applyFindings(ap *Apply, outcomes []Outcome, m *sim.Machine, path string) []Finding {
	var out []Finding
	of := len(ap.Steps)
	// An endpoint the plan creates has no id before the apply: findings
	// name it by its address, not by the simulator's id.
	named := strings.NewReplacer(createdEndpoints(outcomes)...)
	for _, o := range outcomes {
		step := map[string]string{"step": fmt.Sprintf("%d of %d", o.Step.N, of), "request": string(o.Step.Command.Op)}
		if e := o.Result.Err; e != nil {
			f := c.finding(e.Rule, "error", "refusal", e.Detail, e.Code, o.Step.Address, path, step)
			out = append(out, f)
			continue
		}
		for _, w := range o.Result.Warnings {
			if r := c.rules[w.Rule]; r.Check == LevelError {
				continue // judged on the world the plan leaves
			}
			t := map[string]string{}
			for k, v := range w.Target {
				t[k] = named.Replace(v)
			}
			for k, v := range step {
				t[k] = v
			}
			severity := w.Severity
			if r := c.rules[w.Rule]; r.Plan != "" {
				severity = r.Plan // a hazard the plan itself carries out (RULES.md section 3)
			}
			f := c.finding(w.Rule, severity, "forecast", named.Replace(w.Msg), "", o.Step.Address, path, t)
			if severity == LevelError && len(o.Step.early) > 0 {
				f.Remediation += " " + dependsOn(o.Step)
			}
			out = append(out, f)
		}
	}
	for _, p := range m.State().Projects.All() {
		for _, x := range m.Report(p.ID).Conditions {
			if r := c.rules[x.Rule]; r.Check == LevelError {
				out = append(out, c.finding(x.Rule, x.Severity, "planned state", x.Msg, "", "project "+p.ID, path, x.Target))
			}
		}
	}
	for _, w := range c.orderWarnings(ap, outcomes) {
		f := c.finding(w.Rule, "hazard", w.Kind, w.Message, "", w.Resource, path, nil)
		f.Level, f.Severity, f.Remediation, f.ErrorCode = LevelWarning, "hazard", w.Remediation, ""
		out = append(out, f)
	}
	return out
}

// createdEndpoints pairs the simulator's id of each endpoint the plan
// creates with the address that creates it (strings.NewReplacer's list).
func createdEndpoints(outcomes []Outcome) []string {
	var out []string
	for _, o := range outcomes {
		if o.Result.Err == nil && o.Step.Command.Op == sim.CreatePrivateEndpoint {
			if id := idOf(o.Result.Body); id != "" {
				out = append(out, id, o.Step.Address)
			}
		}
	}
	return out
}

// dependsOn says which depends_on orders an Azure hazard after the steps it
// was judged before: on the encryption configs among them (whose change
// stops the project using the key), else on every Atlas resource among them.
func dependsOn(st Step) string {
	var cfgs, atlas []string
	for _, a := range st.early {
		parts := strings.Split(a, ".")
		typ := parts[max(len(parts)-2, 0)]
		switch {
		case typ == typeEncryption && !slices.Contains(cfgs, a):
			cfgs = append(cfgs, a)
		case strings.HasPrefix(typ, "mongodbatlas_") && !slices.Contains(atlas, a):
			atlas = append(atlas, a)
		}
	}
	if len(cfgs) == 0 {
		cfgs = atlas
	}
	if len(cfgs) == 0 {
		return ""
	}
	return fmt.Sprintf("Nothing orders %s after %s, so Terraform may run it first: add depends_on = [%s] to %s.",
		configAddress(st.Address), strings.Join(cfgs, ", "), configAddress(st.Address), strings.Join(cfgs, " and "))
}

// orderWarnings judges each unordered pair's other order on a simulator of
// the plan's world: the pair is a hazard when that order is refused where
// the apply as judged is not, and the warning carries the refusing rule.
// An other order the simulator accepts is no hazard, and no warning.
func (c *Checker) orderWarnings(ap *Apply, judged []Outcome) []Finding {
	refused := map[string]bool{}
	for _, o := range judged {
		if e := o.Result.Err; e != nil {
			refused[o.Step.Address+" "+e.Rule] = true
		}
	}
	var out []Finding
	for _, w := range ap.Warnings {
		if w.Other == nil {
			continue
		}
		m, err := sim.NewMachine(ap.World, c.sim)
		if err != nil {
			continue // the main run met the same world and reported it
		}
		for _, o := range (&Apply{Steps: w.Other}).Run(m.Step) {
			if e := o.Result.Err; e != nil && !refused[o.Step.Address+" "+e.Rule] {
				f := w.Finding
				f.Rule = e.Rule
				f.Message += fmt.Sprintf("; the other order is refused at %s: %s", o.Step.Address, e.Detail)
				out = append(out, f)
				break
			}
		}
	}
	return out
}

// request judges one Atlas request: the policy input as the simulator
// builds it ({op, project, request, azure?, actor?}).
func (c *Checker) request(open opener, path string, r io.Reader, fr *FileReport) error {
	doc, err := decodeJSON(open, path, r)
	if err != nil {
		return err
	}
	op, _ := doc["op"].(string)
	if _, known := sim.Spec(sim.Op(op)); !known {
		return &InputError{File: path, Line: 1, Msg: fmt.Sprintf("unknown op %q (see earsim run's scenario format for the ops)", op)}
	}
	if _, ok := doc["project"].(map[string]any); !ok {
		return &InputError{File: path, Line: 1, Msg: "an Atlas request needs the project it meets as \"project\" (its encryption, endpoints and clusters)"}
	}
	if _, ok := doc["now"]; !ok {
		doc["now"] = json.Number("0")
	}
	completeRequest(doc)
	d, err := c.engine.Decide(sim.Input(doc))
	if err != nil {
		return &InputError{File: path, Msg: "policy evaluation: " + err.Error()}
	}
	line := firstLine(open, path, []byte(`"request"`))
	for _, v := range d.Deny {
		f := c.finding(v.Rule, "error", "refusal", v.Msg, v.Code, "$.request", path, nil)
		f.Line = line
		fr.Findings = append(fr.Findings, f)
	}
	for _, w := range d.Warn {
		f := c.finding(w.Rule, w.Severity, "forecast", w.Msg, "", "$.request", path, w.Target)
		f.Line = line
		fr.Findings = append(fr.Findings, f)
	}
	team, err := c.teamRequest(doc, path, line)
	fr.Findings = append(fr.Findings, team...)
	return err
}

// state judges a desired state: the world of a scenario file, built on the
// simulator and inspected project by project.
func (c *Checker) state(open opener, path string, r io.Reader, fr *FileReport) error {
	data, err := scenarios.ReadAll(r)
	if err != nil {
		return &InputError{File: path, Msg: err.Error()}
	}
	s, err := scenarios.ParseState(path, data)
	if err != nil {
		return asInputError(path, err)
	}
	rp, err := scenarios.Start(s, c.engine, nil)
	if err != nil {
		return asInputError(path, err)
	}
	line := firstLine(open, path, []byte("world:")) // findings are about the world as a whole
	defer func() {
		for i := range fr.Findings {
			fr.Findings[i].Line = line
		}
	}()
	for _, p := range rp.Machine.State().Projects.All() {
		rep := rp.Machine.Report(p.ID)
		res := "project " + p.ID
		for _, x := range rep.Violations {
			fr.Findings = append(fr.Findings, c.finding(x.Rule, "invariant", "invariant", x.Msg, "", res, path, x.Target))
		}
		for _, x := range rep.Conditions {
			fr.Findings = append(fr.Findings, c.finding(x.Rule, x.Severity, "condition", x.Msg, "", res, path, x.Target))
		}
	}
	return nil
}

func asInputError(path string, err error) error {
	var pe *scenarios.ParseError
	if errors.As(err, &pe) {
		return &InputError{File: pe.File, Line: pe.Line, Msg: pe.Msg}
	}
	return &InputError{File: path, Msg: err.Error()}
}

// completeRequest fills what the simulator would add to a request written
// by hand: the secret becomes a marker of presence (never its value), and a
// PATCH of the encryption config gets the configuration it leads to.
func completeRequest(doc map[string]any) {
	req, _ := doc["request"].(map[string]any)
	if req == nil {
		req = map[string]any{}
		doc["request"] = req
	}
	kv, _ := req["azureKeyVault"].(map[string]any)
	if kv == nil {
		return
	}
	if _, ok := kv["secret"]; ok {
		delete(kv, "secret")
		kv["secretDigest"] = "sensitive"
	}
	if _, ok := req["after"]; ok || doc["op"] != string(sim.UpdateEncryptionConfig) {
		return
	}
	project, _ := doc["project"].(map[string]any)
	enc, _ := project["encryption"].(map[string]any)
	after := map[string]any{}
	for k, v := range enc {
		after[k] = v
	}
	for k, v := range kv {
		after[k] = v
	}
	req["after"] = after
}

// firstLine is the line of the first occurrence of needle, 0 if none.
func firstLine(open opener, path string, needle []byte) int {
	f, err := open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<30)
	for line := 1; sc.Scan(); line++ {
		if bytes.Contains(sc.Bytes(), needle) {
			return line
		}
	}
	return 0
}
