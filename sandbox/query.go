package sandbox

import (
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	defaultPageLimit    = 50 // a list without limit answers this many
	defaultIncludeLimit = 10 // to-many relationships in include, as Apple's meta.paging shows
)

// listOptions are the parsed query parameters that shape a list or a read.
type listOptions struct {
	include  []string
	incLimit map[string]int
	fields   map[string][]string // type -> names; absent: all
}

func parseListOptions(q url.Values) listOptions {
	lo := listOptions{incLimit: map[string]int{}, fields: map[string][]string{}}
	if v := q.Get("include"); v != "" {
		lo.include = splitList(v)
	}
	for name, vals := range q {
		if inner, ok := bracket(name, "limit"); ok && len(vals) > 0 {
			if n, err := strconv.Atoi(vals[0]); err == nil {
				lo.incLimit[inner] = n
			}
		}
		if inner, ok := bracket(name, "fields"); ok && len(vals) > 0 {
			lo.fields[inner] = splitList(vals[0])
		}
	}
	return lo
}

// bracket splits "filter[app]" into "app" when the prefix matches.
func bracket(name, prefix string) (string, bool) {
	if !strings.HasPrefix(name, prefix+"[") || !strings.HasSuffix(name, "]") {
		return "", false
	}
	return name[len(prefix)+1 : len(name)-1], true
}

func splitList(v string) []string {
	var out []string
	for p := range strings.SplitSeq(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// filterRecords keeps the records that match every filter[...] and exists[...] parameter.
// Filters name an attribute, a relationship (its ids), "id", or a dotted path through a
// relationship ("appStoreVersions.appStoreState"); values are comma-separated alternatives.
func (s *Server) filterRecords(items []*record, q url.Values) []*record {
	type cond struct {
		path   []string
		values []string
		exists *bool
	}
	var conds []cond
	for name, vals := range q {
		if len(vals) == 0 {
			continue
		}
		if inner, ok := bracket(name, "filter"); ok {
			conds = append(conds, cond{path: strings.Split(inner, "."), values: splitList(vals[0])})
		}
		if inner, ok := bracket(name, "exists"); ok {
			b := vals[0] == "true"
			conds = append(conds, cond{path: strings.Split(inner, "."), exists: &b})
		}
	}
	if len(conds) == 0 {
		return items
	}
	out := make([]*record, 0, len(items))
	for _, r := range items {
		ok := true
		for _, c := range conds {
			if c.exists != nil {
				if (len(r.Rels[c.path[0]]) > 0) != *c.exists {
					ok = false
				}
			} else if !s.matchPath(r, c.path, c.values) {
				ok = false
			}
			if !ok {
				break
			}
		}
		if ok {
			out = append(out, r)
		}
	}
	return out
}

func (s *Server) matchPath(r *record, path []string, values []string) bool {
	name := path[0]
	if len(path) == 1 {
		if name == "id" {
			return slices.Contains(values, r.ID)
		}
		if v, ok := r.Attrs[name]; ok {
			return matchValue(v, values)
		}
		if ids, ok := r.Rels[name]; ok {
			for _, id := range ids {
				if slices.Contains(values, id) {
					return true
				}
			}
			return false
		}
		if _, isRel := s.mdl.relation(r.Type, name); isRel {
			return false
		}
		if attr, op, ok := rangeFilter(name); ok && len(values) > 0 {
			v, has := r.Attrs[attr]
			if !has || v == nil {
				return false
			}
			c := compareValues(v, values[0])
			switch op {
			case "GreaterThanOrEqualTo":
				return c >= 0
			case "GreaterThan":
				return c > 0
			case "LessThanOrEqualTo":
				return c <= 0
			default:
				return c < 0
			}
		}
		if rt := s.mdl.resource(r.Type); rt != nil {
			if _, isAttr := rt.Attributes[name]; isAttr {
				return false // attribute unset: matches no value
			}
		}
		return true // a filter the store cannot evaluate narrows nothing
	}
	for _, rel := range s.st.related(r, name) {
		if s.matchPath(rel, path[1:], values) {
			return true
		}
	}
	return false
}

func matchValue(v any, values []string) bool {
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			if matchValue(x, values) {
				return true
			}
		}
		return false
	case nil:
		return false
	default:
		return slices.Contains(values, scalarString(v))
	}
}

func scalarString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	default:
		return fmt.Sprint(v)
	}
}

// sortRecords orders by the sort parameter ("name,-version"); ties keep creation order.
// Each record's sort values are prepared once (timestamps parsed, numbers and version parts
// read) rather than in every comparison: a 500-build list sorted by uploadedDate parsed
// each date about eighteen times.
func sortRecords(items []*record, sortParam string) []*record {
	keys := splitList(sortParam)
	if len(keys) == 0 {
		return items
	}
	desc := make([]bool, len(keys))
	for i, k := range keys {
		desc[i] = strings.HasPrefix(k, "-")
		keys[i] = strings.TrimPrefix(k, "-")
	}
	type keyed struct {
		r    *record
		vals []sortValue
	}
	rows := make([]keyed, len(items))
	vals := make([]sortValue, len(items)*len(keys))
	for i, r := range items {
		row := vals[i*len(keys) : (i+1)*len(keys) : (i+1)*len(keys)]
		for j, k := range keys {
			if k == "id" {
				row[j] = sortValue{str: r.ID, plain: true}
			} else {
				row[j] = prepareSortValue(r.Attrs[k])
			}
		}
		rows[i] = keyed{r: r, vals: row}
	}
	slices.SortStableFunc(rows, func(a, b keyed) int {
		for j := range keys {
			c := a.vals[j].compare(&b.vals[j])
			if desc[j] {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	out := make([]*record, len(rows))
	for i, row := range rows {
		out[i] = row.r
	}
	return out
}

// sortValue is an attribute value read once for sorting, with what compareValues would
// work out of it each time: the same order, prepared.
type sortValue struct {
	isNil  bool
	isNum  bool // a JSON number
	num    float64
	str    string // scalarString of the value
	plain  bool   // compare str as it is (ids)
	isTime bool
	t      time.Time
	isFlt  bool // str reads as a number ("10")
	flt    float64
	nParts int   // dot-separated parts of str
	parts  []int // the leading parts that read as integers
}

func prepareSortValue(v any) sortValue {
	if v == nil {
		return sortValue{isNil: true}
	}
	sv := sortValue{}
	if f, ok := v.(float64); ok {
		sv.isNum, sv.num = true, f
	}
	sv.str = scalarString(v)
	sv.t, sv.isTime = parseAppleTime(sv.str)
	if f, err := strconv.ParseFloat(sv.str, 64); err == nil {
		sv.isFlt, sv.flt = true, f
	}
	sv.nParts = strings.Count(sv.str, ".") + 1
	for p := range strings.SplitSeq(sv.str, ".") {
		n, err := strconv.Atoi(p)
		if err != nil {
			break
		}
		sv.parts = append(sv.parts, n)
	}
	return sv
}

// compare is compareValues of the two values prepared.
func (a *sortValue) compare(b *sortValue) int {
	if a.plain || b.plain {
		return cmp.Compare(a.str, b.str)
	}
	switch {
	case a.isNil && b.isNil:
		return 0
	case a.isNil:
		return -1
	case b.isNil:
		return 1
	}
	if a.isNum && b.isNum {
		return cmp.Compare(a.num, b.num)
	}
	if a.isTime && b.isTime {
		return a.t.Compare(b.t)
	}
	if a.isFlt && b.isFlt {
		return cmp.Compare(a.flt, b.flt)
	}
	if c, ok := a.compareVersion(b); ok {
		return c
	}
	return cmp.Compare(a.str, b.str)
}

// compareVersion is compareVersions on prepared parts: part by part until one differs; a
// part that is not a number before then makes them not versions.
func (a *sortValue) compareVersion(b *sortValue) (int, bool) {
	if a.nParts < 2 && b.nParts < 2 {
		return 0, false
	}
	for i := range max(a.nParts, b.nParts) {
		var x, y int
		if i < a.nParts {
			if i >= len(a.parts) {
				return 0, false
			}
			x = a.parts[i]
		}
		if i < b.nParts {
			if i >= len(b.parts) {
				return 0, false
			}
			y = b.parts[i]
		}
		if c := cmp.Compare(x, y); c != 0 {
			return c, true
		}
	}
	return 0, true
}

func compareValues(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	af, aok := a.(float64)
	bf, bok := b.(float64)
	if aok && bok {
		return cmp.Compare(af, bf)
	}
	as, bs := scalarString(a), scalarString(b)
	// Timestamps in Apple's several forms (and a client's RFC 3339) compare as instants.
	if ta, ok := parseAppleTime(as); ok {
		if tb, ok := parseAppleTime(bs); ok {
			return ta.Compare(tb)
		}
	}
	// Build numbers ("9" before "10") compare as numbers.
	if x, err := strconv.ParseFloat(as, 64); err == nil {
		if y, err := strconv.ParseFloat(bs, 64); err == nil {
			return cmp.Compare(x, y)
		}
	}
	// Version strings ("1.10" after "1.9") compare by their numeric parts.
	if c, ok := compareVersions(as, bs); ok {
		return c
	}
	return cmp.Compare(as, bs)
}

func compareVersions(a, b string) (int, bool) {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	if len(pa) < 2 && len(pb) < 2 {
		return 0, false
	}
	for i := range max(len(pa), len(pb)) {
		var x, y int
		var err error
		if i < len(pa) {
			if x, err = strconv.Atoi(pa[i]); err != nil {
				return 0, false
			}
		}
		if i < len(pb) {
			if y, err = strconv.Atoi(pb[i]); err != nil {
				return 0, false
			}
		}
		if c := cmp.Compare(x, y); c != 0 {
			return c, true
		}
	}
	return 0, true
}

// Cursors look like Apple's ("Ag.GYoEMQ"): an offset and a check, opaque to clients. The
// check binds the cursor to the list it came from, so a cursor pasted onto another list is
// refused rather than silently skipping items.
func encodeCursor(offset int, scope string) string {
	b := binary.AppendUvarint(nil, uint64(offset))
	sum := sha256.Sum256(fmt.Appendf(nil, "%d|%s", offset, scope))
	return base64.RawURLEncoding.EncodeToString(b) + "." + base64.RawURLEncoding.EncodeToString(sum[:4])
}

func decodeCursor(c, scope string) (int, bool) {
	head, check, ok := strings.Cut(c, ".")
	if !ok {
		return 0, false
	}
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return 0, false
	}
	off, n := binary.Uvarint(b)
	if n <= 0 || off > 1<<31 {
		return 0, false
	}
	if encodeCursor(int(off), scope) != head+"."+check {
		return 0, false
	}
	return int(off), true
}

func badCursor() *httpError {
	return errResp(http.StatusBadRequest, newError(http.StatusBadRequest, "PARAMETER_ERROR.INVALID", titleParameter,
		"The cursor is not valid for this request; follow links.next from the previous page.").parameter("cursor"))
}

// page cuts one page out of a list and builds the links and paging meta Apple sends.
func (s *Server) page(req *apiRequest, items []*record) ([]*record, map[string]any, map[string]any, *httpError) {
	start, end, links, meta, herr := s.pageRange(req, len(items))
	if herr != nil {
		return nil, nil, nil, herr
	}
	return items[start:end], links, meta, nil
}

// pageOf is page for a list of n things that are not records: the indexes of the page.
func (s *Server) pageOf(req *apiRequest, n int) ([]int, map[string]any, map[string]any, *httpError) {
	start, end, links, meta, herr := s.pageRange(req, n)
	if herr != nil {
		return nil, nil, nil, herr
	}
	idx := make([]int, 0, end-start)
	for i := start; i < end; i++ {
		idx = append(idx, i)
	}
	return idx, links, meta, nil
}

// pageRange is the part [start, end) of a list of total items the request's page holds,
// with the links and paging meta Apple sends.
func (s *Server) pageRange(req *apiRequest, total int) (int, int, map[string]any, map[string]any, *httpError) {
	limit := defaultPageLimit
	if v := req.query.Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v)
	}
	if m := maxLimit(req.op); m > 0 && limit > m {
		limit = m
	}
	limit = max(limit, 1)
	scope := req.r.URL.Path
	offset := 0
	if req.cursor != "" {
		off, ok := decodeCursor(req.cursor, scope)
		if !ok {
			return 0, 0, nil, nil, badCursor()
		}
		offset = off
	}
	end := min(offset+limit, total)
	start := min(offset, end)
	links := map[string]any{"self": req.base + req.r.URL.RequestURI()}
	paging := map[string]any{"total": total, "limit": limit}
	if end < total {
		next := encodeCursor(end, scope)
		q := url.Values(maps.Clone(req.query))
		q.Set("cursor", next)
		q.Set("limit", strconv.Itoa(limit))
		links["next"] = req.base + req.r.URL.Path + "?" + q.Encode()
		paging["nextCursor"] = next
	}
	return start, end, links, map[string]any{"paging": paging}, nil
}

func maxLimit(op *Operation) int {
	for _, p := range op.Params {
		if p.Name == "limit" {
			return p.Maximum
		}
	}
	return 0
}

// rangeFilter splits Apple's range filters ("createdDateGreaterThanOrEqualTo") into the
// attribute and the comparison.
func rangeFilter(name string) (attr, op string, ok bool) {
	for _, op := range []string{"GreaterThanOrEqualTo", "LessThanOrEqualTo", "GreaterThan", "LessThan"} {
		if a, found := strings.CutSuffix(name, op); found && a != "" {
			return a, op, true
		}
	}
	return "", "", false
}
