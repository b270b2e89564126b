package sandbox

import (
	"fmt"
	"slices"
	"time"
)

// timer is an event due at a point of the sandbox clock for a resource's machine: an asset
// finishing processing, a review moving on (the "then" and "after" of a transition).
// Timers live in the state, so they survive restarts.
type timer struct {
	At     time.Time `json:"at"`
	Type   string    `json:"type"`
	ID     string    `json:"id"`
	Action string    `json:"action"` // the event
}

// schedule adds a timer d after the current state clock, or, while a timer fires, after
// that timer's time: a clock moved two steps at once (or a restart after a long pause)
// then runs both steps, as the real service would have. Callers hold s.mu.
func (s *Server) schedule(d time.Duration, r *record, action string) {
	base := s.stateNow()
	if !s.firing.IsZero() {
		base = s.firing
	}
	t := timer{At: base.Add(d), Type: r.Type, ID: r.ID, Action: action}
	i, _ := slices.BinarySearchFunc(s.timers, t, func(a, b timer) int { return a.At.Compare(b.At) })
	s.timers = slices.Insert(s.timers, i, t)
	s.stateDirty = true
}

// legacyTimers are the actions timers had before the families' machines named their
// events; a state file saved then still holds them.
var legacyTimers = map[string]string{
	"asset.process": "processed", "build.valid": "processed", "phased.day": "day",
	"review.start": "start", "review.finish": "finish", "review.cancel": "canceled",
	"beta.start": "start", "beta.finish": "finish",
}

// renameLegacyTimers gives timers loaded from an older state file their events' names. The
// one timer of an in-app purchase's review was sent twice: it starts or finishes the review.
func (s *Server) renameLegacyTimers() {
	for i, t := range s.timers {
		if ev, ok := legacyTimers[t.Action]; ok {
			s.timers[i].Action = ev
		} else if t.Action == "product.review" {
			s.timers[i].Action = "start"
			if r := s.st.get(t.Type, t.ID); r != nil && r.str("state") == "IN_REVIEW" {
				s.timers[i].Action = "finish"
			}
		}
	}
}

// runDueLocked fires every timer whose time has come, in order. It runs before each API
// request and on a ticker, so state machines move with the clock whether or not anyone asks.
func (s *Server) runDueLocked() {
	now := s.stateNow()
	fired := false
	for len(s.timers) > 0 && !s.timers[0].At.After(now) {
		t := s.timers[0]
		s.timers = s.timers[1:]
		fired = true
		if r := s.st.get(t.Type, t.ID); r != nil {
			s.firing = t.At
			s.fire(r, t.Action)
			s.firing = time.Time{}
			s.markDirty(r)
		}
	}
	if fired {
		s.stateDirty = true
		if err := s.flushLocked(); err != nil {
			s.log.Error("sandbox: save state", "err", err)
		}
	}
}

// runDueIfNeeded runs timers only when one has come due, so reads take the exclusive
// lock only when something has to change.
func (s *Server) runDueIfNeeded() {
	s.mu.RLock()
	due := len(s.timers) > 0 && !s.timers[0].At.After(s.stateNow())
	s.mu.RUnlock()
	if due {
		s.runDue()
	}
}

func (s *Server) runDue() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runDueLocked()
}

// tick drives timers in real time until Close.
func (s *Server) tick() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
			// Only when a timer is due: an exclusive lock counts as a write and would
			// empty the render cache ten times a second.
			s.runDueIfNeeded()
		}
	}
}

func (s *Server) markDirty(r *record) {
	if s.persist == nil {
		return
	}
	if s.dirty == nil {
		s.dirty = map[*record]bool{}
	}
	s.dirty[r] = true
}

// removeLocked deletes a record and everything it owns; the store tells storeChanged of
// each record removed or detached, for the state file.
func (s *Server) removeLocked(r *record) {
	// Related records lose their back-references; they must be saved again.
	for rel := range r.Rels {
		for _, other := range s.st.related(r, rel) {
			s.markDirty(other)
		}
	}
	s.st.remove(r)
}

// storeChanged is the store's change hook: records added, linked, unlinked or removed are
// saved (or deleted) at the next flush, whichever code path changed them.
func (s *Server) storeChanged(r *record, removed bool) {
	if s.persist == nil {
		return
	}
	if !removed {
		s.markDirty(r)
		return
	}
	delete(s.dirty, r)
	s.removed = append(s.removed, [2]string{r.Type, r.ID})
}

// newStore makes an empty store whose changes reach the state file.
func (s *Server) newStore() *store {
	st := newStore(s.mdl)
	st.changed = s.storeChanged
	return st
}

// flushLocked writes pending changes to the state file, if there is one.
func (s *Server) flushLocked() error {
	if s.persist == nil || (len(s.dirty) == 0 && len(s.removed) == 0 && !s.stateDirty) {
		return nil
	}
	changed := make([]*record, 0, len(s.dirty))
	for r := range s.dirty {
		if s.st.get(r.Type, r.ID) == r {
			changed = append(changed, r)
		}
	}
	removed := slices.DeleteFunc(s.removed, func(k [2]string) bool { return s.st.get(k[0], k[1]) != nil })
	err := s.persist.write(s.st, changed, removed, s.persistedState(), false)
	s.dirty, s.removed, s.stateDirty = nil, nil, false
	return err
}

func (s *Server) persistedState() persistedState {
	return persistedState{Seq: s.st.seq, Timers: s.timers, Seed: s.opts.Seed, OffsetMS: s.offset.Milliseconds()}
}

// saveAllLocked rewrites the whole state file (after seeding or a reset).
func (s *Server) saveAllLocked() error {
	if s.persist == nil {
		return nil
	}
	var all []*record
	for _, t := range s.st.tables {
		all = append(all, t.list...)
	}
	s.dirty, s.removed, s.stateDirty = nil, nil, false
	return s.persist.write(s.st, all, nil, s.persistedState(), true)
}

// loadOrSeed fills the store from the state file or, when there is none, from the seed.
func (s *Server) loadOrSeed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.persist != nil {
		st := s.newStore()
		ps, ok, err := s.persist.load(st)
		if err != nil {
			return err
		}
		if ok {
			s.st = st
			s.timers = ps.Timers
			s.renameLegacyTimers()
			s.offset = time.Duration(ps.OffsetMS) * time.Millisecond
			if ps.Seed == "demo" {
				// Reference data the sandbox learned since the file was made.
				seeder{s}.seedReference()
			}
			return s.flushLocked()
		}
	}
	s.st = s.newStore()
	s.timers = nil
	if err := s.seed(); err != nil {
		return fmt.Errorf("sandbox: seed %q: %w", s.opts.Seed, err)
	}
	return s.saveAllLocked()
}

// Reset restores the seed data, zeroes the request counts and rate budgets, and keeps the key.
func (s *Server) Reset() error {
	s.mu.Lock()
	oldSeq := s.st.seq
	s.st = s.newStore()
	s.timers = nil
	s.offset = 0
	s.limMu.Lock()
	s.limits = map[string]*keyLimit{}
	s.limMu.Unlock()
	for _, u := range s.uploads {
		u.discard()
	}
	for u := range s.checks {
		u.discard()
	}
	s.uploads = map[string]*pendingUpload{}
	err := s.seed()
	// Ids made after a reset never repeat ones handed out before it.
	s.st.seq = max(s.st.seq, oldSeq)
	if err == nil {
		err = s.saveAllLocked()
	}
	s.mu.Unlock()
	s.stats.reset()
	return err
}
