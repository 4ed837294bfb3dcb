package sim

import "strings"

// Closest returns the name among names that a mistyped one most likely
// meant, for the "did you mean" of error messages at every door: the same
// name in another case, else the nearest within two edits (a swap of two
// neighbouring letters is one edit) that changes less than half of the
// name (ties to the first in lexical order). ok is false when none is that
// near: "tier" is not offered "then".
func Closest(name string, names []string) (best string, ok bool) {
	dist := min(3, (len(name)+1)/2)
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return n, true
		}
		if d := editDistance(strings.ToLower(n), strings.ToLower(name)); d < dist || d == dist && n < best {
			best, dist = n, d
		}
	}
	return best, best != ""
}

// editDistance is the optimal string alignment distance of two strings, in
// bytes: insertions, deletions, substitutions and swaps of neighbours.
func editDistance(a, b string) int {
	var rows [3][]int // rows[i%3] is row i of the table
	for k := range rows {
		rows[k] = make([]int, len(b)+1)
	}
	for j := range rows[0] {
		rows[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur, prev, pp := rows[i%3], rows[(i-1)%3], rows[(i+1)%3] // (i+1)%3 == (i-2)%3
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], pp[j-2]+1)
			}
		}
	}
	return rows[len(a)%3][len(b)]
}
