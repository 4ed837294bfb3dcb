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
	"strings"

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

func parseTree(fsys fs.FS, withTests bool) (map[string]*ast.Module, error) {
	mods := map[string]*ast.Module{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || path.Ext(p) != ".rego" || (!withTests && IsTest(p)) {
			return nil
		}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		m, err := ast.ParseModuleWithOpts(p, string(src), ast.ParserOptions{
			RegoVersion:       ast.RegoV1,
			ProcessAnnotation: true,
		})
		if err != nil {
			return err
		}
		mods[p] = m
		return nil
	})
	return mods, err
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
// compiled modules, rule indices and annotations are identical. Safety of
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
