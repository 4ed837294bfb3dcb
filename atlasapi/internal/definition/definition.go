// Package definition finds the official Atlas Administration API definition
// that the official Go SDK modules ship (openapi/atlas-api.yaml), for the
// generator of the mock's version table and for the tests that validate its
// answers. It downloads the modules through the module proxy when they are
// not in the module cache yet.
package definition

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
)

// Modules are the SDK modules whose definitions the table is made from.
var Modules = []string{
	"go.mongodb.org/atlas-sdk/v20231115014@v20231115014.0.0",
	"go.mongodb.org/atlas-sdk/v20240530005@v20240530005.0.0",
	"go.mongodb.org/atlas-sdk/v20240805005@v20240805005.0.0",
	"go.mongodb.org/atlas-sdk/v20241113005@v20241113005.0.0",
	"go.mongodb.org/atlas-sdk/v20250312010@v20250312010.0.0",
	"go.mongodb.org/atlas-sdk/v20250312020@v20250312020.0.0",
}

// Files returns the path of each module's atlas-api.yaml, in the order of
// Modules.
func Files() ([]string, error) {
	var paths []string
	for _, m := range Modules {
		cmd := exec.Command("go", "mod", "download", "-json", m)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("go mod download %s: %v: %s", m, err, stderr.String())
		}
		var info struct{ Dir, Error string }
		if err := json.Unmarshal(stdout.Bytes(), &info); err != nil || info.Dir == "" {
			return nil, fmt.Errorf("go mod download %s: %s", m, info.Error)
		}
		paths = append(paths, filepath.Join(info.Dir, "openapi", "atlas-api.yaml"))
	}
	return paths, nil
}
