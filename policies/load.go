// Package policies is the one home of earsim's rules. The rules are Rego
// (OPA v1 syntax), one rule per directory under rules/ with its tests beside
// it; this package embeds them, compiles them once with a capabilities
// allow-list, and evaluates them for the simulator (Engine implements
// sim.Checker). The same files work unchanged with `opa`, OPA bundles and
// conftest.
package policies

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/open-policy-agent/opa/v1/ast"
)

//go:embed lib admission state rules terraform
var files embed.FS

// FS returns the embedded Rego tree (lib/, admission/, state/, rules/),
// tests included, e.g. for building an OPA bundle.
func FS() fs.FS { return files }

// IsTest reports whether name is a Rego test file.
func IsTest(name string) bool { return strings.HasSuffix(name, "_test.rego") }

// Capabilities returns the builtins the policies may use: every builtin of
// this OPA version except the nondeterministic ones (time.now_ns, rand.*,
// http.send, uuid.*, ...) and those that reach outside the evaluation.
// Compiling a policy that calls one of them fails, so a decision depends on
// its input alone.
func Capabilities() *ast.Capabilities {
	c := ast.CapabilitiesForThisVersion()
	denied := map[string]bool{"opa.runtime": true, "trace": true, "print": true, "internal.print": true}
	kept := c.Builtins[:0]
	for _, b := range c.Builtins {
		if b.Nondeterministic || denied[b.Name] || strings.HasPrefix(b.Name, "net.") {
			continue
		}
		kept = append(kept, b)
	}
	c.Builtins = kept
	c.AllowNet = []string{}
	return c
}

// Modules parses the embedded policies; withTests adds the _test.rego files.
// Keys are paths relative to the policies folder, e.g. "rules/pe_06/pe_06.rego".
func Modules(withTests bool) (map[string]*ast.Module, error) {
	return parseTree(files, withTests)
}

// parseTree parses the tree's modules on every core (parsing was a quarter
// of the policies' start-up, which `earsim check` pays once per run); the
// first error in path order is the one reported.
func parseTree(fsys fs.FS, withTests bool) (map[string]*ast.Module, error) {
	var paths []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && path.Ext(p) == ".rego" && (withTests || !IsTest(p)) {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	mods := make([]*ast.Module, len(paths))
	errs := make([]error, len(paths))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(paths)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < len(paths); i = int(next.Add(1)) - 1 {
				mods[i], errs[i] = parseFile(fsys, paths[i])
			}
		}()
	}
	wg.Wait()
	out := make(map[string]*ast.Module, len(paths))
	for i, p := range paths {
		if errs[i] != nil {
			return nil, errs[i]
		}
		out[p] = mods[i]
	}
	return out, nil
}

func parseFile(fsys fs.FS, p string) (*ast.Module, error) {
	src, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, err
	}
	return ast.ParseModuleWithOpts(p, string(src), ast.ParserOptions{
		RegoVersion:       ast.RegoV1,
		ProcessAnnotation: true,
	})
}

// Compile compiles modules with the capabilities allow-list.
func Compile(mods map[string]*ast.Module) (*ast.Compiler, error) {
	return compile(mods, nil)
}

// checkOnly are the compiler's stages that only judge the policies (types,
// safety of rule heads, recursion, conflicts, imports, the capabilities
// allow-list, ...) and change nothing in what is evaluated. The embedded
// policies pass them in every test run (Compile, `opa check --strict` in
// make lint), and they are the same bytes in the binary, so the Engine's
// start-up skips them: TestStartupCompileEqualsFullCompile shows the
// compiled modules, rule tree and annotations are identical. Safety of
// rule bodies is not among them: that stage also reorders expressions.
var checkOnly = []ast.StageID{
	ast.StageCheckUnusedImports, ast.StageCheckKeywordOverrides, ast.StageCheckDuplicateImports,
	ast.StageCheckVoidCalls, ast.StageCheckRuleConflicts, ast.StageCheckUndefinedFuncs,
	ast.StageCheckSafetyRuleHeads, ast.StageCheckRecursion, ast.StageCheckTypes,
	ast.StageCheckUnsafeBuiltins, ast.StageCheckDeprecatedBuiltins, ast.StageBuildRequiredCapabilities,
}

func compile(mods map[string]*ast.Module, skip []ast.StageID) (*ast.Compiler, error) {
	c := ast.NewCompiler().
		WithCapabilities(Capabilities()).
		WithEnablePrintStatements(false).
		WithStrict(true)
	if len(skip) > 0 {
		c = c.WithSkipStages(skip...)
	}
	c.Compile(mods)
	if c.Failed() {
		return nil, fmt.Errorf("compile policies: %w", c.Errors)
	}
	return c, nil
}
