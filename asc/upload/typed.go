package upload

import "github.com/ascend-tools/ascend/asc"

// MediaOperations converts the typed upload operations of an image or video asset
// (screenshots, previews and the other media resources) to the protocol's.
func MediaOperations(ops []asc.UploadOperation) []Operation {
	out := make([]Operation, 0, len(ops))
	for _, op := range ops {
		o := Operation{Method: op.Method, URL: op.URL}
		if op.Offset != nil {
			o.Offset = int64(*op.Offset)
		}
		if op.Length != nil {
			o.Length = int64(*op.Length)
		}
		for _, h := range op.RequestHeaders {
			o.RequestHeaders = append(o.RequestHeaders, Header{Name: h.Name, Value: h.Value})
		}
		out = append(out, o)
	}
	return out
}

func stateErrors(errs []asc.AppMediaStateError) []StateError {
	var out []StateError
	for _, e := range errs {
		out = append(out, StateError{Code: e.Code, Description: e.Description})
	}
	return out
}

func assetState(s *asc.AppMediaAssetState) *DeliveryState {
	if s == nil {
		return nil
	}
	return &DeliveryState{State: string(s.State), Errors: stateErrors(s.Errors), Warnings: stateErrors(s.Warnings)}
}

func size(n *int) int64 {
	if n == nil {
		return 0
	}
	return int64(*n)
}

// mediaAttributes are the upload attributes every image asset type shares.
func mediaAttributes(name string, n *int, checksum string, ops []asc.UploadOperation, st *asc.AppMediaAssetState) Attributes {
	return Attributes{FileName: name, FileSize: size(n), SourceFileChecksum: checksum, UploadOperations: MediaOperations(ops), AssetDeliveryState: assetState(st)}
}

// ScreenshotAsset returns a typed app screenshot as the protocol sees it.
func ScreenshotAsset(r *asc.AppScreenshot) *Asset {
	a := &Asset{Type: r.Type, ID: r.ID}
	if at := r.Attributes; at != nil {
		a.Attributes = mediaAttributes(at.FileName, at.FileSize, at.SourceFileChecksum, at.UploadOperations, at.AssetDeliveryState)
	}
	return a
}

// PreviewAsset returns a typed app preview as the protocol sees it: its videoDeliveryState,
// where present, decides its progress.
func PreviewAsset(r *asc.AppPreview) *Asset {
	a := &Asset{Type: r.Type, ID: r.ID}
	if at := r.Attributes; at != nil {
		a.Attributes = Attributes{FileName: at.FileName, FileSize: size(at.FileSize), SourceFileChecksum: at.SourceFileChecksum,
			UploadOperations: MediaOperations(at.UploadOperations), AssetDeliveryState: assetState(at.AssetDeliveryState),
			PreviewFrameTimeCode: at.PreviewFrameTimeCode}
		if v := at.VideoDeliveryState; v != nil {
			a.Attributes.VideoDeliveryState = &DeliveryState{State: string(v.State), Errors: stateErrors(v.Errors), Warnings: stateErrors(v.Warnings)}
		}
	}
	return a
}

// ReviewAttachmentAsset returns a typed App Review attachment as the protocol sees it.
func ReviewAttachmentAsset(r *asc.AppStoreReviewAttachment) *Asset {
	a := &Asset{Type: r.Type, ID: r.ID}
	if at := r.Attributes; at != nil {
		a.Attributes = mediaAttributes(at.FileName, at.FileSize, at.SourceFileChecksum, at.UploadOperations, at.AssetDeliveryState)
	}
	return a
}

// AppClipHeaderImageAsset returns a typed App Clip header image as the protocol sees it.
func AppClipHeaderImageAsset(r *asc.AppClipHeaderImage) *Asset {
	a := &Asset{Type: r.Type, ID: r.ID}
	if at := r.Attributes; at != nil {
		a.Attributes = mediaAttributes(at.FileName, at.FileSize, at.SourceFileChecksum, at.UploadOperations, at.AssetDeliveryState)
	}
	return a
}
