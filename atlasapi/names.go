package atlasapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/earsim/earsim/sim"
)

// Atlas reads JSON as written: attribute names are case-sensitive, a name
// given twice is an error, and the body is one JSON object. encoding/json
// matches names case-insensitively and keeps the last of duplicates, so
// before a body is decoded, checkNames walks it against the type it is
// decoded into and refuses what Atlas refuses (API.md "Resource versions and
// wire strictness"). Nothing has changed when it refuses.

// checkNames reports the first name in body that the type of v (a pointer to
// a wire struct) does not spell exactly, or the first duplicated name.
func checkNames(body []byte, v any) *sim.Error {
	if !utf8.Valid(body) {
		return sim.Errorf(400, "MALFORMED_JSON", "the request body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil // the decoder proper reports malformed JSON
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return sim.Errorf(400, "MALFORMED_JSON", "the request body must be a JSON object")
	}
	w := nameWalker{dec: dec}
	return w.object(reflect.TypeOf(v).Elem(), "")
}

type nameWalker struct {
	dec   *json.Decoder
	depth int // objects and arrays open around the current value
	// broken: the decoder met malformed JSON. The walk stops there (the
	// decoder proper reports it): More keeps answering true after a syntax
	// error, so a loop on it would never end.
	broken bool
}

// token reads the next token; an error ends the walk.
func (w *nameWalker) token() (json.Token, bool) {
	tok, err := w.dec.Token()
	if err != nil {
		w.broken = true
		return nil, false
	}
	return tok, true
}

// more reports whether the current object or array has another member.
func (w *nameWalker) more() bool { return !w.broken && w.dec.More() }

// maxJSONDepth bounds how deeply a request body may nest: Atlas's bodies
// nest about six levels; thousands of brackets are an attack on the walk
// (each level adds to the path it reports), answered 400 at once.
const maxJSONDepth = 64

// fieldCache holds fields' answers: the wire types are few and fixed, and
// every request body is checked against them.
var fieldCache sync.Map // reflect.Type -> map[string]reflect.Type

// fields are the exact JSON names of a struct type and their types.
func fields(t reflect.Type) map[string]reflect.Type {
	if f, ok := fieldCache.Load(t); ok {
		return f.(map[string]reflect.Type)
	}
	out := map[string]reflect.Type{}
	defer fieldCache.Store(t, out)
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct { // embedded: its fields are the outer's
			for n, t := range fields(f.Type) {
				out[n] = t
			}
			continue
		}
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

func deref(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// object walks the members of an object whose '{' has been read.
func (w *nameWalker) object(t reflect.Type, path string) *sim.Error {
	t = deref(t)
	var known map[string]reflect.Type
	if t != nil && t.Kind() == reflect.Struct {
		known = fields(t)
	}
	seen := map[string]bool{}
	for w.more() {
		tok, ok := w.token()
		if !ok {
			return nil
		}
		name, _ := tok.(string)
		full := name
		if path != "" {
			full = path + "." + name
		}
		if seen[name] {
			e := sim.Errorf(400, "MALFORMED_JSON", "attribute %s is given more than once", full)
			e.Parameters = []string{full}
			return e
		}
		seen[name] = true
		var elem reflect.Type
		switch {
		case known != nil:
			ft, ok := known[name]
			if !ok {
				e := sim.Errorf(400, "INVALID_ATTRIBUTE", "unknown attribute %s%s", full, didYouMean(name, known))
				e.Parameters = []string{full}
				return e
			}
			elem = ft
		case t != nil && t.Kind() == reflect.Map:
			elem = t.Elem()
		}
		if err := w.value(elem, full); err != nil {
			return err
		}
	}
	_, _ = w.dec.Token() // '}'
	return nil
}

// value walks one value of type t (nil: anything).
func (w *nameWalker) value(t reflect.Type, path string) *sim.Error {
	tok, ok := w.token()
	if !ok {
		return nil
	}
	d, isDelim := tok.(json.Delim)
	inner := deref(t)
	if tok == nil && inner != nil && inner.Kind() == reflect.Struct {
		e := sim.Errorf(400, "INVALID_ATTRIBUTE", "attribute %s must be an object, not null", path)
		e.Parameters = []string{path}
		return e
	}
	if !isDelim {
		return nil
	}
	if w.depth++; w.depth > maxJSONDepth {
		return sim.Errorf(400, "MALFORMED_JSON", "the request body nests deeper than %d levels", maxJSONDepth)
	}
	defer func() { w.depth-- }()
	switch d {
	case '{':
		return w.object(t, path)
	case '[':
		var elem reflect.Type
		if inner != nil && (inner.Kind() == reflect.Slice || inner.Kind() == reflect.Array) {
			elem = inner.Elem()
		}
		for i := 0; w.more(); i++ {
			if err := w.value(elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		_, _ = w.dec.Token() // ']'
	}
	return nil
}

// didYouMean names the known attribute a wrong one most likely meant: the
// same name in another case, or one or two edits away.
func didYouMean(name string, known map[string]reflect.Type) string {
	names := make([]string, 0, len(known))
	for k := range known {
		names = append(names, k)
	}
	best, ok := sim.Closest(name, names)
	switch {
	case !ok:
		return ""
	case strings.EqualFold(best, name):
		return fmt.Sprintf(" (names are case-sensitive: did you mean %s?)", best)
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}

var errTrailing = errors.New("trailing data")

// single reports whether the decoder has nothing left after its value.
func single(dec *json.Decoder) error {
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errTrailing
	}
	return nil
}
