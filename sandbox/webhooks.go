package sandbox

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
	"net"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// Webhooks: POST /v1/webhooks registers a URL and secret for an app; the state machines
// emit events, which the sandbox POSTs to each matching webhook signed as Apple signs them,
// and records as webhookDeliveries. Delivery happens on a worker goroutine, never under
// the state lock.

// delivery is one POST waiting for the worker.
type delivery struct {
	recordID string
	url      string
	secret   string
	body     []byte
}

// eventBody builds an event notification the way App Store Connect sends them: a JSON:API
// document whose data names the event type and points at the changed resource.
//
// The event is also kept as a webhookEvents resource (eventType, payload, ping), which the
// deliveries point at, so GET /v1/webhooks/{id}/deliveries?include=event shows what was sent.
func (s *Server) newEvent(eventType, payloadType string, instance *record, attrs map[string]any) *record {
	now := s.timestamp("webhookEvents")
	ev := s.st.insert("webhookEvents", "", map[string]any{"createdDate": now, "ping": eventType == ""})
	if eventType != "" {
		ev.Attrs["eventType"] = eventType
	}
	a := map[string]any{"timestamp": now}
	for k, v := range attrs {
		a[k] = v
	}
	data := map[string]any{"type": payloadType, "id": ev.ID, "version": 1, "attributes": a}
	if instance != nil {
		data["relationships"] = map[string]any{"instance": map[string]any{
			"data":  map[string]any{"type": instance.Type, "id": instance.ID},
			"links": map[string]any{"self": s.url + s.mdl.selfPath(instance.Type, instance.ID)},
		}}
	}
	b, _ := json.Marshal(map[string]any{"data": data})
	ev.Attrs["payload"] = string(b)
	s.markDirty(ev)
	return ev
}

// emit sends an event to every enabled webhook of the app that subscribed to its type.
func (s *Server) emit(appID, eventType, payloadType string, instance *record, attrs map[string]any) {
	if appID == "" {
		return
	}
	var ev *record
	for _, wh := range s.st.all("webhooks") {
		if wh.one("app") != appID {
			continue
		}
		if enabled, ok := wh.Attrs["enabled"].(bool); ok && !enabled {
			continue
		}
		types, _ := wh.Attrs["eventTypes"].([]any)
		if !slices.Contains(types, any(eventType)) {
			continue
		}
		if ev == nil {
			ev = s.newEvent(eventType, payloadType, instance, attrs)
		}
		s.deliver(wh, ev)
	}
}

func (s *Server) deliver(wh, ev *record) *record {
	r := s.st.insert("webhookDeliveries", "", map[string]any{})
	s.deliverInto(r, wh, ev, false)
	return r
}

// deliverInto records a delivery of an event in r and queues the POST.
func (s *Server) deliverInto(r *record, wh, ev *record, redelivery bool) {
	body := []byte(ev.str("payload"))
	r.Rels["event"] = []string{ev.ID}
	now := s.timestamp("webhookDeliveries")
	target := wh.str("url")
	r.Attrs["createdDate"] = now
	r.Attrs["deliveryState"] = "PENDING"
	r.Attrs["redelivery"] = redelivery
	r.Attrs["request"] = map[string]any{"url": target}
	r.Hidden = map[string]any{"webhook": wh.ID}
	if !slices.Contains(wh.Rels["deliveries"], r.ID) {
		wh.Rels["deliveries"] = append(wh.Rels["deliveries"], r.ID)
	}
	s.markDirty(r)
	s.markDirty(wh)
	secret, _ := wh.Hidden["secret"].(string)
	job := delivery{recordID: r.ID, url: target, secret: secret, body: body}
	select {
	case s.outbox <- job:
	default:
		s.finishDelivery(r, 0, "", "the sandbox's delivery queue is full")
	}
}

// finishDelivery records a delivery's outcome. Callers hold s.mu.
func (s *Server) finishDelivery(r *record, status int, respBody, errMsg string) {
	r.Attrs["sentDate"] = s.timestamp(r.Type)
	if errMsg == "" && status >= 200 && status < 300 {
		r.Attrs["deliveryState"] = "SUCCEEDED"
	} else {
		r.Attrs["deliveryState"] = "FAILED"
		if errMsg == "" {
			errMsg = fmt.Sprintf("the endpoint answered HTTP %d", status)
		}
		r.Attrs["errorMessage"] = errMsg
	}
	if status > 0 {
		r.Attrs["response"] = map[string]any{"httpStatusCode": status, "body": respBody}
	}
	s.markDirty(r)
}

// Sign returns the X-Apple-SIGNATURE value for a webhook body: hmacsha256=<hex HMAC-SHA256
// of the raw body keyed with the webhook's secret>. Receivers (and tests) verify with it.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "hmacsha256=" + hex.EncodeToString(m.Sum(nil))
}

// loopbackOnly refuses webhook URLs off this machine unless Options.AllowExternalWebhooks:
// the sandbox exists so tests never reach out, and a demo webhook must not either.
func (s *Server) deliverable(target string) error {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("the webhook URL %q is not an http(s) URL", target)
	}
	if s.opts.AllowExternalWebhooks {
		return nil
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("the sandbox delivers webhooks only to loopback addresses, not %s (set AllowExternalWebhooks to change this)", host)
}

// deliveryWorker POSTs queued events until Close.
func (s *Server) deliveryWorker() {
	client := &http.Client{
		Timeout:       5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	for {
		select {
		case <-s.done:
			return
		case job := <-s.outbox:
			status, body, errMsg := s.post(client, job)
			s.mu.Lock()
			if r := s.st.get("webhookDeliveries", job.recordID); r != nil {
				s.finishDelivery(r, status, body, errMsg)
				if err := s.flushLocked(); err != nil {
					s.log.Error("sandbox: save state", "err", err)
				}
			}
			s.mu.Unlock()
		}
	}
}

func (s *Server) post(client *http.Client, job delivery) (int, string, string) {
	if err := s.deliverable(job.url); err != nil {
		return 0, "", err.Error()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go func() {
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, job.url, bytes.NewReader(job.body))
	if err != nil {
		return 0, "", err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ascend-sandbox-webhooks")
	req.Header.Set("X-Apple-SIGNATURE", Sign(job.secret, job.body))
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, "", "delivery failed: " + err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(b), ""
}
