package check_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/earsim/earsim/check"
)

// FuzzCheck: any bytes, as any input kind, with or without --interruptions
// (the high bit of k), give a report or an InputError naming the file;
// never a panic or another error.
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
	// The apply order: a dependency cycle, actions that are not strings, a
	// replacement, references of every shape.
	f.Add([]byte(`{"format_version":"1.2","configuration":{"root_module":{"resources":[{"address":"mongodbatlas_encryption_at_rest.a","depends_on":["mongodbatlas_encryption_at_rest_private_endpoint.b"]},{"address":"mongodbatlas_encryption_at_rest_private_endpoint.b","expressions":{"x":{"references":["mongodbatlas_encryption_at_rest.a",7,"module.m"]}}}],"module_calls":{"m":{"module":{"resources":[]}}}}},"resource_changes":[{"address":"mongodbatlas_encryption_at_rest.a","type":"mongodbatlas_encryption_at_rest","change":{"actions":["update"],"before":{},"after":{}}},{"address":"mongodbatlas_encryption_at_rest_private_endpoint.b","type":"mongodbatlas_encryption_at_rest_private_endpoint","change":{"actions":["delete","create"],"before":{"id":"x"},"after":{}}}]}`), uint8(1))
	f.Add([]byte(`{"format_version":"1.2","resource_changes":[{"type":"mongodbatlas_cluster","change":{"actions":[1,null,"create"],"after":{"provider_instance_size_name":"M10","replication_specs":[{"regions_config":[3]}]}}}]}`), uint8(1))
	for _, p := range []string{"../examples/clean/azure-provider-example-cluster-unordered.json", "../examples/key-02-teardown-deletes-key-before-cmk-off.json"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(0x80)) // windows an interrupted apply opens
	}
	c := checker(f)
	f.Fuzz(func(t *testing.T, data []byte, k uint8) {
		kinds := append([]string{""}, check.Kinds...)
		p := filepath.Join(t.TempDir(), "in")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := c.Files(context.Background(), []string{p}, check.Options{Kind: kinds[int(k&0x7f)%len(kinds)], Interruptions: k&0x80 != 0})
		var ie *check.InputError
		if err != nil && (!errors.As(err, &ie) || ie.File != p) {
			t.Fatalf("error %v is not an InputError naming the file", err)
		}
	})
}

// FuzzSuppressions: any suppressions file is suppressions or an
// InputError naming the file; never a panic (issue 13: every decoder).
func FuzzSuppressions(f *testing.F) {
	f.Add([]byte("- {rule: EAR-IMM-01, resource: \"*\", reason: migration, expires: 2030-01-01}\n"))
	f.Add([]byte("- &a {rule: EAR-PE-06}\n- {<<, *a}\n"))
	f.Add([]byte("- rule: EAR-PN-01\n  resource: mongodbatlas_encryption_at_rest.this\n  reason: x\n  expires: soon\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "suppressions.yaml")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		sups, err := check.LoadSuppressions(p)
		var ie *check.InputError
		switch {
		case err != nil && (!errors.As(err, &ie) || ie.File != p):
			t.Fatalf("error %v is not an InputError naming the file", err)
		case err == nil:
			for _, s := range sups {
				if s.Rule == "" || s.Resource == "" || s.Reason == "" {
					t.Fatalf("a suppression without a required field was accepted: %+v", s)
				}
			}
		}
	})
}
