package spec

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ascend-tools/ascend/internal/fuzzy"
)

// node is one path segment of the routing trie. Literal children are tried before the
// parameter child, so "/v1/apps/{id}/relationships/x" and "/v1/apps/{id}/x" never collide.
type node struct {
	literal map[string]*node
	param   *node
	name    string                // parameter name when this node is a parameter
	ops     map[string]*Operation // by method, at the end of a template
}

func (n *node) insert(op *Operation) {
	cur := n
	for _, seg := range splitPath(op.Path) {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			if cur.param == nil {
				cur.param = &node{name: seg[1 : len(seg)-1]}
			}
			cur = cur.param
			continue
		}
		if cur.literal == nil {
			cur.literal = map[string]*node{}
		}
		next, ok := cur.literal[seg]
		if !ok {
			next = &node{}
			cur.literal[seg] = next
		}
		cur = next
	}
	if cur.ops == nil {
		cur.ops = map[string]*Operation{}
	}
	cur.ops[op.Method] = op
}

// match walks segs and returns the terminal node and the parameter values, preferring literal
// segments and backtracking into the parameter branch when a literal branch dead-ends.
func (n *node) match(segs []string, params []string) (*node, []string) {
	if len(segs) == 0 {
		if n.ops == nil {
			return nil, nil
		}
		return n, params
	}
	seg := segs[0]
	if next, ok := n.literal[seg]; ok {
		if end, p := next.match(segs[1:], params); end != nil {
			return end, p
		}
	}
	if n.param != nil && seg != "" {
		if end, p := n.param.match(segs[1:], append(params, n.param.name, seg)); end != nil {
			return end, p
		}
	}
	return nil, nil
}

// splitPath splits "/v1/apps/1" into ["v1", "apps", "1"]. A trailing slash yields an empty
// last segment, which matches nothing, as at Apple.
func splitPath(p string) []string {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func lookup(path string) ([]string, *node) {
	segs := splitPath(path)
	end, params := load().root.match(segs, nil)
	return params, end
}

// Find resolves a concrete request path ("/v1/apps/123/appInfos", without query) and method
// to its operation and path parameters ({"id": "123"}). ok is false when no operation has
// that method at that path; Methods tells a 404 from a 405.
func Find(method, path string) (*Operation, map[string]string, bool) {
	params, end := lookup(path)
	if end == nil {
		return nil, nil, false
	}
	op, ok := end.ops[strings.ToUpper(method)]
	if !ok {
		return nil, nil, false
	}
	m := make(map[string]string, len(params)/2)
	for i := 0; i+1 < len(params); i += 2 {
		m[params[i]] = params[i+1]
	}
	return op, m, true
}

// Methods returns the methods served at a concrete path, sorted; nil means no such path.
func Methods(path string) []string {
	_, end := lookup(path)
	if end == nil {
		return nil
	}
	out := make([]string, 0, len(end.ops))
	for m := range end.ops {
		out = append(out, m)
	}
	slices.Sort(out)
	return out
}

// Roots returns the API's roots, the first segments of every operation's path with their
// slashes ("/v1/", "/v2/", "/v3/" in spec 4.4.1), sorted. A new version of the API in the spec
// is a new root here, with no list to keep by hand.
func Roots() []string {
	lit := load().root.literal
	out := make([]string, 0, len(lit))
	for seg := range lit {
		out = append(out, "/"+seg+"/")
	}
	slices.Sort(out)
	return out
}

// Suggest returns the known path nearest to path (edit distance over segments, where a
// template parameter matches any segment and a misspelt segment costs less than a wrong one),
// with the caller's ids put back in, for "did you mean" messages. Paths serving method win
// ties. It returns "" when nothing is reasonably close.
func Suggest(method, path string) string {
	segs := splitPath(strings.SplitN(path, "?", 2)[0])
	if len(segs) == 0 {
		return ""
	}
	method = strings.ToUpper(method)
	best, bestCost := "", 0.0
	var bestTmpl []string
	// Operations are sorted by path, so on a tie the first (alphabetically smallest) path wins.
	for i := range load().ops {
		op := &load().ops[i]
		tmpl := splitPath(op.Path)
		cost := segmentDistance(segs, tmpl)
		if op.Method != method {
			cost += 0.25
		}
		if best == "" || cost < bestCost {
			best, bestCost, bestTmpl = op.Path, cost, tmpl
		}
	}
	// Half the segments wrong or more is a different request, not a typo. Counting against the
	// shorter path keeps a template's free {id} from making an unrelated short path "close".
	if bestCost >= float64(min(len(segs), len(bestTmpl)))/2 {
		return ""
	}
	if len(bestTmpl) == len(segs) {
		out := slices.Clone(bestTmpl)
		for i, s := range out {
			if isParam(s) {
				out[i] = segs[i]
			}
		}
		return "/" + strings.Join(out, "/")
	}
	return best
}

func isParam(seg string) bool { return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") }

// segmentDistance is the Levenshtein distance between two segment lists, where substituting
// one segment for another costs its normalised character distance (0 for equal) when that is
// at most one half, and 2 (as much as a deletion plus an insertion) for a segment that is
// mostly different; a template parameter matches any non-empty segment for free.
func segmentDistance(a, tmpl []string) float64 {
	prev := make([]float64, len(tmpl)+1)
	cur := make([]float64, len(tmpl)+1)
	for j := range prev {
		prev[j] = float64(j)
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = float64(i)
		for j := 1; j <= len(tmpl); j++ {
			sub := 0.0
			if t := tmpl[j-1]; isParam(t) {
				if a[i-1] == "" {
					sub = 1
				}
			} else if a[i-1] != t {
				sub = charDistance(a[i-1], t)
				if sub > 0.5 {
					// Mostly different letters: another word, not a misspelling of this one.
					sub = 2
				}
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+sub)
		}
		prev, cur = cur, prev
	}
	return prev[len(tmpl)]
}

// charDistance is the case-insensitive Levenshtein distance of two segments divided by the
// longer length, so "appinfo" vs "appInfos" is a small step.
func charDistance(a, b string) float64 {
	la, lb := strings.ToLower(a), strings.ToLower(b)
	if la == "" || lb == "" {
		return 1
	}
	n := max(utf8.RuneCountInString(la), utf8.RuneCountInString(lb))
	// A case-only difference still costs a little, so the exact path always wins.
	d := float64(fuzzy.Distance(la, lb))
	if d == 0 {
		d = 0.1
	}
	return min(1, d/float64(n))
}
