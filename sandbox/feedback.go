package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// TestFlight feedback comes from testers' devices, which no API call can make. POST
// /sandbox/feedback stands in for a tester: it records a screenshot or crash submission for
// an app's newest build and emits the BETA_FEEDBACK_* webhook event, so webhook consumers
// can be tested end to end.

type feedbackRequest struct {
	App     string `json:"app"`
	Kind    string `json:"kind"` // "screenshot" (default) or "crash"
	Comment string `json:"comment"`
}

func (s *Server) handleFeedback(w http.ResponseWriter, r *http.Request) {
	var req feedbackRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeErrors(w, http.StatusBadRequest, newError(400, "PARAMETER_ERROR.INVALID", "Invalid feedback",
			`Send {"app": "<app id>", "kind": "screenshot"|"crash", "comment": "..."}: `+err.Error()))
		return
	}
	s.mu.Lock()
	rec, herr := s.addFeedback(req)
	var out map[string]any
	if herr == nil {
		out = map[string]any{"type": rec.Type, "id": rec.ID}
		if err := s.flushLocked(); err != nil {
			s.log.Error("sandbox: save state", "err", err)
		}
	}
	s.mu.Unlock()
	if herr != nil {
		writeHTTPError(w, herr)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"data": out})
}

// addFeedback records one tester's feedback. Callers hold s.mu.
func (s *Server) addFeedback(req feedbackRequest) (*record, *httpError) {
	app := s.st.get("apps", req.App)
	if app == nil {
		return nil, notFound("apps", req.App)
	}
	typ, event, payload := "betaFeedbackScreenshotSubmissions", "BETA_FEEDBACK_SCREENSHOT_SUBMISSION_CREATED", "betaFeedbackScreenshotSubmissionCreated"
	switch req.Kind {
	case "", "screenshot":
	case "crash":
		typ, event, payload = "betaFeedbackCrashSubmissions", "BETA_FEEDBACK_CRASH_SUBMISSION_CREATED", "betaFeedbackCrashSubmissionCreated"
	default:
		return nil, errResp(http.StatusBadRequest, newError(400, "PARAMETER_ERROR.INVALID", titleParameter,
			fmt.Sprintf("kind %q is not screenshot or crash", req.Kind)).parameter("kind"))
	}
	comment := req.Comment
	if comment == "" {
		comment = "The focus timer stops when I lock the phone."
	}
	attrs := map[string]any{
		"createdDate": s.timestamp(typ), "comment": comment, "email": "tester@example.com",
		"deviceModel": "iPhone17,1", "osVersion": "26.1", "locale": "en-US", "timeZone": "Europe/Berlin",
		"architecture": "arm64e", "connectionType": "WIFI", "pairedAppleWatch": "", "appUptimeInMilliseconds": 184000,
		"diskBytesAvailable": 51200000000, "diskBytesTotal": 256000000000, "batteryPercentage": 76,
		"screenWidthInPoints": 402, "screenHeightInPoints": 874, "appPlatform": "IOS", "devicePlatform": "IOS",
		"deviceFamily": "IPHONE", "buildBundleId": app.str("bundleId"),
	}
	fb := s.st.insert(typ, "", attrs)
	s.st.link(app, typ, fb)
	var newest *record
	for _, b := range s.st.related(app, "builds") {
		if newest == nil || b.Seq > newest.Seq {
			newest = b
		}
	}
	if newest != nil {
		s.st.link(fb, "build", newest)
	}
	if testers := s.st.related(app, "betaTesters"); len(testers) > 0 {
		s.st.link(fb, "tester", testers[0])
	}
	s.markDirty(fb)
	s.markDirty(app)
	s.emit(app.ID, event, payload, fb, nil)
	return fb, nil
}
