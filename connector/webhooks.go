package connector

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/ascend-tools/ascend/store"
)

// maxWebhookBody caps what Apple may POST; its events are a few kilobytes.
const maxWebhookBody = 1 << 20

// SignatureHeader is the header Apple signs webhook events in.
const SignatureHeader = "X-Apple-SIGNATURE"

// DeliverySignatureHeader signs a notification to a subscriber that gave a secret, the way
// Apple signs its events: "hmacsha256=" and the hex HMAC-SHA256 of the body.
const DeliverySignatureHeader = "X-Ascend-Signature"

// Sign computes the X-Apple-SIGNATURE value of a body, as Apple does: "hmacsha256=" and the
// hex HMAC-SHA256 of the raw body under the webhook's secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "hmacsha256=" + hex.EncodeToString(mac.Sum(nil))
}

// verifySignature checks a signature header against every secret of the profile's webhooks,
// comparing in constant time, and always tries all of them.
func verifySignature(header string, body []byte, hooks []store.Webhook) bool {
	algo, sigHex, ok := strings.Cut(strings.TrimSpace(header), "=")
	if !ok || !strings.EqualFold(algo, "hmacsha256") {
		return false
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil || len(sig) != sha256.Size {
		return false
	}
	valid := false
	for _, h := range hooks {
		mac := hmac.New(sha256.New, []byte(h.Secret))
		mac.Write(body)
		if hmac.Equal(mac.Sum(nil), sig) {
			valid = true
		}
	}
	return valid
}

// eventOf reads an event's id and type. Apple sends a JSON:API-like document whose data
// names the event; the type is normalised to Apple's enum spelling
// (BUILD_UPLOAD_STATE_UPDATED), and without an id the body's hash identifies the event, so
// Apple's retries of one event are recognised as the same.
func eventOf(profile string, body []byte, now time.Time) store.Event {
	var doc struct {
		ID        string `json:"id"`
		Type      string `json:"type"`
		EventType string `json:"eventType"`
		Data      struct {
			ID         string `json:"id"`
			Type       string `json:"type"`
			Attributes struct {
				EventType string `json:"eventType"`
				Ping      bool   `json:"ping"`
			} `json:"attributes"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &doc)
	typ := firstNonEmpty(doc.Data.Attributes.EventType, doc.Data.Type, doc.EventType, doc.Type)
	typ = NormalizeEventType(typ)
	if doc.Data.Attributes.Ping && !strings.Contains(typ, "PING") {
		typ = "WEBHOOK_PING_CREATED"
	}
	if !eventTypeName.MatchString(typ) {
		// No type, or none spelt as Apple's enum (a control character, another script, 300
		// letters): it matches no subscription's types and is stored, logged and shown as
		// UNKNOWN; the payload keeps what was sent.
		typ = "UNKNOWN"
	}
	id := firstNonEmpty(doc.Data.ID, doc.ID)
	if !eventIDPattern.MatchString(id) {
		// No id, or one unfit to be a key, a log field and a table cell: the body's hash,
		// which Apple's retries of the event share.
		sum := sha256.Sum256(body)
		id = "sha256-" + hex.EncodeToString(sum[:16])
	}
	return store.Event{ID: profile + "/" + id, Profile: profile, Type: typ, Payload: body, ReceivedAt: now.UTC().Truncate(time.Millisecond)}
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// NormalizeEventType spells an event type as Apple's enum does: "webhookPingCreated" and
// "webhook_ping_created" both become "WEBHOOK_PING_CREATED".
func NormalizeEventType(s string) string {
	var b strings.Builder
	prev := rune(-1)
	for _, r := range s {
		if unicode.IsUpper(r) && unicode.IsLower(prev) {
			b.WriteByte('_')
		}
		prev = r
		if r == '-' || r == ' ' {
			r = '_'
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// handleAppleWebhook receives an event from Apple, verifies its signature against the
// profile's webhook secrets, and stores it with its deliveries before answering 200. Apple
// retries events it gets no 2xx for, so an answer of 200 means the event is durable.
func (g *Gateway) handleAppleWebhook(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("profile")
	ctx := r.Context()
	// An unknown profile is answered exactly like a bad signature, after the same work, so
	// the endpoint does not tell which profiles a gateway serves.
	label := name
	if _, ok := g.profile(name); !ok {
		label = "unknown"
	}
	body, err := g.readBody(w, r, maxWebhookBody)
	if err != nil {
		g.metrics.event(label, "unreadable")
		writeBodyError(w, r, err)
		return
	}
	hooks, err := g.db.Webhooks(ctx, name)
	if err != nil {
		g.logger(ctx).Error("read webhook secrets", "error", err)
		writeError(w, r, http.StatusServiceUnavailable, "UNAVAILABLE", "Cannot verify", "the gateway's database did not answer; Apple will retry")
		return
	}
	if label == "unknown" {
		hooks = nil
	}
	if !verifySignature(r.Header.Get(SignatureHeader), body, hooks) {
		g.metrics.event(label, "bad_signature")
		g.logger(ctx).Warn("webhook event refused: signature does not match any secret", "profile", label, "webhooks", len(hooks))
		writeError(w, r, http.StatusUnauthorized, "NOT_AUTHORIZED", "Invalid signature",
			"the X-Apple-SIGNATURE header does not match a webhook registered with 'ascend connector webhooks register'")
		return
	}
	ev := eventOf(name, body, g.now())
	n, dup, err := g.db.AcceptEvent(context.WithoutCancel(ctx), ev, g.cfg.Delivery.TTL)
	if err != nil {
		g.metrics.event(name, "store_error")
		g.logger(ctx).Error("store webhook event", "error", err, "event_id", ev.ID)
		writeError(w, r, http.StatusServiceUnavailable, "UNAVAILABLE", "Event not stored", "the gateway could not store the event; Apple will retry")
		return
	}
	result := "accepted"
	if dup {
		result = "duplicate"
	}
	g.metrics.event(name, result)
	g.logger(ctx).Info("webhook event", "profile", name, "event_id", ev.ID, "event_type", ev.Type, "deliveries", n, "duplicate", dup)
	g.kick()
	writeJSON(w, http.StatusOK, acceptedEvent{ID: ev.ID, EventType: ev.Type, Deliveries: n, Duplicate: dup})
}

// acceptedEvent is the answer to Apple for a stored event.
type acceptedEvent struct {
	ID         string `json:"id"`
	EventType  string `json:"eventType"`
	Deliveries int    `json:"deliveries"`
	Duplicate  bool   `json:"duplicate"`
}

// kick wakes the delivery worker without blocking.
func (g *Gateway) kick() {
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// Subscription is a subscriber as the API shows it.
type Subscription struct {
	ID          string    `json:"id"`
	Profile     string    `json:"profile"`
	CallbackURL string    `json:"callbackUrl"`
	EventTypes  []string  `json:"eventTypes"`
	CreatedAt   time.Time `json:"createdAt"`
}

var eventTypeName = regexp.MustCompile(`^[A-Z][A-Z0-9_]{1,99}$`)

// eventIDPattern is what an event's id from Apple may be to be kept as it is (after the
// profile's name): else the body's hash stands for it (eventOf).
var eventIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// parseEventTypes accepts an array of names or one comma-separated string (what a low-code
// designer's text box produces).
func parseEventTypes(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []string
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		list = strings.Split(s, ",")
	} else if err := json.Unmarshal(raw, &list); err != nil {
		return nil, errors.New("eventTypes must be an array of strings or a comma-separated string")
	}
	var out []string
	for _, t := range list {
		t = NormalizeEventType(strings.TrimSpace(t))
		if t == "" {
			continue
		}
		if !eventTypeName.MatchString(t) {
			return nil, fmt.Errorf("event type %q is not an App Store Connect event type", t)
		}
		out = append(out, t)
	}
	return out, nil
}

// handleSubscribe registers a subscriber the way Power Automate registers a webhook trigger:
// POST {callbackUrl, eventTypes} answered 201 with a Location to DELETE when the flow goes.
func (g *Gateway) handleSubscribe(w http.ResponseWriter, r *http.Request, k *store.ClientKey, p *profileRuntime) {
	g.subscribe(w, r, k, p, nil)
}

// subscribeTo is a trigger of fixed event types (a build upload's state, a build's
// TestFlight state): the body's eventTypes, if any, are refused.
func (g *Gateway) subscribeTo(types ...string) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, k *store.ClientKey, p *profileRuntime) {
		g.subscribe(w, r, k, p, types)
	}
}

func (g *Gateway) subscribe(w http.ResponseWriter, r *http.Request, k *store.ClientKey, p *profileRuntime, fixed []string) {
	var in struct {
		CallbackURL string          `json:"callbackUrl"`
		EventTypes  json.RawMessage `json:"eventTypes"`
		Secret      string          `json:"secret"`
	}
	raw, err := g.readBody(w, r, 64<<10)
	if err == nil {
		err = json.Unmarshal(raw, &in)
	}
	if err != nil {
		if writeBodyError(w, r, err) {
			return
		}
		writeError(w, r, http.StatusBadRequest, "PARAMETER_ERROR.INVALID", "Invalid subscription", "send a JSON object {\"callbackUrl\": ..., \"eventTypes\": [...]}")
		return
	}
	if _, err := g.checkCallbackURL(in.CallbackURL); err != nil {
		writeError(w, r, http.StatusBadRequest, "PARAMETER_ERROR.INVALID", "Invalid callbackUrl", err.Error())
		return
	}
	types, err := parseEventTypes(in.EventTypes)
	if err == nil && fixed != nil {
		if len(types) > 0 {
			err = errors.New("this trigger's event types are fixed; send no eventTypes")
		}
		types = fixed
	}
	if err != nil {
		writeError(w, r, http.StatusBadRequest, "PARAMETER_ERROR.INVALID", "Invalid eventTypes", err.Error())
		return
	}
	if in.Secret != "" && len(in.Secret) < 16 {
		writeError(w, r, http.StatusBadRequest, "PARAMETER_ERROR.INVALID", "Secret too short", "a signing secret needs at least 16 characters")
		return
	}
	if max := g.cfg.MaxSubscriptionsPerKey; max > 0 {
		subs, err := g.db.Subscriptions(r.Context(), p.Name)
		if err != nil {
			g.logger(r.Context()).Error("count subscriptions", "error", err)
			writeError(w, r, http.StatusServiceUnavailable, "UNAVAILABLE", "Subscription not stored", "the gateway's database did not answer; retry")
			return
		}
		mine := 0
		for _, s := range subs {
			if s.KeyName == k.Name {
				mine++
			}
		}
		if mine >= max {
			writeError(w, r, http.StatusConflict, "STATE_ERROR.LIMIT_REACHED", "Too many subscriptions",
				"client key "+k.Name+" already has "+strconv.Itoa(mine)+" subscriptions, the most this gateway allows a key; delete one first")
			return
		}
	}
	sub := store.Subscription{ID: store.NewID(), Profile: p.Name, KeyName: k.Name, CallbackURL: in.CallbackURL, EventTypes: types,
		Secret: in.Secret, CreatedAt: g.now().UTC().Truncate(time.Millisecond)}
	if err := g.db.CreateSubscription(r.Context(), sub); err != nil {
		g.logger(r.Context()).Error("store subscription", "error", err)
		writeError(w, r, http.StatusServiceUnavailable, "UNAVAILABLE", "Subscription not stored", "the gateway's database did not answer; retry")
		return
	}
	w.Header().Set("Location", g.publicBase(r)+"/connector/subscriptions/"+sub.ID)
	writeJSON(w, http.StatusCreated, toSubscription(sub))
}

func toSubscription(s store.Subscription) Subscription {
	types := s.EventTypes
	if types == nil {
		types = []string{}
	}
	return Subscription{ID: s.ID, Profile: s.Profile, CallbackURL: s.CallbackURL, EventTypes: types, CreatedAt: s.CreatedAt}
}

func (g *Gateway) handleListSubscriptions(w http.ResponseWriter, r *http.Request, k *store.ClientKey, p *profileRuntime) {
	subs, err := g.db.Subscriptions(r.Context(), p.Name)
	if err != nil {
		g.logger(r.Context()).Error("list subscriptions", "error", err)
		writeError(w, r, http.StatusServiceUnavailable, "UNAVAILABLE", "Cannot list", "the gateway's database did not answer; retry")
		return
	}
	out := make([]Subscription, 0, len(subs))
	for _, s := range subs {
		if s.KeyName != k.Name {
			// Another client's callback URL is its credential (Power Automate's sig= token,
			// the path of an n8n or Zapier hook): show which host it points at, no more.
			s.CallbackURL = callbackOrigin(s.CallbackURL)
		}
		out = append(out, toSubscription(s))
	}
	writeJSON(w, http.StatusOK, struct {
		Value []Subscription `json:"value"`
	}{out})
}

// callbackOrigin is a callback URL reduced to its scheme and host: for many platforms the
// path and query are the credential that lets anyone trigger the flow.
func callbackOrigin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(unreadable URL)"
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// handleUnsubscribe removes a subscription made by the same key, or by any key when it has
// write access; other keys get 404, as if it did not exist, so that one flow cannot turn off
// another's trigger.
func (g *Gateway) handleUnsubscribe(w http.ResponseWriter, r *http.Request, k *store.ClientKey, p *profileRuntime) {
	id := r.PathValue("id")
	subs, err := g.db.Subscriptions(r.Context(), p.Name)
	if err == nil {
		err = store.ErrNotFound
		for _, s := range subs {
			if s.ID == id && (s.KeyName == k.Name || k.Access == store.Write) {
				err = g.db.DeleteSubscription(r.Context(), p.Name, id, g.now())
				break
			}
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, r, http.StatusNotFound, "NOT_FOUND", "No such subscription", "no subscription of profile "+p.Name+" has that id")
		return
	}
	if err != nil {
		g.logger(r.Context()).Error("delete subscription", "error", err)
		writeError(w, r, http.StatusServiceUnavailable, "UNAVAILABLE", "Not deleted", "the gateway's database did not answer; retry")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Notification is what a subscriber receives for each event.
type Notification struct {
	// ID identifies the event: the same for every retry and every instance, so subscribers
	// deduplicate on it (delivery is at least once).
	ID         string          `json:"id"`
	EventType  string          `json:"eventType"`
	Profile    string          `json:"profile"`
	Ping       bool            `json:"ping"`
	ReceivedAt time.Time       `json:"receivedAt"`
	Payload    json.RawMessage `json:"payload"` // Apple's event as it was signed
}

func notificationOf(ev store.Event) Notification {
	payload := json.RawMessage(ev.Payload)
	if !json.Valid(payload) {
		b, _ := json.Marshal(string(ev.Payload))
		payload = b
	}
	return Notification{ID: ev.ID, EventType: ev.Type, Profile: ev.Profile, Ping: strings.Contains(ev.Type, "PING"), ReceivedAt: ev.ReceivedAt, Payload: payload}
}

// deliveryLoop claims due deliveries and attempts them, Concurrency at a time, until Close.
func (g *Gateway) deliveryLoop() {
	defer close(g.done)
	opts := g.cfg.Delivery
	client := g.callbacks
	attemptCtx, cancelAttempts := context.WithCancel(context.Background())
	defer cancelAttempts()
	slots := make(chan struct{}, opts.Concurrency)
	var wg sync.WaitGroup
	ticker := time.NewTicker(opts.Poll)
	defer ticker.Stop()
	// Finished deliveries and their events are kept a week (past any Apple retry), then pruned.
	prune := time.NewTicker(10 * time.Minute)
	defer prune.Stop()
	for running := true; running; {
		select {
		case <-g.stop:
			running = false
			continue
		case <-prune.C:
			ctx, cancel := context.WithTimeout(attemptCtx, time.Minute)
			if n, err := g.db.PruneEvents(ctx, g.now().Add(-opts.Retention)); err != nil {
				g.log.Warn("prune delivered events", "error", err)
			} else if n > 0 {
				g.log.Info("pruned delivered events", "rows", n)
			}
			cancel()
			continue
		case <-ticker.C:
		case <-g.wake:
		}
		// Claim only as many as there are free slots, so nothing claimed waits unattempted.
		for range opts.Concurrency {
			free := opts.Concurrency - len(slots)
			if free <= 0 {
				break
			}
			ctx, cancel := context.WithTimeout(attemptCtx, 10*time.Second)
			ds, err := g.db.ClaimDeliveries(ctx, g.owner, g.now(), opts.Lease, free)
			cancel()
			if err != nil {
				g.log.Warn("claim deliveries", "error", err)
				break
			}
			for _, d := range ds {
				slots <- struct{}{}
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { <-slots }()
					g.attempt(attemptCtx, client, d)
				}()
			}
			if len(ds) < free {
				break
			}
		}
	}
	// Flush: let attempts in flight finish, then cut them off and hand their claims back.
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(opts.ShutdownWait):
		cancelAttempts()
		<-finished
	}
}

// attempt POSTs one event to one subscriber and records the outcome.
func (g *Gateway) attempt(ctx context.Context, client *http.Client, d store.Delivery) {
	opts := g.cfg.Delivery
	bg := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), 10*time.Second)
	}
	now := g.now()
	if !now.Before(d.ExpiresAt) {
		c, cancel := bg()
		defer cancel()
		g.metrics.delivery("expired")
		if err := g.db.Failed(c, d.ID, g.owner, now, now, "expired before delivery", store.StateExpired); err != nil {
			g.log.Warn("record expired delivery", "error", err)
		}
		return
	}
	body, _ := marshal(notificationOf(d.Event))
	actx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, d.CallbackURL, bytes.NewReader(body))
	if err == nil {
		err = g.checkDelivery(actx, d.CallbackURL)
	}
	status, failure := 0, ""
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "ascend-gateway")
		req.Header.Set("X-Ascend-Event-Id", d.Event.ID)
		req.Header.Set("X-Ascend-Event-Type", d.Event.Type)
		req.Header.Set("X-Ascend-Delivery-Attempt", strconv.Itoa(d.Attempts+1))
		if d.Secret != "" {
			req.Header.Set(DeliverySignatureHeader, Sign(d.Secret, body))
		}
		var resp *http.Response
		resp, err = client.Do(req)
		if err == nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			status = resp.StatusCode
		}
	}
	c, cancelDB := bg()
	defer cancelDB()
	log := g.log.With("delivery_id", d.ID, "event_id", d.Event.ID, "subscription_id", d.SubscriptionID, "attempt", d.Attempts+1)
	switch {
	case err != nil && ctx.Err() != nil:
		// Shutting down mid-attempt: give the claim back so another instance (or this one
		// after a restart) delivers it at once; the subscriber may see it twice.
		if err := g.db.Release(c, d.ID, g.owner); err != nil {
			log.Warn("release delivery", "error", err)
		}
		return
	case err == nil && status/100 == 2:
		g.metrics.delivery("delivered")
		if err := g.db.Delivered(c, d.ID, g.owner, g.now()); err != nil {
			log.Warn("record delivery", "error", err)
		}
		log.Info("event delivered", "status", status)
		return
	case err == nil && status == http.StatusGone:
		// The subscriber says it is gone for good (Power Automate: the flow was deleted).
		g.metrics.delivery("gone")
		if err := g.db.Failed(c, d.ID, g.owner, now, now, "subscriber answered 410", store.StateDropped); err != nil {
			log.Warn("record dropped delivery", "error", err)
		}
		if err := g.db.DeleteSubscription(c, d.Event.Profile, d.SubscriptionID, now); err != nil && !errors.Is(err, store.ErrNotFound) {
			log.Warn("remove gone subscription", "error", err)
		}
		log.Info("subscriber gone; subscription removed")
		return
	case err != nil:
		failure = errorClass(err)
	default:
		failure = "status " + strconv.Itoa(status)
	}
	// The backoff counts from the attempt's end: a subscriber that took the whole timeout
	// to fail is not retried at once.
	end := g.now()
	next := end.Add(backoff(d.Attempts, opts.MinBackoff, opts.MaxBackoff))
	final := ""
	if !next.Before(d.ExpiresAt) {
		final = store.StateExpired
	}
	g.metrics.delivery("failed")
	if err := g.db.Failed(c, d.ID, g.owner, end, next, failure, final); err != nil {
		log.Warn("record failed delivery", "error", err)
	}
	log.Warn("delivery failed", "reason", failure, "retry_at", next, "given_up", final != "")
}

// errorClass describes a transport failure without the URL, which holds the subscriber's
// signature (Power Automate callback URLs carry a SAS token).
func errorClass(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return err.Error()
}

// backoff is min*2^attempts, capped, with up to 20% jitter so instances do not retry in step.
func backoff(attempts int, min, max time.Duration) time.Duration {
	d := min
	for i := 0; i < attempts && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d + time.Duration(rand.Int64N(int64(d)/5+1))
}
