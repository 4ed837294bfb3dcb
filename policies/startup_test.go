package policies

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/ast"
)

// The Engine compiles the embedded policies without the stages that only
// judge them (checkOnly). That is sound only because those stages change
// nothing: the full compile passes, and both leave the same compiled
// modules, the same rule tree and the same annotations. (The agreement
// tests then compare answers too: RuleMemo's units are compiled in full.)
func TestStartupCompileEqualsFullCompile(t *testing.T) {
	dump := func(skip []ast.StageID) string {
		mods, err := Modules(false)
		if err != nil {
			t.Fatal(err)
		}
		c, err := compile(mods, skip)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, name := range slices.Sorted(maps.Keys(c.Modules)) {
			fmt.Fprintf(&b, "== %s\n%s\n", name, c.Modules[name])
		}
		for _, ref := range c.GetAnnotationSet().Flatten() {
			fmt.Fprintf(&b, "@ %v %s\n", ref.Path, ref.Annotations)
		}
		var tree func(n *ast.TreeNode, path string)
		tree = func(n *ast.TreeNode, path string) {
			for _, v := range n.Values {
				fmt.Fprintf(&b, "tree %s: %v\n", path, v)
			}
			for _, k := range n.Sorted {
				tree(n.Children[k], path+"/"+k.String())
			}
		}
		tree(c.RuleTree, "")
		return b.String()
	}
	full, startup := dump(nil), dump(checkOnly)
	if !strings.Contains(full, "EAR-PE-06") || strings.Count(full, "\ntree ") < 100 {
		t.Fatalf("the dump of the full compile lacks the rules:\n%.2000s", full)
	}
	if d := cmp.Diff(full, startup); d != "" {
		t.Fatalf("the start-up compile differs from the full compile (-full +start-up):\n%s", d)
	}
}
