package sandbox

import (
	"maps"
	"strconv"
	"sync"
)

// stats counts the requests served since start or the last reset, so tests and benchmarks
// can assert how many calls a workflow made ("fewest requests" is a design principle).
type stats struct {
	mu       sync.Mutex
	byMethod map[string]int
	byStatus map[string]int
	byRoute  map[string]int
}

func (st *stats) reset() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.byMethod, st.byStatus, st.byRoute = map[string]int{}, map[string]int{}, map[string]int{}
}

func (st *stats) record(method, route string, status int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.byMethod[method]++
	code := strconv.Itoa(status)
	if status == 0 {
		code = "dropped" // the connection was closed without an answer (a fault)
	}
	st.byStatus[code]++
	st.byRoute[method+" "+route]++
}

// Stats is the body of GET /sandbox/stats.
type Stats struct {
	ByMethod map[string]int `json:"by_method"`
	ByStatus map[string]int `json:"by_status"`
	ByRoute  map[string]int `json:"by_route"`
}

// Stats returns the request counts since start or the last reset.
func (s *Server) Stats() Stats {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	return Stats{ByMethod: maps.Clone(s.stats.byMethod), ByStatus: maps.Clone(s.stats.byStatus), ByRoute: maps.Clone(s.stats.byRoute)}
}
