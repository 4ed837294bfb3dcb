package main

import "testing"

// --max-memory sizes (issue 12): units as people write them, refusals for
// the rest, and the size written back as it was meant.
func TestByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		back string
	}{
		{"0", 0, "0"},
		{"4GiB", 4 << 30, "4.0GiB"},
		{"1.5GiB", 3 << 29, "1.5GiB"},
		{"512MB", 512e6, "512MB"},
		{"2GB", 2e9, "2GB"},
		{"300M", 300 << 20, "300MiB"},
		{"1048576", 1 << 20, "1MiB"},
	} {
		var n uint64
		if err := (byteSize{&n}).Set(tc.in); err != nil || n != tc.want {
			t.Errorf("Set(%q) = %d, %v; want %d", tc.in, n, err, tc.want)
			continue
		}
		if got := formatBytes(n); got != tc.back {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, tc.back)
		}
	}
	for _, bad := range []string{"", "lots", "-1GB", "GiB", "1e30GB", "4 GiB GiB"} {
		var n uint64 = 7
		if err := (byteSize{&n}).Set(bad); err == nil || n != 7 {
			t.Errorf("Set(%q) accepted (%d)", bad, n)
		}
	}
	if d := defaultMaxMemory(); d < 64<<20 {
		t.Errorf("the default limit, half of this machine's memory, is %d bytes", d)
	}
}
