package sim

import "strings"

// Closest returns the name among names that a mistyped one most likely
// meant, for the "did you mean" of error messages at every door: the same
// name in another case, else the nearest within two edits (ties to the
// first in lexical order). ok is false when none is that near.
func Closest(name string, names []string) (best string, ok bool) {
	dist := 3
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

// editDistance is the Levenshtein distance of two strings, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
