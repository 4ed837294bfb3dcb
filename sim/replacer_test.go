package sim

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// Placeholders and Restorer replace as strings.NewReplacer with the same
// pairs does, on strings made of ids, placeholders, their fragments and
// text, overlapping and adjacent.
func TestPlaceholdersAsNewReplacer(t *testing.T) {
	ids := []string{"65a1b2c3d4e5f60718293a4b", "65a1b2c3d4e5f60718293a4c", "0123456789abcdef01234567", "65a1b2c3d4e5f60718293a4b"[:23] + "0"}
	c := NewCanon()
	for _, id := range ids {
		c.Value("earsim-US_CENTRAL-" + id)
	}
	var holes, back []string
	for i, id := range c.IDList() {
		holes = append(holes, id, placeholder(i))
		back = append(back, placeholder(i), id)
	}
	if len(holes) != 2*len(ids) {
		t.Fatalf("%d ids numbered, want %d", len(holes)/2, len(ids))
	}
	wantHoles, wantBack := strings.NewReplacer(holes...), strings.NewReplacer(back...)
	gotHoles, gotBack := c.Placeholders(), c.Restorer()
	parts := append(append([]string{"", "-", "x", "\x00", "\x001", "1\x00", "\x0010\x00", "65a1", "4b65a1b2", "earsim-"}, ids...), placeholder(0), placeholder(1), placeholder(2), placeholder(3), placeholder(12))
	for _, id := range ids {
		parts = append(parts, id[:12], id[12:])
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 20000; n++ {
		var b strings.Builder
		for k := rng.IntN(6); k >= 0; k-- {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		s := b.String()
		if got, want := gotHoles(s), wantHoles.Replace(s); got != want {
			t.Fatalf("Placeholders(%q) = %q, want %q", s, got, want)
		}
		if got, want := gotBack(s), wantBack.Replace(s); got != want {
			t.Fatalf("Restorer(%q) = %q, want %q", s, got, want)
		}
	}
}
