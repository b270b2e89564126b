package sandboxtest

import (
	"context"
	"sync"
	"time"
)

// Clock is a wait's clock for a test (builds.Clock, review.WaitOptions.Clock): each Sleep moves
// the sandbox's state machines on by as long (Server.Advance), so a wait for App Review, a
// cancel or processing ends at once, with no wall time asserted or spent.
type Clock struct {
	sb    *Sandbox
	mu    sync.Mutex
	now   time.Time
	slept time.Duration
}

// Clock returns a clock starting now that drives this sandbox.
func (s *Sandbox) Clock() *Clock { return &Clock{sb: s, now: time.Now()} }

// Now is the start plus every sleep.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep advances the sandbox by d at once.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.now, c.slept = c.now.Add(d), c.slept+d
	c.mu.Unlock()
	c.sb.Advance(d)
	return nil
}

// Slept is how long the waits asked to sleep, in all.
func (c *Clock) Slept() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.slept
}
