package sandbox

import (
	"maps"
	"strconv"
	"sync"
)

// stats counts the requests served since start or the last reset, so tests and benchmarks
// can assert how many calls a workflow made ("fewest requests" is a design principle), and
// how many of a route were in flight at once (a bound on parallel uploads).
type stats struct {
	mu          sync.Mutex
	byMethod    map[string]int
	byStatus    map[string]int
	byRoute     map[string]int
	inFlight    map[string]int
	maxInFlight map[string]int
}

func (st *stats) reset() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.byMethod, st.byStatus, st.byRoute = map[string]int{}, map[string]int{}, map[string]int{}
	st.inFlight, st.maxInFlight = map[string]int{}, map[string]int{}
}

// enter counts a request of a route in flight until record.
func (st *stats) enter(method, route string) {
	key := method + " " + route
	st.mu.Lock()
	defer st.mu.Unlock()
	st.inFlight[key]++
	st.maxInFlight[key] = max(st.maxInFlight[key], st.inFlight[key])
}

func (st *stats) record(method, route string, status int) {
	key := method + " " + route
	st.mu.Lock()
	defer st.mu.Unlock()
	st.byMethod[method]++
	code := strconv.Itoa(status)
	if status == 0 {
		code = "dropped" // the connection was closed without an answer (a fault)
	}
	st.byStatus[code]++
	st.byRoute[key]++
	if st.inFlight[key] > 0 {
		st.inFlight[key]--
	}
}

// Stats is the body of GET /sandbox/stats.
type Stats struct {
	ByMethod map[string]int `json:"by_method"`
	ByStatus map[string]int `json:"by_status"`
	ByRoute  map[string]int `json:"by_route"`
	// MaxInFlight is, by route, the most requests served at the same time.
	MaxInFlight map[string]int `json:"max_in_flight"`
	// InFlight is how many requests are being served now, not yet counted above: zero once
	// every request received has its answer (or its fault) recorded.
	InFlight int `json:"in_flight"`
}

// Stats returns the request counts since start or the last reset.
func (s *Server) Stats() Stats {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	in := 0
	for _, n := range s.stats.inFlight {
		in += n
	}
	return Stats{ByMethod: maps.Clone(s.stats.byMethod), ByStatus: maps.Clone(s.stats.byStatus), ByRoute: maps.Clone(s.stats.byRoute),
		MaxInFlight: maps.Clone(s.stats.maxInFlight), InFlight: in}
}
