package screenshots

import (
	"context"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/workflow/metadata"
)

// MetadataPushFolders is what a metadata push sends.
type MetadataPushFolders struct {
	// Metadata is the deliver metadata folder, read with the target's Folders (their inline
	// values too). SkipMetadata leaves the metadata out (deliver's skip_metadata, or nothing
	// to send) and sends only the header images.
	Metadata     string
	SkipMetadata bool
	// HeaderImages is the App Clip card's header images folder, read and checked (nil: none).
	HeaderImages *HeaderImages
}

// MetadataPush is a push of a version's metadata and of its App Clip card's header images,
// both planned on one read of the version. Nothing is written until ApplyMetadataPush.
type MetadataPush struct {
	// Metadata is the metadata's plan and State the read it was made on (both nil with
	// SkipMetadata).
	Metadata *metadata.Plan
	State    *metadata.State
	// Headers is the header images' plan (nil without a header images folder).
	Headers *HeaderPlan
	// Requests counts the reads made to plan.
	Requests int

	target metadata.Target
	images *HeaderImages
}

// MetadataPushResult is what ApplyMetadataPush did.
type MetadataPushResult struct {
	Metadata metadata.Result
	Headers  HeaderResult
	// Requests counts every API request of the push: the plans' reads, the writes, the
	// reconciling reads and the header images' second plan.
	Requests int
}

// HeaderImagesError is a push that failed at its App Clip header images; the metadata
// before them was planned (and, from ApplyMetadataPush, sent).
type HeaderImagesError struct{ Err error }

func (e *HeaderImagesError) Error() string { return "App Clip header images: " + e.Err.Error() }
func (e *HeaderImagesError) Unwrap() error { return e.Err }

// PrepareMetadataPush reads the target and plans the push of f: the metadata as
// metadata.Prepare plans it (a folder with problems is a *metadata.ValidationError before any
// request), then the header images on the version that read found (one more request; the
// live version's are skipped, as deliver's edit_live skips them). Nothing is written. A
// failure of the header images' plan is a *HeaderImagesError, returned with the push so far.
func PrepareMetadataPush(ctx context.Context, c *asc.Client, t metadata.Target, f MetadataPushFolders) (*MetadataPush, error) {
	p := &MetadataPush{target: t, images: f.HeaderImages}
	if !f.SkipMetadata {
		plan, st, err := metadata.Prepare(ctx, c, t, f.Metadata)
		if err != nil {
			return nil, err
		}
		p.Metadata, p.State, p.Requests = plan, st, st.Requests
	}
	if f.HeaderImages != nil {
		hp, err := PrepareHeaderImagesWith(ctx, c, t, p.State, f.HeaderImages)
		if err != nil {
			return p, &HeaderImagesError{err}
		}
		p.Headers = hp
		p.Requests += hp.Requests
	}
	return p, nil
}

// PrepareHeaderImagesWith is PrepareHeaderImages for the version a metadata read st found,
// without reading it again (nil st: it is read). The live version's images are skipped.
func PrepareHeaderImagesWith(ctx context.Context, c *asc.Client, t metadata.Target, st *metadata.State, h *HeaderImages) (*HeaderPlan, error) {
	if st == nil || t.Live {
		return PrepareHeaderImages(ctx, c, t, h)
	}
	return PrepareHeaderImagesAt(ctx, c, st.Location(), t.Languages, h)
}

// ApplyMetadataPush carries out p in the order App Store Connect needs: the metadata's
// writes (metadata.Apply), then the header images (ApplyHeaderImages with opts). When the
// metadata created localizations of the App Clip card (a new locale's subtitle), which the
// header images' plan would otherwise create again, the images are planned again first. A
// metadata failure stops the push before any image; a header images failure is a
// *HeaderImagesError. Running it again after a stop finishes the push.
func ApplyMetadataPush(ctx context.Context, c *asc.Client, p *MetadataPush, opts Options) (MetadataPushResult, error) {
	res := MetadataPushResult{Requests: p.Requests}
	if p.Metadata != nil && len(p.Metadata.Writes) > 0 {
		var err error
		res.Metadata, err = metadata.Apply(ctx, c, p.Metadata, metadata.ApplyOptions{})
		res.Requests += res.Metadata.Requests
		if err != nil {
			return res, err
		}
	}
	hp := p.Headers
	if hp.Writes() == 0 {
		return res, nil
	}
	if p.Metadata != nil && p.Metadata.CreatesAppClipLocalizations() {
		again, err := PrepareHeaderImagesWith(ctx, c, p.target, p.State, p.images)
		if err != nil {
			return res, &HeaderImagesError{err}
		}
		res.Requests += again.Requests
		hp = again
	}
	hres, err := ApplyHeaderImages(ctx, c, hp, opts)
	res.Headers = hres
	res.Requests += hres.Requests
	if err != nil {
		return res, &HeaderImagesError{err}
	}
	return res, nil
}
