package explore

import (
	"fmt"
	"slices"
	"strings"

	"github.com/earsim/earsim/sim"
)

// Graph is what the search saw of the private-endpoint lifecycle and of the
// encryption configuration: states and the transitions between them, each
// labelled with what caused it.
type Graph struct {
	Endpoint map[[3]string]bool // from, to, label
	Config   map[[3]string]bool
}

func newGraph() *Graph {
	return &Graph{Endpoint: map[[3]string]bool{}, Config: map[[3]string]bool{}}
}

const (
	none = "[*]"
)

// merge adds another graph's transitions.
func (g *Graph) merge(o *Graph) {
	if o == nil {
		return
	}
	for k := range o.Endpoint {
		g.Endpoint[k] = true
	}
	for k := range o.Config {
		g.Config[k] = true
	}
}

// record adds the transitions one step made.
func (g *Graph) record(before, after *sim.State, cmd sim.Command, r sim.Result) {
	label := string(cmd.Op)
	for _, bp := range after.Projects.All() {
		prev := before.Project(bp.ID)
		for _, e := range bp.Endpoints {
			from := none
			if prev != nil {
				if pe := prev.Endpoint(e.ID); pe != nil {
					from = pe.Status
				}
			}
			if from != e.Status {
				g.Endpoint[[3]string{from, e.Status, cause(label, e.ID, r)}] = true
			}
		}
		if prev != nil {
			for _, pe := range prev.Endpoints {
				if bp.Endpoint(pe.ID) == nil {
					g.Endpoint[[3]string{pe.Status, none, cause(label, pe.ID, r)}] = true
				}
			}
			if a, b := configState(prev.Encryption), configState(bp.Encryption); a != b {
				g.Config[[3]string{a, b, label}] = true
			}
		}
	}
}

// cause names what moved an endpoint: the request, or for a clock move the
// effect the timer emitted.
func cause(label, id string, r sim.Result) string {
	if label != string(sim.Advance) {
		return label
	}
	for _, e := range r.Effects {
		if e.Target["endpoint"] == id || e.Target["by"] == id {
			return e.Kind
		}
	}
	return label
}

func configState(c sim.EncryptionConfig) string {
	switch {
	case !c.Enabled:
		return "CMK off"
	case c.RequirePrivateNetworking:
		return "CMK on, private networking"
	}
	return "CMK on"
}

func sorted(m map[[3]string]bool) [][3]string {
	var out [][3]string
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b [3]string) int { return slices.Compare(a[:], b[:]) })
	return out
}

// Lifecycle draws the private-endpoint lifecycle as a Mermaid state diagram.
func (g *Graph) Lifecycle() string {
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	for _, e := range sorted(g.Endpoint) {
		fmt.Fprintf(&b, "    %s --> %s: %s\n", e[0], e[1], e[2])
	}
	return b.String()
}

// Mermaid draws the endpoint lifecycle and the configuration states.
func (g *Graph) Mermaid() string {
	var b strings.Builder
	b.WriteString(g.Lifecycle())
	b.WriteString("\nstateDiagram-v2\n")
	for _, e := range sorted(g.Config) {
		fmt.Fprintf(&b, "    %q --> %q: %s\n", e[0], e[1], e[2])
	}
	return b.String()
}

// Dot draws the same as Graphviz.
func (g *Graph) Dot() string {
	var b strings.Builder
	b.WriteString("digraph endpoint_lifecycle {\n  rankdir=LR;\n")
	for _, e := range sorted(g.Endpoint) {
		fmt.Fprintf(&b, "  %q -> %q [label=%q];\n", dotName(e[0]), dotName(e[1]), e[2])
	}
	b.WriteString("}\ndigraph encryption_config {\n  rankdir=LR;\n")
	for _, e := range sorted(g.Config) {
		fmt.Fprintf(&b, "  %q -> %q [label=%q];\n", e[0], e[1], e[2])
	}
	b.WriteString("}\n")
	return b.String()
}

func dotName(s string) string {
	if s == none {
		return "(none)"
	}
	return s
}
