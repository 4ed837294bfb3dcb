package check_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/earsim/earsim/check"
)

// FuzzCheck: any bytes, as any input kind, give a report or an InputError
// naming the file; never a panic or another error.
func FuzzCheck(f *testing.F) {
	for _, p := range []string{"../examples/imm-01-vault-rename.json", "../examples/state/multi-region-gap.yaml", "../examples/requests/disable-private-networking.json"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(0))
	}
	f.Add([]byte(`{"format_version":"1.2","resource_changes":[{"type":"mongodbatlas_encryption_at_rest","change":{"actions":["update"],"before":1,"after":"x"}}]}`), uint8(1))
	f.Add([]byte(`{"op":"CreateCluster","project":{"clusters":7},"request":{"cluster":[]}}`), uint8(3))
	c := checker(f)
	f.Fuzz(func(t *testing.T, data []byte, k uint8) {
		kinds := append([]string{""}, check.Kinds...)
		p := filepath.Join(t.TempDir(), "in")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := c.Files(context.Background(), []string{p}, check.Options{Kind: kinds[int(k)%len(kinds)]})
		var ie *check.InputError
		if err != nil && (!errors.As(err, &ie) || ie.File != p) {
			t.Fatalf("error %v is not an InputError naming the file", err)
		}
	})
}
