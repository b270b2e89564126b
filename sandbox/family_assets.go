package sandbox

import (
	"fmt"
	"time"
)

// Assets: every type whose model has uploadOperations (screenshots, previews, in-app purchase
// and subscription images, review attachments, build upload files). Creating one reserves an
// upload (assets.go holds the protocol); PATCH {uploaded: true} commits it; processing then
// ends COMPLETE or FAILED.

func init() {
	register(&family{
		name: "assets",
		hooks: []hooks{{
			match:        func(s *Server, typ string) bool { return s.isAsset(typ) },
			afterCreate:  func(s *Server, req *apiRequest, r *record) *httpError { return s.reserveUpload(req, r) },
			beforeUpdate: assetNotCommitted,
			afterUpdate:  commitAsset,
			afterDelete:  dropUpload,
		}},
		machines: []*machine{assetMachine},
	})
}

// assetMachine: the state is assetDeliveryState.state (a preview's videoDeliveryState).
var assetMachine = &machine{
	match: func(s *Server, typ string) bool { return s.isAsset(typ) },
	get:   assetState,
	set:   func(s *Server, r *record, state string) { s.setAssetState(r, state) },
	rows: []transition{
		{from: "AWAITING_UPLOAD", on: "commit", when: has(uploadProblem), to: "FAILED", do: failWith(uploadProblem)},
		{from: "AWAITING_UPLOAD", on: "commit", when: isPreview, to: "PROCESSING", then: "processed", after: processingDelay},
		{from: "AWAITING_UPLOAD", on: "commit", to: "UPLOAD_COMPLETE", then: "processed", after: processingDelay},
		{from: "UPLOAD_COMPLETE|PROCESSING", on: "processed", when: stillChecking, then: "processed", after: checkingRetry},
		{from: "UPLOAD_COMPLETE|PROCESSING", on: "processed", when: has(uploadProblem), to: "FAILED", do: failWith(uploadProblem)},
		{from: "UPLOAD_COMPLETE|PROCESSING", on: "processed", when: has(injectedFailure), to: "FAILED", do: failWith(injectedFailure)},
		{from: "UPLOAD_COMPLETE|PROCESSING", on: "processed", when: has(imageProblem), to: "FAILED", do: failWith(imageProblem)},
		{from: "UPLOAD_COMPLETE|PROCESSING", on: "processed", to: "COMPLETE", do: (*Server).publishAsset},
	},
}

func uploadProblem(s *Server, r *record) map[string]any {
	p, _ := r.Hidden["uploadProblem"].(map[string]any)
	return p
}

func imageProblem(s *Server, r *record) map[string]any { return s.imageProblem(r) }

// injectedFailure is the failure a processing fault rule gave the asset at its commit.
func injectedFailure(_ *Server, r *record) map[string]any {
	if on, _ := r.Hidden["processingFault"].(bool); !on {
		return nil
	}
	return map[string]any{"code": "IMAGE_TOOL_FAILURE", "description": "The asset could not be processed; upload it again."}
}

func isPreview(_ *Server, r *record) bool { return r.Type == "appPreviews" }

// stillChecking: a large upload's checksum is still being verified (assets.go); processing
// looks again shortly.
func stillChecking(_ *Server, r *record) bool {
	checking, _ := r.Hidden["checking"].(bool)
	return checking
}

func checkingRetry(*Options) time.Duration { return 200 * time.Millisecond }

// has makes a guard of a problem finder; failWith an effect recording the problem.
func has(problem func(*Server, *record) map[string]any) func(*Server, *record) bool {
	return func(s *Server, r *record) bool { return problem(s, r) != nil }
}

func failWith(problem func(*Server, *record) map[string]any) func(*Server, *record) {
	return func(s *Server, r *record) { s.setAssetState(r, "FAILED", problem(s, r)) }
}

// assetNotCommitted refuses a second commit.
func assetNotCommitted(s *Server, r *record, doc *resourceDoc) *httpError {
	if up, _ := doc.Attrs["uploaded"].(bool); up && assetState(r) != "AWAITING_UPLOAD" {
		return stateError(fmt.Sprintf("The asset is %s; it was already committed.", assetState(r)))
	}
	if r.Type == "appPreviews" {
		return frameTimeCodeProblem(doc)
	}
	return nil
}

func commitAsset(s *Server, _ *apiRequest, r, _ *record, doc *resourceDoc) *httpError {
	if up, _ := doc.Attrs["uploaded"].(bool); up {
		s.assembleUpload(r)
		s.send(r, "commit")
	}
	delete(r.Attrs, "uploaded")
	return nil
}

func dropUpload(s *Server, r *record) {
	if token, ok := r.Hidden["upload"].(string); ok {
		s.uploads[token].discard()
		delete(s.uploads, token)
	}
}
