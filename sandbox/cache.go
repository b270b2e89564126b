package sandbox

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// stateLock is the Server's state mutex. Every exclusive Lock bumps a write counter, so
// whatever was rendered under an older count is known to be stale without each write path
// saying what it changed (families change records in place). Reads (RLock) leave it alone:
// a read sees one count from start to end.
type stateLock struct {
	sync.RWMutex
	writes atomic.Uint64
}

func (l *stateLock) Lock() {
	l.RWMutex.Lock()
	l.writes.Add(1)
}

// gen is the write count the caller's view of the state belongs to. Callers hold the lock.
func (l *stateLock) gen() uint64 { return l.writes.Load() }

// renderCache holds, for one write count, the encodings of stored resources and the
// answers of lists, so that repeated reads of unchanged state send bytes already made. A
// write (any exclusive lock) empties it at the next read. Computed resources are never
// cached: their record is made anew on every lookup.
type renderCache struct {
	mu    sync.RWMutex
	gen   uint64
	res   map[resKey]*rendered
	lists map[string]rawJSON
	size  int // bytes held, to bound the cache
}

// maxCacheBytes bounds what one write count may hold; past it the cache starts over.
const maxCacheBytes = 64 << 20

// resKey names one rendering of a resource: the variant is everything besides the record
// that shapes it (base URL, declared schema, include, include limits, fields).
type resKey struct {
	typ, id, variant string
}

// rendered is a resource's encoding and the resources its linkage put in included (in
// order), replayed on a hit so the answer's included is the same as an uncached render's.
type rendered struct {
	rec  *record
	data []byte
	refs [][2]string
}

// reset empties the cache for write count gen, when it holds another one. Callers hold c.mu.
func (c *renderCache) resetLocked(gen uint64) {
	if c.gen == gen && c.res != nil && c.size <= maxCacheBytes {
		return
	}
	c.gen, c.size = gen, 0
	c.res = map[resKey]*rendered{}
	c.lists = map[string]rawJSON{}
}

func (c *renderCache) resource(gen uint64, k resKey) *rendered {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.gen != gen {
		return nil
	}
	return c.res[k]
}

func (c *renderCache) putResource(gen uint64, k resKey, e *rendered) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resetLocked(gen)
	c.res[k] = e
	c.size += len(e.data) + len(k.variant) + 64
}

func (c *renderCache) list(gen uint64, key string) (rawJSON, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.gen != gen {
		return nil, false
	}
	doc, ok := c.lists[key]
	return doc, ok
}

func (c *renderCache) putList(gen uint64, key string, doc rawJSON) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resetLocked(gen)
	c.lists[key] = doc
	c.size += len(doc) + len(key)
}

// cacheOn tells whether reads use the render cache (tests turn it off to get an uncached
// render to compare with).
func (s *Server) cacheOn() bool { return !s.noRenderCache.Load() }

// variant is the part of a resource cache key that comes from the request: everything
// besides the record that changes its encoding. Computed once per renderer.
func (rd *renderer) variant() string {
	if rd.variantKey != "" {
		return rd.variantKey
	}
	var b strings.Builder
	b.WriteString(rd.base)
	b.WriteByte('|')
	if rd.dataSchema != nil {
		b.WriteString(rd.dataSchema.Schema)
	}
	b.WriteByte('|')
	for _, name := range slices.Sorted(maps.Keys(rd.lo.incLimit)) {
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(strconv.Itoa(rd.lo.incLimit[name]))
		b.WriteByte(';')
	}
	b.WriteByte('|')
	for _, typ := range slices.Sorted(maps.Keys(rd.lo.fields)) {
		b.WriteString(typ)
		b.WriteByte('=')
		b.WriteString(strings.Join(rd.lo.fields[typ], ","))
		b.WriteByte(';')
	}
	rd.variantKey = b.String()
	return rd.variantKey
}
