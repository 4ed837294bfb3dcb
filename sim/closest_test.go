package sim

import "testing"

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"", "abc", 3}, {"abc", "", 3}, {"abc", "abc", 0},
		{"fromat", "format", 1}, {"dpeth", "depth", 1}, {"regoinname", "regionname", 1},
		{"kitten", "sitting", 3}, {"tier", "then", 2}, {"ca", "abc", 3},
	} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// "Did you mean" offers a name only when it is near (issue 12).
func TestClosest(t *testing.T) {
	names := []string{"depth", "format", "regionName", "then", "DeletePrivateEndpoint", "seed"}
	for _, tc := range []struct{ in, want string }{
		{"dpeth", "depth"}, {"fromat", "format"}, {"regoinName", "regionName"}, {"REGIONNAME", "regionName"},
		{"DeletePrivateEndpont", "DeletePrivateEndpoint"}, {"sed", "seed"},
		{"tier", ""}, {"x", ""}, {"zzzzzz", ""},
	} {
		got, ok := Closest(tc.in, names)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("Closest(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}
