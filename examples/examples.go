// Package examples holds the inputs `earsim check` is shown on: Terraform
// plans (provider 1.x and 2.x shapes), desired states and Atlas requests,
// clean and violating, each with its golden findings under expected/.
// earsim demo checks the embedded copy.
package examples

import (
	"embed"
	"io/fs"
	"path"
	"strings"
)

//go:embed *.json clean/*.json state/*.yaml requests/*.json expected/*.json
var files embed.FS

// FS returns the examples, paths relative to this folder.
func FS() fs.FS { return files }

// Inputs lists every example input, in a stable order.
func Inputs() []string {
	var out []string
	for _, pat := range []string{"*.json", "clean/*.json", "state/*.yaml", "requests/*.json"} {
		m, _ := fs.Glob(files, pat)
		out = append(out, m...)
	}
	return out
}

// Golden is where an input's expected findings live (relative to this
// folder): expected/<path with / as __>.json.
func Golden(input string) string {
	rel := strings.TrimSuffix(input, path.Ext(input))
	return path.Join("expected", strings.ReplaceAll(rel, "/", "__")+".json")
}

// Clean reports whether an example is meant to pass the check.
func Clean(input string) bool { return strings.Contains(input, "clean") }
