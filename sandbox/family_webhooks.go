package sandbox

// Webhooks (webhooks.go delivers): a webhook's secret is kept server-side and never shown
// back; a ping sends a ping event; a delivery created from another redelivers its event.

func init() {
	register(&family{
		name: "webhooks",
		hooks: []hooks{
			{types: []string{"webhooks"}, afterCreate: func(s *Server, _ *apiRequest, r *record) *httpError { hideSecret(r); return nil },
				afterUpdate: func(s *Server, _ *apiRequest, r, _ *record, _ *resourceDoc) *httpError { hideSecret(r); return nil }},
			{types: []string{"webhookPings"}, afterCreate: pingWebhook},
			{types: []string{"webhookDeliveries"}, afterCreate: redeliver},
		},
	})
}

func hideSecret(r *record) {
	if sec, ok := r.Attrs["secret"]; ok {
		r.Hidden = map[string]any{"secret": sec}
		delete(r.Attrs, "secret")
	}
}

func pingWebhook(s *Server, _ *apiRequest, r *record) *httpError {
	if wh := s.st.get("webhooks", r.one("webhook")); wh != nil {
		s.deliver(wh, s.newEvent("", "webhookPingCreated", nil, nil))
	}
	return nil
}

func redeliver(s *Server, _ *apiRequest, r *record) *httpError {
	tmpl := s.st.get("webhookDeliveries", r.one("template"))
	if tmpl == nil {
		return notFound("webhookDeliveries", r.one("template"))
	}
	wh := s.st.get("webhooks", stringOf(tmpl.Hidden["webhook"]))
	if wh == nil {
		return notFound("webhooks", stringOf(tmpl.Hidden["webhook"]))
	}
	ev := s.st.get("webhookEvents", tmpl.one("event"))
	if ev == nil {
		return notFound("webhookEvents", tmpl.one("event"))
	}
	s.deliverInto(r, wh, ev, true)
	return nil
}

func stringOf(v any) string { s, _ := v.(string); return s }
