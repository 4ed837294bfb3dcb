package scenarios

import (
	"embed"
	"io/fs"
	"path"
)

//go:embed *.yaml
var files embed.FS

// Bundled parses the scenarios shipped with earsim, in file name order.
// Their File names read "scenarios/NAME.yaml", as in a checkout.
func Bundled() ([]*Scenario, error) {
	names, err := fs.Glob(files, "*.yaml")
	if err != nil {
		return nil, err
	}
	var out []*Scenario
	for _, n := range names {
		data, err := files.ReadFile(n)
		if err != nil {
			return nil, err
		}
		s, err := Parse(path.Join("scenarios", n), data)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
