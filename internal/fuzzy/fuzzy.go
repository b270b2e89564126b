// Package fuzzy measures how far apart two words are, for "did you mean" suggestions: the
// CLI's commands and flags, the spec's paths, the parameters of `ascend api`.
package fuzzy

// Distance is the Levenshtein distance of a and b in runes: how many insertions, deletions
// and substitutions of one character turn a into b.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
