package screenshots

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/asc/upload"
	"github.com/ascend-tools/ascend/workflow/internal/readback"
	"github.com/ascend-tools/ascend/workflow/metadata"
)

// HeaderAction is what a sync does with a language's header image.
type HeaderAction string

const (
	// HeaderUnchanged: App Store Connect has the file (same MD5), processed.
	HeaderUnchanged HeaderAction = "unchanged"
	// HeaderUpload: the language has none yet.
	HeaderUpload HeaderAction = "upload"
	// HeaderReplace: the one there differs (another file, or an upload an earlier run left
	// unfinished or that failed processing); it is deleted, then the file uploaded.
	HeaderReplace HeaderAction = "replace"
	// HeaderAwait: the file was committed by an earlier run and is still processing.
	HeaderAwait HeaderAction = "await"
	// HeaderResume: an earlier run reserved the file (same name and size) and stopped before
	// its commit; its parts are sent under that reservation (replaced when its URLs expired).
	HeaderResume HeaderAction = "resume"
)

// HeaderChange is the plan of one language.
type HeaderChange struct {
	Locale string
	Action HeaderAction
	// File is the image's path in the folder; FromDefault says it is default/'s.
	File        string
	FromDefault bool
	// LocalizationID is the experience's localization of the language, "" when the sync
	// creates it first.
	LocalizationID string
	// Remote is the header image App Store Connect has now (nil: none).
	Remote *upload.Asset
	shot   Shot
}

// HeaderPlan is what a header image sync will do.
type HeaderPlan struct {
	AppID, VersionString, ExperienceID string
	// Skipped says why nothing is sent at all (no App Clip default experience, a live
	// version); Changes is then empty.
	Skipped string
	Changes []HeaderChange // by locale
	// Requests counts the reads made to plan.
	Requests int
}

// Writes counts the changes that send something (none for a nil plan).
func (p *HeaderPlan) Writes() int {
	if p == nil {
		return 0
	}
	n := 0
	for _, ch := range p.Changes {
		if ch.Action != HeaderUnchanged {
			n++
		}
	}
	return n
}

// HeaderResult is what a header image sync did.
type HeaderResult struct {
	LocalizationsCreated, Uploaded, Deleted, Unchanged int
	// Processing counts uploads left processing, not awaited (Options.NoWait).
	Processing int
	// Requests counts the API requests made (the upload parts, sent to storage, are not).
	Requests int
}

// headerImageFields are the header image attributes a sync compares and waits on.
var headerImageFields = []string{"fileName", "fileSize", "sourceFileChecksum", "assetDeliveryState", "imageAsset", "uploadOperations"}

// headerLocalization is one localization of the experience with its header image.
type headerLocalization struct {
	id    string
	image *upload.Asset
	// imageAsset is the processed image's template URL and size, for a pull.
	imageAsset *asc.ImageAsset
}

// readHeaderImages lists the experience's localizations with their header images included:
// one request (an experience has at most one localization per locale, 50, within a page).
func readHeaderImages(ctx context.Context, c *asc.Client, experienceID string, locale ...string) (map[string]headerLocalization, error) {
	resp, _, err := c.AppClipDefaultExperiences.ListLocalizations(ctx, experienceID, &asc.AppClipDefaultExperiencesListLocalizationsOptions{
		Limit: 200, Include: []string{"appClipHeaderImage"}, FilterLocale: locale,
		FieldsAppClipDefaultExperienceLocalizations: []string{"locale", "appClipHeaderImage"},
		FieldsAppClipHeaderImages:                   headerImageFields,
	})
	if err != nil {
		return nil, fmt.Errorf("read the App Clip default experience's localizations: %w", err)
	}
	images := map[string]*asc.AppClipHeaderImage{}
	for _, inc := range resp.Included {
		if r, ok := inc.(*asc.AppClipHeaderImage); ok {
			images[r.ID] = r
		}
	}
	out := map[string]headerLocalization{}
	for _, l := range resp.Data {
		if l.Attributes == nil {
			continue
		}
		hl := headerLocalization{id: l.ID}
		if rel := l.Relationships; rel != nil && rel.AppClipHeaderImage != nil && rel.AppClipHeaderImage.Data.One != nil {
			if r := images[rel.AppClipHeaderImage.Data.One.ID]; r != nil {
				hl.image = upload.AppClipHeaderImageAsset(r)
				if r.Attributes != nil {
					hl.imageAsset = r.Attributes.ImageAsset
				}
			}
		}
		out[l.Attributes.Locale] = hl
	}
	return out, nil
}

// PrepareHeaderImages reads the target's App Clip default experience (the version, then its
// localizations with their header images: 2 requests, 3 for a bundle id) and plans the sync
// of h. Nothing is written. The live version, or one without an App Clip, gives a plan that
// is Skipped.
func PrepareHeaderImages(ctx context.Context, c *asc.Client, t metadata.Target, h *HeaderImages) (*HeaderPlan, error) {
	if t.Live {
		return &HeaderPlan{Skipped: "App Clip header images are not sent to the live version (deliver's edit_live skips them too)"}, nil
	}
	loc, err := metadata.Locate(ctx, c, t)
	if err != nil {
		return nil, err
	}
	p, err := PrepareHeaderImagesAt(ctx, c, loc, t.Languages, h)
	if p != nil {
		p.Requests += loc.Requests
	}
	return p, err
}

// PrepareHeaderImagesAt is PrepareHeaderImages for a version a read already found (a
// metadata push's: its app, version, state and App Clip default experience), which saves
// reading it again: one request. languages are the target's Languages.
func PrepareHeaderImagesAt(ctx context.Context, c *asc.Client, loc *metadata.Location, languages []string, h *HeaderImages) (*HeaderPlan, error) {
	p := &HeaderPlan{AppID: loc.AppID, VersionString: loc.VersionString, ExperienceID: loc.AppClipExperienceID}
	if p.ExperienceID == "" {
		p.Skipped = fmt.Sprintf("version %s has no App Clip default experience (upload a build with an App Clip first); App Clip header images not sent", loc.VersionString)
		return p, nil
	}
	remote, err := readHeaderImages(ctx, c, p.ExperienceID)
	p.Requests++
	if err != nil {
		return nil, err
	}
	p.Changes = planHeaderImages(h, remote, languages)
	if msg := metadata.EditableProblem(loc.VersionString, loc.VersionState, false); msg != "" && p.Writes() > 0 {
		return p, errors.New(msg)
	}
	return p, nil
}

// planHeaderImages compares the folder with what the experience has. The languages are the
// folder's, the target's Languages, and, for default/'s image, every language the experience
// has a localization of.
func planHeaderImages(h *HeaderImages, remote map[string]headerLocalization, languages []string) []HeaderChange {
	locales := map[string]bool{}
	for l := range h.Locales {
		locales[l] = true
	}
	for _, l := range languages {
		if locale, ok := apple.LookupLocale(l); ok {
			locales[locale] = true
		}
	}
	if h.Default != nil {
		for l := range remote {
			locales[l] = true
		}
	}
	var changes []HeaderChange
	for _, locale := range slices.Sorted(maps.Keys(locales)) {
		shot := h.For(locale)
		if shot == nil {
			continue
		}
		r := remote[locale]
		ch := HeaderChange{Locale: locale, File: shot.Rel, FromDefault: h.Locales[locale] == nil, LocalizationID: r.id, Remote: r.image, shot: *shot}
		switch st := r.image.State(); {
		case r.image == nil:
			ch.Action = HeaderUpload
		case st == upload.AwaitingUpload && r.image.Attributes.FileName == shot.Name && r.image.Attributes.FileSize == shot.Size && len(r.image.Attributes.UploadOperations) > 0:
			ch.Action = HeaderResume
		case r.image.Attributes.SourceFileChecksum != shot.MD5 || st == upload.Failed || st == upload.AwaitingUpload:
			ch.Action = HeaderReplace
		case st == upload.Complete:
			ch.Action = HeaderUnchanged
		default: // UPLOAD_COMPLETE, PROCESSING: committed by an earlier run
			ch.Action = HeaderAwait
		}
		changes = append(changes, ch)
	}
	return changes
}

// ApplyHeaderImages carries out p: the missing localizations created (read back after a
// failure that may have taken effect), each differing image deleted, then the file reserved,
// its parts sent and committed with its MD5, the languages in parallel; then one list of the
// localizations per poll, backing off from Options.PollInitial by half up to PollMax until
// PollTimeout, until every upload is processed. A language never holds two header images:
// the old one goes before the new one is reserved, and a reservation whose answer was lost is
// read back, not made twice.
func ApplyHeaderImages(ctx context.Context, c *asc.Client, p *HeaderPlan, opts Options) (HeaderResult, error) {
	s := newSyncer(c, opts)
	var (
		mu      sync.Mutex
		res     HeaderResult
		pending = map[string]*HeaderChange{} // by locale
	)
	count := func(f func(*HeaderResult)) { mu.Lock(); f(&res); mu.Unlock() }
	work := make([]*HeaderChange, 0, len(p.Changes))
	for i := range p.Changes {
		ch := &p.Changes[i]
		switch ch.Action {
		case HeaderUnchanged:
			res.Unchanged++
		case HeaderAwait:
			pending[ch.Locale] = ch
		default:
			work = append(work, ch)
		}
	}
	err := s.parallel(ctx, len(work), func(i int) error {
		ch := work[i]
		if ch.LocalizationID == "" {
			id, err := createHeaderLocalization(ctx, s, p.ExperienceID, ch.Locale)
			if err != nil {
				return fmt.Errorf("%s: create the App Clip card's localization: %w", ch.Locale, err)
			}
			ch.LocalizationID = id
			count(func(r *HeaderResult) { r.LocalizationsCreated++ })
		}
		uploaded := func(a *upload.Asset) error {
			ch.Remote = a
			count(func(r *HeaderResult) { r.Uploaded++ })
			s.emit(Event{Locale: ch.Locale, Kind: EventUploaded, File: ch.shot.Name})
			mu.Lock()
			pending[ch.Locale] = ch
			mu.Unlock()
			return nil
		}
		if ch.Action == HeaderResume {
			err := s.sendAndCommit(ctx, ch.Remote, ch.shot)
			if err == nil {
				return uploaded(ch.Remote)
			}
			if ctx.Err() != nil {
				return fmt.Errorf("%s: upload %s: %w", ch.Locale, ch.File, err)
			}
			ch.Action = HeaderReplace // the reservation's URLs expired: a new one, once
		}
		if ch.Action == HeaderReplace && ch.Remote != nil {
			if err := s.up.Delete(ctx, "appClipHeaderImages", ch.Remote.ID); err != nil {
				return fmt.Errorf("%s: delete the header image there (%s): %w", ch.Locale, ch.Remote.Attributes.FileName, err)
			}
			count(func(r *HeaderResult) { r.Deleted++ })
		}
		a, err := s.up.Reserve(ctx, headerRequest(s, ch))
		if err == nil {
			err = s.sendAndCommit(ctx, a, ch.shot)
		}
		if err != nil {
			return fmt.Errorf("%s: upload %s: %w", ch.Locale, ch.File, err)
		}
		return uploaded(a)
	})
	if err == nil && opts.NoWait {
		res.Processing = len(pending)
	} else if err == nil {
		err = awaitHeaderImages(ctx, s, p.ExperienceID, pending)
	}
	res.Requests = int(s.requests.Load())
	return res, err
}

// SyncHeaderImages prepares and applies in one call.
func SyncHeaderImages(ctx context.Context, c *asc.Client, t metadata.Target, h *HeaderImages, opts Options) (*HeaderPlan, HeaderResult, error) {
	p, err := PrepareHeaderImages(ctx, c, t, h)
	if err != nil || p.Skipped != "" || opts.DryRun {
		return p, HeaderResult{}, err
	}
	res, err := ApplyHeaderImages(ctx, c, p, opts)
	return p, res, err
}

// headerRequest is the reservation of ch's file under its localization; after a failure
// that may have taken effect, the localization's header image is read back and taken when it
// is a reservation of the same file.
func headerRequest(s *syncer, ch *HeaderChange) upload.Request {
	return upload.Request{Type: "appClipHeaderImages", Relationship: "appClipDefaultExperienceLocalization",
		Parent: asc.ResourceIdentifier{Type: "appClipDefaultExperienceLocalizations", ID: ch.LocalizationID},
		File:   upload.File{Name: ch.shot.Name, Size: ch.shot.Size, MD5: ch.shot.MD5},
		Find: func(ctx context.Context) (*upload.Asset, error) {
			var resp *asc.AppClipHeaderImageResponse
			err := s.call(ctx, func() (err error) {
				resp, _, err = s.c.AppClipDefaultExperienceLocalizations.GetHeaderImage(ctx, ch.LocalizationID,
					&asc.AppClipDefaultExperienceLocalizationsGetHeaderImageOptions{FieldsAppClipHeaderImages: headerImageFields})
				return err
			})
			var er *asc.ErrorResponse
			if errors.As(err, &er) && er.StatusCode == http.StatusNotFound {
				return nil, nil
			}
			if err != nil || resp.Data.ID == "" {
				return nil, err
			}
			a := upload.AppClipHeaderImageAsset(&resp.Data)
			if a.State() == upload.AwaitingUpload && a.Attributes.FileName == ch.shot.Name && a.Attributes.FileSize == ch.shot.Size {
				return a, nil
			}
			return nil, nil
		}}
}

// createHeaderLocalization creates the experience's localization of locale; after a failure
// that may have taken effect it is read back, and created again only when it is not there.
func createHeaderLocalization(ctx context.Context, s *syncer, experienceID, locale string) (string, error) {
	body := &asc.AppClipDefaultExperienceLocalizationCreateRequest{Data: asc.AppClipDefaultExperienceLocalizationCreateRequestData{
		Attributes: asc.AppClipDefaultExperienceLocalizationCreateRequestAttributes{Locale: locale},
		Relationships: asc.AppClipDefaultExperienceLocalizationCreateRequestRelationships{
			AppClipDefaultExperience: asc.Relationship{Data: asc.ToOne("appClipDefaultExperiences", experienceID)}}}}
	for attempt := 1; ; attempt++ {
		var resp *asc.AppClipDefaultExperienceLocalizationResponse
		err := s.call(ctx, func() (err error) {
			resp, _, err = s.c.AppClipDefaultExperienceLocalizations.Create(ctx, body)
			return err
		})
		if err == nil {
			return resp.Data.ID, nil
		}
		if attempt >= upload.MaxCreateAttempts || (!readback.Needed(ctx, err) && upload.ClassifyCreate(err) != upload.CreateRetry) {
			return "", err
		}
		if err := sleep(ctx, upload.RetryDelay(err, attempt)); err != nil {
			return "", err
		}
		if readback.Needed(ctx, err) {
			var found map[string]headerLocalization
			if rerr := s.call(ctx, func() (rerr error) { found, rerr = readHeaderImages(ctx, s.c, experienceID, locale); return rerr }); rerr != nil {
				return "", fmt.Errorf("%w; reading back failed too: %v", err, rerr)
			}
			if l, ok := found[locale]; ok {
				return l.id, nil
			}
		}
	}
}

// awaitHeaderImages polls until every pending upload is processed: one list of the
// localizations a round, whatever the number of languages.
func awaitHeaderImages(ctx context.Context, s *syncer, experienceID string, pending map[string]*HeaderChange) error {
	if len(pending) == 0 {
		return nil
	}
	opts := s.up.Options()
	deadline := time.Now().Add(opts.PollTimeout)
	wait := opts.PollInitial
	var failed []error
	// The commit's answer already says whether processing ended.
	remote := map[string]headerLocalization{}
	for locale, ch := range pending {
		remote[locale] = headerLocalization{image: ch.Remote}
	}
	for {
		for locale, ch := range pending {
			got := remote[locale].image
			if got == nil || (ch.Remote != nil && got.ID != ch.Remote.ID) {
				return fmt.Errorf("%s: the App Clip header image uploaded is gone (another run or someone in App Store Connect replaced it); run again", locale)
			}
			ch.Remote = got
			switch got.State() {
			case upload.Complete:
				delete(pending, locale)
				s.emit(Event{Locale: locale, Kind: EventProcessed, File: got.Attributes.FileName})
			case upload.Failed:
				delete(pending, locale)
				fe := &upload.FailedError{Type: "appClipHeaderImages", ID: got.ID, FileName: ch.File, Errors: got.Delivery().Errors}
				s.emit(Event{Locale: locale, Kind: EventFailed, File: got.Attributes.FileName, Err: fe})
				failed = append(failed, fe)
			}
		}
		if len(pending) == 0 {
			return errors.Join(failed...)
		}
		if time.Now().Add(wait).After(deadline) {
			first := pending[slices.Sorted(maps.Keys(pending))[0]]
			return errors.Join(append(failed, &upload.PendingError{Type: "appClipHeaderImages", ID: first.Remote.ID, FileName: first.File, State: first.Remote.State()})...)
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
		wait = upload.NextWait(wait, opts.PollMax)
		if err := s.call(ctx, func() (err error) { remote, err = readHeaderImages(ctx, s.c, experienceID); return err }); err != nil {
			return fmt.Errorf("check the processing of the App Clip header images: %w", err)
		}
	}
}
