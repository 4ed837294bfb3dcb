// Package features embeds earsim's Gherkin features, so the conformance suite
// runs them from the binary without a checkout. The step vocabulary is in
// README.md beside them.
package features

import (
	"embed"
	"io/fs"
)

//go:embed *.feature
var files embed.FS

// FS returns the embedded feature files.
func FS() fs.FS { return files }
