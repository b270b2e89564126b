package metadata

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/asc/upload"
)

// ApplyOptions tune a push.
type ApplyOptions struct {
	// Concurrency bounds the writes in flight; the client's rate budget paces them further.
	// Zero means 8.
	Concurrency int
	// OnWrite, when set, is called after each write succeeds (from several goroutines).
	OnWrite func(w *Op)
}

// Result counts what a push did.
type Result struct {
	Writes   int // successful writes
	Requests int // every request sent, reads for reconciliation included
}

// Apply sends the plan's writes, several at a time. A failed create is never simply sent
// again: the resource is read back first and updated if the failed attempt did create it.
// Every write is attempted; the errors of those that failed are returned together.
func Apply(ctx context.Context, c *asc.Client, p *Plan, opts ApplyOptions) (Result, error) {
	if len(p.Problems) > 0 {
		return Result{}, &ValidationError{Dir: "the plan", Problems: p.Problems}
	}
	n := opts.Concurrency
	if n <= 0 {
		n = 8
	}
	var (
		writes, requests atomic.Int64
		mu               sync.Mutex
		errs             []error
		written          []*Op
		wg               sync.WaitGroup
		// At most n writes in flight; the client's rate budget paces them to the rate limit.
		inFlight = make(chan struct{}, n)
	)
	for _, w := range p.Writes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case inFlight <- struct{}{}:
			case <-ctx.Done():
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s (%s): %w", w.Describe(), w.Files(), ctx.Err()))
				mu.Unlock()
				return
			}
			reqs, err := applyWrite(ctx, c, w)
			<-inFlight
			requests.Add(int64(reqs))
			if err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s (%s): %w", w.Describe(), w.Files(), err))
				mu.Unlock()
				return
			}
			mu.Lock()
			written = append(written, w)
			mu.Unlock()
			writes.Add(1)
			if opts.OnWrite != nil {
				opts.OnWrite(w)
			}
		}()
	}
	wg.Wait()
	res := Result{Writes: int(writes.Load()), Requests: int(requests.Load())}
	if len(errs) == 0 {
		return res, nil
	}
	slices.SortFunc(written, func(a, b *Op) int { return strings.Compare(a.Files(), b.Files()) })
	return res, &PartialError{Total: len(p.Writes), Written: written, Failed: errs}
}

// PartialError is a push that did not finish: it says which files App Store Connect took and
// which it did not, so that nobody has to guess; pushing again sends only what is missing.
type PartialError struct {
	Total   int
	Written []*Op
	Failed  []error // one per failed write, naming it and its files
}

func (e *PartialError) Error() string {
	done := "none"
	if len(e.Written) > 0 {
		files := make([]string, len(e.Written))
		for i, w := range e.Written {
			files[i] = w.Files()
		}
		done = strings.Join(files, ", ")
	}
	failed := make([]string, len(e.Failed))
	for i, err := range e.Failed {
		failed[i] = err.Error()
	}
	return fmt.Sprintf("%d of %d writes done; written: %s; not written: %s",
		len(e.Written), e.Total, done, strings.Join(failed, "; "))
}

// Unwrap gives errors.As the failures' causes (an *asc.ErrorResponse, a context error...).
func (e *PartialError) Unwrap() []error { return e.Failed }

// applyWrite sends one write and returns the requests it made. A failed create is never
// simply sent again: the resource is read back first and updated if the failed attempt did
// create it.
func applyWrite(ctx context.Context, c *asc.Client, w *Op) (int, error) {
	if w.Method != http.MethodPost {
		// PATCH is idempotent; the client retries it on its own.
		_, err := w.send(ctx, c)
		return 1, err
	}
	reqs := 0
	for attempt := 1; ; attempt++ {
		reqs++
		id, err := w.send(ctx, c)
		if err == nil {
			w.ID = id
			return reqs, nil
		}
		kind := upload.ClassifyCreate(err)
		if kind == upload.CreateFinal || attempt >= upload.MaxCreateAttempts || ctx.Err() != nil {
			return reqs, err
		}
		sleep(ctx, upload.RetryDelay(err, attempt))
		if kind == upload.CreateRetry {
			continue // a 429 took no effect
		}
		// Read back before creating again: the failed attempt may have created it.
		reqs++
		id, ferr := w.find(ctx, c)
		if ferr != nil {
			return reqs, errors.Join(err, fmt.Errorf("read back after a failed create: %w", ferr))
		}
		if id == "" {
			continue
		}
		w.ID = id
		reqs++
		return reqs, w.update(ctx, c, id)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
