package examples

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestNoSymlinks: every file under examples/ is a real file, so that a copy
// of a folder (cp -r examples/terraform-v2 somewhere) works on its own, on
// every system and in every archive (issue 25).
func TestNoSymlinks(t *testing.T) {
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			target, _ := os.Readlink(p)
			t.Errorf("examples/%s is a symbolic link (to %s): make it a real file", p, target)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestModulesShareTheirVariables: the provider 2.x module takes the same
// variables as the 1.x one, kept as two copies of one file.
func TestModulesShareTheirVariables(t *testing.T) {
	v1, err := os.ReadFile("terraform/variables.tf")
	if err != nil {
		t.Fatal(err)
	}
	v2, err := os.ReadFile("terraform-v2/variables.tf")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(v1, v2) {
		t.Error("examples/terraform-v2/variables.tf differs from examples/terraform/variables.tf: change both (cp examples/terraform/variables.tf examples/terraform-v2/)")
	}
}
