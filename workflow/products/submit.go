package products

import (
	"context"
	"errors"
	"fmt"

	"github.com/ascend-tools/ascend/asc"
)

// readyStates are the states from which Apple takes a product's submission.
var readyStates = map[string]bool{"READY_TO_SUBMIT": true, "DEVELOPER_ACTION_NEEDED": true, "REJECTED": true}

// SubmitResult says what Submit did with each product of the file.
type SubmitResult struct {
	Submitted []string
	// Skipped maps a product id to its state when it was not ready (already in review,
	// approved, or missing metadata).
	Skipped map[string]string
}

// Submit submits the catalog's products that are ready for review, each on its own
// (inAppPurchaseSubmissions, subscriptionSubmissions), after reading their states in two
// requests. A product already waiting for review is skipped, so running it again submits
// nothing twice; after a failed POST the state is read back before anything is sent again.
func Submit(ctx context.Context, c *asc.Client, appID string, cat *Catalog) (*SubmitResult, error) {
	list, err := List(ctx, c, appID)
	if err != nil {
		return nil, err
	}
	byID := map[string]Summary{}
	for _, s := range list {
		byID[s.ProductID] = s
	}
	res := &SubmitResult{Skipped: map[string]string{}}
	var errs []error
	submit := func(productID string, subscription bool) {
		s, ok := byID[productID]
		if !ok {
			res.Skipped[productID] = "not on App Store Connect"
			return
		}
		if !readyStates[s.State] {
			res.Skipped[productID] = s.State
			return
		}
		a := &applier{c: c, appID: appID}
		_, err := a.create(ctx, func() (string, error) {
			if subscription {
				r, _, err := c.SubscriptionSubmissions.Create(ctx, &asc.SubscriptionSubmissionCreateRequest{Data: asc.SubscriptionSubmissionCreateRequestData{
					Relationships: asc.SubscriptionSubmissionCreateRequestRelationships{Subscription: asc.Relationship{Data: asc.ToOne("subscriptions", s.ID)}}}})
				if err != nil {
					return "", err
				}
				return r.Data.ID, nil
			}
			r, _, err := c.InAppPurchaseSubmissions.Create(ctx, &asc.InAppPurchaseSubmissionCreateRequest{Data: asc.InAppPurchaseSubmissionCreateRequestData{
				Relationships: asc.InAppPurchaseSubmissionCreateRequestRelationships{InAppPurchaseV2: asc.Relationship{Data: asc.ToOne("inAppPurchases", s.ID)}}}})
			if err != nil {
				return "", err
			}
			return r.Data.ID, nil
		}, func() (string, error) {
			// The submission took effect when the product left the ready states.
			now, err := List(ctx, c, appID)
			if err != nil {
				return "", err
			}
			for _, n := range now {
				if n.ProductID == productID && !readyStates[n.State] {
					return n.ID, nil
				}
			}
			return "", nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("submit %s: %w", productID, err))
			return
		}
		res.Submitted = append(res.Submitted, productID)
	}
	for _, p := range cat.InAppPurchases {
		submit(p.ProductID, false)
	}
	for _, gs := range cat.Subscriptions() {
		submit(gs.Subscription.ProductID, true)
	}
	return res, errors.Join(errs...)
}
