// Package readback decides, after a write to App Store Connect failed, whether the write may
// have taken effect and must be read back before it is sent again (the rule that keeps a
// retried workflow from creating anything twice).
package readback

import (
	"context"
	"errors"
	"net/http"

	"github.com/ascend-tools/ascend/asc"
)

// Refused reports whether App Store Connect answered the write with a client error (other
// than a timeout): the write did not take effect.
func Refused(err error) bool {
	var er *asc.ErrorResponse
	return errors.As(err, &er) && er.StatusCode >= 400 && er.StatusCode < 500 && er.StatusCode != http.StatusRequestTimeout
}

// Needed reports whether a failed write is worth reading back: it may have taken effect (no
// answer, a timeout, a 5xx), or it conflicts (409) with something an earlier or concurrent
// run may have created. Other client errors are final, and a cancelled context leaves
// nothing to read with.
func Needed(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var er *asc.ErrorResponse
	if errors.As(err, &er) && er.StatusCode == http.StatusConflict {
		return true
	}
	return !Refused(err)
}
