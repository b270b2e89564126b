package asc

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
)

// maxPages bounds a pagination walk. At 200 items a page it is two million items, far beyond
// any App Store Connect collection; it only stops a server that links pages in a cycle.
const maxPages = 10_000

// All iterates every item of a list endpoint, following links.next. Only one page is held in
// memory; breaking out of the loop stops before the next page is requested. A links.next on
// another scheme or host ends the walk with an error and no request is sent there. The first
// error is yielded once and ends the iteration.
func All[T any](ctx context.Context, c *Client, path string, query url.Values) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for page, err := range walk[T](ctx, c, path, query) {
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, item := range page.Data {
				if !yield(item, nil) {
					return
				}
			}
		}
	}
}

// Pages iterates raw pages, each a ListDocument whose items are left undecoded; the CLI's
// `api --paginate` and the gateway use it to pass pages through.
func Pages(ctx context.Context, c *Client, path string, query url.Values) iter.Seq2[*ListDocument[json.RawMessage], error] {
	return walk[json.RawMessage](ctx, c, path, query)
}

// walk requests page after page. The query applies to the first request only: links.next
// already carries every parameter plus the cursor.
func walk[T any](ctx context.Context, c *Client, path string, query url.Values) iter.Seq2[*ListDocument[T], error] {
	return func(yield func(*ListDocument[T], error) bool) {
		next := path
		seen := make(map[string]struct{})
		for range maxPages {
			page := new(ListDocument[T])
			resp, err := c.Do(ctx, http.MethodGet, next, query, nil, page)
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(page, nil) {
				return
			}
			if resp.NextURL == "" {
				return
			}
			if _, dup := seen[resp.NextURL]; dup {
				yield(nil, fmt.Errorf("GET %s: links.next repeats an earlier page; stopping to avoid a loop", pathOf(resp.NextURL)))
				return
			}
			seen[resp.NextURL] = struct{}{}
			next, query = resp.NextURL, nil
		}
		yield(nil, fmt.Errorf("GET %s: more than %d pages; stopping", pathOf(path), maxPages))
	}
}
