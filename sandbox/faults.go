package sandbox

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"time"
)

// Faults are the failures and delays the sandbox injects, so clients' retries, backoff and
// timeouts can be exercised offline. Rates are probabilities between 0 and 1 per request.
type Faults struct {
	// Latency is added before every API answer, plus up to Jitter at random.
	Latency time.Duration
	Jitter  time.Duration
	// Rate500 and Rate503 answer that share of API requests with 500 UNEXPECTED_ERROR or 503.
	Rate500 float64
	Rate503 float64
	// DropRate closes that share of connections without an answer.
	DropRate float64
	// UploadPartDelay slows each upload part (presigned-URL PUT) by this much.
	UploadPartDelay time.Duration
}

// faultsJSON is the wire form of Faults for POST /sandbox/faults: durations in milliseconds.
type faultsJSON struct {
	LatencyMS         *float64 `json:"latency_ms,omitempty"`
	JitterMS          *float64 `json:"jitter_ms,omitempty"`
	Rate500           *float64 `json:"rate_500,omitempty"`
	Rate503           *float64 `json:"rate_503,omitempty"`
	DropRate          *float64 `json:"drop_rate,omitempty"`
	UploadPartDelayMS *float64 `json:"upload_part_delay_ms,omitempty"`
}

func ms(d time.Duration) *float64 { v := float64(d) / float64(time.Millisecond); return &v }

// MarshalJSON writes durations as milliseconds, the form POST /sandbox/faults accepts.
func (f Faults) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultsJSON{
		LatencyMS: ms(f.Latency), JitterMS: ms(f.Jitter), Rate500: &f.Rate500, Rate503: &f.Rate503,
		DropRate: &f.DropRate, UploadPartDelayMS: ms(f.UploadPartDelay),
	})
}

// apply updates only the fields present in the request, so a test can turn one fault on
// without restating the others.
func (f *Faults) apply(j faultsJSON) {
	dur := func(v *float64, d *time.Duration) {
		if v != nil {
			*d = time.Duration(*v * float64(time.Millisecond))
		}
	}
	dur(j.LatencyMS, &f.Latency)
	dur(j.JitterMS, &f.Jitter)
	dur(j.UploadPartDelayMS, &f.UploadPartDelay)
	for _, p := range []struct {
		v *float64
		d *float64
	}{{j.Rate500, &f.Rate500}, {j.Rate503, &f.Rate503}, {j.DropRate, &f.DropRate}} {
		if p.v != nil {
			*p.d = min(max(*p.v, 0), 1)
		}
	}
}

// SetFaults replaces the injected faults.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
}

func (s *Server) currentFaults() Faults {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.faults
}

// sleep waits d or until the request is abandoned.
func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (f Faults) delay() time.Duration {
	d := f.Latency
	if f.Jitter > 0 {
		d += rand.N(f.Jitter)
	}
	return d
}

// latency is the wait before an API answer: Options.Latency (plus up to LatencyJitter),
// then the current faults' latency on top.
func (s *Server) latency(f Faults) time.Duration {
	d := s.opts.Latency + f.delay()
	if s.opts.LatencyJitter > 0 {
		d += rand.N(s.opts.LatencyJitter)
	}
	return d
}
