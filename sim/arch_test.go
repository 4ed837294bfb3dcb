package sim

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The import rules of the architecture, checked on every non-test Go file of
// the module: sim imports the standard library only; OPA appears only under
// policies/; godog only under conformance/; net/http only in the API package
// (atlasapi/) and its clients (conformance/).
func TestArchitecture(t *testing.T) {
	root := ".."
	rules := []struct {
		reason  string
		applies func(imp string) bool
		allowed []string // folders (relative to the module root) that may import it
	}{
		{"OPA only under policies", func(i string) bool { return strings.HasPrefix(i, "github.com/open-policy-agent/") }, []string{"policies"}},
		{"godog only under conformance", func(i string) bool { return strings.HasPrefix(i, "github.com/cucumber/") }, []string{"conformance"}},
		{"HTTP only in the API package and its clients", func(i string) bool { return i == "net/http" || strings.HasPrefix(i, "net/http/") }, []string{"atlasapi", "conformance"}},
	}
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != root || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		dir := filepath.ToSlash(filepath.Dir(rel))
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, spec := range f.Imports {
			imp, _ := strconv.Unquote(spec.Path.Value)
			if dir == "sim" && strings.Contains(strings.Split(imp, "/")[0], ".") {
				t.Errorf("%s imports %s: sim imports the standard library only", rel, imp)
			}
			for _, r := range rules {
				if !r.applies(imp) {
					continue
				}
				ok := false
				for _, a := range r.allowed {
					ok = ok || dir == a || strings.HasPrefix(dir, a+"/")
				}
				if !ok {
					t.Errorf("%s imports %s: %s", rel, imp, r.reason)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 10 {
		t.Fatalf("only %d Go files checked; is the walk rooted at the module?", checked)
	}
}
