package atlasapi

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sync"
)

// TraceEntry is one request and its answer, as --trace writes it: a JSON
// line each. Secrets are redacted from request bodies; control routes and
// authentication challenges are included, so a client's whole conversation
// can be read (and recorded as a fixture) as it happened.
type TraceEntry struct {
	Method      string          `json:"method"`
	Path        string          `json:"path"`
	Query       string          `json:"query,omitempty"`
	Accept      string          `json:"accept,omitempty"`
	ContentType string          `json:"contentType,omitempty"`
	Body        json.RawMessage `json:"body,omitempty"`
	Status      int             `json:"status"`
	Response    json.RawMessage `json:"response,omitempty"`
	// Now is the world's logical time after the answer, in seconds since
	// sim.Epoch: a replay moves the clock there before the next request.
	Now int64 `json:"now"`
	// World is the world the request was in, when not the default one.
	World string `json:"world,omitempty"`
	// Chaos is what --chaos injected into this request, if anything.
	Chaos string `json:"chaos,omitempty"`
}

// tracer writes TraceEntry lines to a writer, one request at a time.
type tracer struct {
	mu sync.Mutex
	w  io.Writer
}

type capture struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
	chaos  string // what --chaos injected
}

func (c *capture) WriteHeader(status int) {
	c.status = status
	c.ResponseWriter.WriteHeader(status)
}

func (c *capture) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.buf.Write(b)
	return c.ResponseWriter.Write(b)
}

func (t *tracer) record(r *http.Request, body []byte, c *capture, now int64, world string) {
	if r.Header.Get("Authorization") == "" && c.status == http.StatusUnauthorized && !isControl(r.URL.Path) {
		return // the digest challenge before every signed request: noise
	}
	e := TraceEntry{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Accept: r.Header.Get("Accept"),
		ContentType: r.Header.Get("Content-Type"), Status: c.status, Now: now, Chaos: c.chaos}
	if world != DefaultWorld {
		e.World = world
	}
	if b := bytes.TrimSpace(body); len(b) > 0 {
		if isForm(r.Header.Get("Content-Type")) {
			e.Body = jsonOrString(redactForm(b))
		} else {
			e.Body = jsonOrString(redactSecrets(b))
		}
	}
	if b := bytes.TrimSpace(c.buf.Bytes()); len(b) > 0 {
		if json.Valid(b) && mentionsSecret(b) {
			b = redactSecrets(b) // a token route's access_token
		}
		e.Response = jsonOrString(b)
	}
	line, _ := json.Marshal(e)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.w.Write(append(line, '\n'))
}

func jsonOrString(b []byte) json.RawMessage {
	if json.Valid(b) {
		return json.RawMessage(b)
	}
	s, _ := json.Marshal(string(b))
	return s
}

// secretNames are the members and form fields whose values are never
// traced: the Azure client secret wherever a client puts it, OAuth client
// secrets and assertions, and the tokens token routes answer. (Headers,
// Authorization among them, are not traced at all.)
var secretNames = map[string]bool{
	"secret": true, "client_secret": true, "clientSecret": true, "client_assertion": true,
	"access_token": true, "refresh_token": true, "id_token": true, "token": true,
}

// mentionsSecret tells whether a JSON document may hold a member of
// secretNames (answers are traced byte for byte unless they do).
func mentionsSecret(b []byte) bool {
	for k := range secretNames {
		if bytes.Contains(b, []byte(`"`+k+`"`)) {
			return true
		}
	}
	return false
}

func isForm(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// redactForm is a form body with the values of secretNames replaced.
func redactForm(b []byte) []byte {
	v, err := url.ParseQuery(string(b))
	if err != nil {
		return []byte(`"(a form that cannot be read, not shown)"`)
	}
	for k := range v {
		if secretNames[k] {
			v[k] = []string{"(redacted)"}
		}
	}
	return []byte(v.Encode())
}

// redactSecrets replaces the value of every member of a JSON document
// named in secretNames.
func redactSecrets(b []byte) []byte {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return []byte(`"(not JSON, not shown)"`)
	}
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			for k, val := range x {
				if secretNames[k] {
					x[k] = "(redacted)"
					continue
				}
				walk(val)
			}
		case []any:
			for _, val := range x {
				walk(val)
			}
		}
	}
	walk(v)
	out, _ := json.Marshal(v)
	return out
}
