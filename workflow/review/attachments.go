package review

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/asc/upload"
	"github.com/ascend-tools/ascend/workflow/apps"
	"github.com/ascend-tools/ascend/workflow/internal/folder"
	problemlist "github.com/ascend-tools/ascend/workflow/internal/problems"
	"github.com/ascend-tools/ascend/workflow/internal/readback"
	"github.com/ascend-tools/ascend/workflow/versions"
)

// AttachmentsRequest names the version whose App Review attachments to bring to Files (the
// paths of the files App Review should have: a demo video, a document), as deliver's
// app_review_attachment_file does.
type AttachmentsRequest struct {
	App      string
	Platform asc.Platform
	Version  string // "" for the version being prepared
	Files    []string
	// List only reads what is attached.
	List   bool
	DryRun bool
	// HTTPClient sends the upload parts (nil: a plain client); Upload tunes the protocol.
	HTTPClient *http.Client
	Upload     upload.Options
	// NoWait ends once each file is uploaded and committed, without waiting for processing.
	NoWait bool
}

// Attachment is one App Review attachment.
type Attachment struct {
	ID       string `json:"id,omitempty"`
	FileName string `json:"fileName"`
	FileSize int64  `json:"fileSize"`
	State    string `json:"state,omitempty"`
	// Action is what the sync did with it: kept, uploaded, removed (or would, on a dry run).
	Action string `json:"action,omitempty"`
}

// AttachmentsResult is the version's attachments after the sync, and what changed.
type AttachmentsResult struct {
	Version     versions.Version `json:"version"`
	Attachments []Attachment     `json:"attachments"`
	Requests    int              `json:"requests"`
	DryRun      bool             `json:"dryRun,omitempty"`
}

// SyncAttachments makes the version's App Review attachments the files asked: a file already
// attached (same name, size and checksum, processed) is kept, a new or changed one uploaded
// with the asset protocol (reserve, parts, commit, await; a reservation an interrupted run
// left is reused, a lost reserve read back), and attachments not asked for are removed once
// the uploads are done. Every file is checked before anything is sent; a second run sends
// nothing.
func SyncAttachments(ctx context.Context, c *asc.Client, req AttachmentsRequest) (*AttachmentsResult, error) {
	var files []upload.File
	seen := map[string]bool{}
	var problems []string
	for _, p := range req.Files {
		f, err := openAttachment(p)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if seen[f.Name] {
			problems = append(problems, fmt.Sprintf("%s: a second file named %s", p, f.Name))
			continue
		}
		seen[f.Name] = true
		files = append(files, f)
	}
	defer func() {
		for _, f := range files {
			if cl, ok := f.Content.(*os.File); ok {
				cl.Close()
			}
		}
	}()
	if len(problems) > 0 {
		return nil, problemlist.New("the review attachments", problems)
	}
	app, n, err := apps.Resolve(ctx, c, req.App)
	if err != nil {
		return nil, err
	}
	out := &AttachmentsResult{Requests: n, DryRun: req.DryRun, Attachments: []Attachment{}}
	v, err := versions.Get(ctx, c, versions.Query{App: app.ID, Platform: req.Platform, Version: req.Version})
	out.Requests++
	if err != nil {
		return nil, err
	}
	out.Version = *v
	detailID, err := reviewDetailID(ctx, c, v.ID)
	out.Requests++
	if err != nil {
		return nil, err
	}
	var current []*upload.Asset
	if detailID != "" {
		current, err = attachments(ctx, c, detailID)
		out.Requests++
		if err != nil {
			return nil, err
		}
	}
	if req.List {
		for _, a := range current {
			out.Attachments = append(out.Attachments, attachmentOf(a, ""))
		}
		return out, nil
	}
	if !v.Editable() && (len(files) > 0 || len(current) > 0) {
		return nil, fmt.Errorf("version %s (%s) is %s: its App Review attachments can change only while it is being prepared", v.Version, v.Platform, v.State)
	}
	// What to keep, reuse and upload.
	keep := map[string]bool{}
	type job struct {
		file  upload.File
		reuse *upload.Asset
	}
	var jobs []job
	for _, f := range files {
		sum, err := f.Checksum()
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(current, func(a *upload.Asset) bool {
			return a.Attributes.FileName == f.Name && a.Attributes.FileSize == f.Size && a.Attributes.SourceFileChecksum == sum &&
				(a.State() == upload.Complete || a.State() == upload.UploadComplete)
		})
		if i >= 0 {
			keep[current[i].ID] = true
			out.Attachments = append(out.Attachments, attachmentOf(current[i], "kept"))
			continue
		}
		j := job{file: f}
		if k := slices.IndexFunc(current, func(a *upload.Asset) bool {
			return !keep[a.ID] && a.Attributes.FileName == f.Name && a.Attributes.FileSize == f.Size && a.State() == upload.AwaitingUpload
		}); k >= 0 {
			j.reuse = current[k]
			keep[current[k].ID] = true
		}
		jobs = append(jobs, j)
	}
	var remove []*upload.Asset
	for _, a := range current {
		if !keep[a.ID] {
			remove = append(remove, a)
		}
	}
	if req.DryRun {
		for _, j := range jobs {
			out.Attachments = append(out.Attachments, Attachment{FileName: j.file.Name, FileSize: j.file.Size, Action: "uploaded"})
		}
		for _, a := range remove {
			out.Attachments = append(out.Attachments, attachmentOf(a, "removed"))
		}
		return out, nil
	}
	if len(jobs) > 0 && detailID == "" {
		detailID, err = createReviewDetail(ctx, c, v.ID, &out.Requests)
		if err != nil {
			return nil, err
		}
	}
	up := upload.New(c, req.HTTPClient, req.Upload)
	parent := asc.ResourceIdentifier{Type: "appStoreReviewDetails", ID: detailID}
	for _, j := range jobs {
		f := j.file
		a, err := up.Upload(ctx, upload.Request{Type: "appStoreReviewAttachments", Relationship: "appStoreReviewDetail", Parent: parent, File: f, Reuse: j.reuse, NoWait: req.NoWait,
			Find: func(ctx context.Context) (*upload.Asset, error) {
				list, err := attachments(ctx, c, detailID)
				if err != nil {
					return nil, err
				}
				for _, a := range list {
					if a.Attributes.FileName == f.Name && a.Attributes.FileSize == f.Size && a.State() == upload.AwaitingUpload {
						return a, nil
					}
				}
				return nil, nil
			}})
		out.Requests += 3
		if err != nil {
			return out, fmt.Errorf("upload review attachment %s: %w", f.Name, err)
		}
		if a.Attributes.FileName == "" {
			a.Attributes.FileName, a.Attributes.FileSize = f.Name, f.Size
		}
		out.Attachments = append(out.Attachments, attachmentOf(a, "uploaded"))
	}
	for _, a := range remove {
		if err := up.Delete(ctx, a.Type, a.ID); err != nil {
			return out, fmt.Errorf("remove review attachment %s: %w", a.Attributes.FileName, err)
		}
		out.Requests++
		out.Attachments = append(out.Attachments, attachmentOf(a, "removed"))
	}
	return out, nil
}

func openAttachment(path string) (upload.File, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return upload.File{}, fmt.Errorf("%s is a folder, not a file", path)
	}
	fh, err := folder.Open(path) // a pipe or device is refused before it is opened
	if err != nil {
		return upload.File{}, fmt.Errorf("%s: %v", path, errors.Unwrap(err))
	}
	st, err := fh.Stat()
	switch {
	case err != nil:
		fh.Close()
		return upload.File{}, fmt.Errorf("%s: %v", path, err)
	case st.Size() == 0:
		fh.Close()
		return upload.File{}, fmt.Errorf("%s is empty", path)
	}
	return upload.File{Name: filepath.Base(path), Content: fh, Size: st.Size()}, nil
}

func attachmentOf(a *upload.Asset, action string) Attachment {
	return Attachment{ID: a.ID, FileName: a.Attributes.FileName, FileSize: a.Attributes.FileSize, State: a.State(), Action: action}
}

func reviewDetailID(ctx context.Context, c *asc.Client, versionID string) (string, error) {
	doc, _, err := c.AppStoreVersions.GetReviewDetail(ctx, versionID, &asc.AppStoreVersionsGetReviewDetailOptions{FieldsAppStoreReviewDetails: []string{"contactEmail"}})
	if notFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the review details of version %s: %w", versionID, err)
	}
	return doc.Data.ID, nil
}

// createReviewDetail makes the version's (empty) review details to hang attachments on; a
// create whose answer was lost is read back, so there is never a second.
func createReviewDetail(ctx context.Context, c *asc.Client, versionID string, requests *int) (string, error) {
	body := &asc.AppStoreReviewDetailCreateRequest{Data: asc.AppStoreReviewDetailCreateRequestData{
		Relationships: asc.AppStoreReviewDetailCreateRequestRelationships{AppStoreVersion: asc.Relationship{Data: asc.ToOne("appStoreVersions", versionID)}}}}
	for attempt := 1; ; attempt++ {
		doc, _, err := c.AppStoreReviewDetails.Create(ctx, body)
		*requests++
		if err == nil {
			return doc.Data.ID, nil
		}
		if !readback.Needed(ctx, err) || attempt == 3 {
			return "", fmt.Errorf("create the review details of version %s: %w", versionID, err)
		}
		id, rerr := reviewDetailID(ctx, c, versionID)
		*requests++
		if rerr != nil {
			return "", fmt.Errorf("create the review details of version %s: %w (and reading back failed: %v)", versionID, err, rerr)
		}
		if id != "" {
			return id, nil
		}
		if readback.Refused(err) {
			return "", fmt.Errorf("create the review details of version %s: %w", versionID, err)
		}
	}
}

func attachments(ctx context.Context, c *asc.Client, detailID string) ([]*upload.Asset, error) {
	doc, _, err := c.AppStoreReviewDetails.ListReviewAttachments(ctx, detailID, &asc.AppStoreReviewDetailsListReviewAttachmentsOptions{Limit: 200,
		FieldsAppStoreReviewAttachments: []string{"fileName", "fileSize", "sourceFileChecksum", "uploadOperations", "assetDeliveryState"}})
	if err != nil {
		return nil, fmt.Errorf("read the review attachments: %w", err)
	}
	out := make([]*upload.Asset, 0, len(doc.Data))
	for i := range doc.Data {
		out = append(out, upload.ReviewAttachmentAsset(&doc.Data[i]))
	}
	return out, nil
}
