package screenshots

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/asc/upload"
	"github.com/ascend-tools/ascend/workflow/internal/folder"
	"github.com/ascend-tools/ascend/workflow/metadata"
)

// HeaderPull is what PullHeaderImages did.
type HeaderPull struct {
	AppID, VersionString string
	// Skipped says why nothing was read beyond the version (no App Clip default experience).
	Skipped string
	// Written are the files written, relative to the folder, sorted; Removed the images they
	// replaced in their language's folder (one image a language).
	Written, Removed []string
	// Failed are the files not written, relative to the folder, sorted: their download or
	// write failed (the error says why, a line each by name; the rest were written).
	Failed []string
	// Requests counts the API requests; Downloads the images fetched from their URLs and
	// written (len(Written)): a failed download is in Failed, not here.
	Requests, Downloads int
}

// maxHeaderImageBytes bounds a downloaded header image.
const maxHeaderImageBytes = 64 << 20

// PullHeaderImages writes the App Clip header images of the target's version (the one in
// preparation, else the live one, as deliver's download_app_clip_header_images) into dir in
// the layout LoadHeaderImages reads: <locale>/<file name>, into the folder of the locale
// already there in whatever letter case. A language whose folder (or, without a folder of
// its own, default/) already holds the image, by MD5, is left untouched; otherwise the image
// is fetched from its URL with client (nil: a plain client; never the API's token) and
// replaces the folder's image. Two requests to the API (three for a bundle id), then the
// downloads, four at a time.
func PullHeaderImages(ctx context.Context, c *asc.Client, t metadata.Target, dir string, client *http.Client) (*HeaderPull, error) {
	loc, err := metadata.Locate(ctx, c, t.ForPull())
	if err != nil {
		return nil, err
	}
	res, err := PullHeaderImagesAt(ctx, c, loc, dir, client)
	if res != nil {
		res.Requests += loc.Requests
	}
	return res, err
}

// PullHeaderImagesAt is PullHeaderImages for a version a read already found (a metadata
// pull's), which saves reading it again: one request to the API, then the downloads.
func PullHeaderImagesAt(ctx context.Context, c *asc.Client, loc *metadata.Location, dir string, client *http.Client) (*HeaderPull, error) {
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Minute}
	}
	res := &HeaderPull{AppID: loc.AppID, VersionString: loc.VersionString}
	if loc.AppClipExperienceID == "" {
		res.Skipped = fmt.Sprintf("version %s has no App Clip default experience; no App Clip header images to pull", loc.VersionString)
		return res, nil
	}
	remote, err := readHeaderImages(ctx, c, loc.AppClipExperienceID)
	res.Requests++
	if err != nil {
		return nil, err
	}
	have, err := headerFolders(dir)
	if err != nil {
		return nil, err
	}
	type job struct {
		locale, folder, name, url string
		stale                     []string
	}
	var jobs []job
	for _, locale := range slices.Sorted(maps.Keys(remote)) {
		r := remote[locale]
		if r.image == nil || r.image.State() != upload.Complete || r.imageAsset == nil || r.imageAsset.TemplateURL == "" {
			continue
		}
		sum := r.image.Attributes.SourceFileChecksum
		f, own := have[locale]
		if !own {
			f = headerFolder{name: locale}
		}
		if d, ok := have[metadata.DefaultLocale]; ok && len(f.images) == 0 && d.holds(sum) {
			continue // default/'s image is the language's
		}
		if f.holds(sum) {
			continue
		}
		name, ext := headerFileName(r.image.Attributes.FileName)
		w, h := apple.AppClipHeaderImageWidth, apple.AppClipHeaderImageHeight
		if ia := r.imageAsset; ia.Width != nil && ia.Height != nil {
			w, h = *ia.Width, *ia.Height
		}
		url := strings.NewReplacer("{w}", strconv.Itoa(w), "{h}", strconv.Itoa(h), "{f}", ext).Replace(r.imageAsset.TemplateURL)
		var stale []string
		for _, img := range f.images {
			if img.Name != name {
				stale = append(stale, img.Name)
			}
		}
		jobs = append(jobs, job{locale: locale, folder: f.name, name: name, url: url, stale: stale})
	}
	var (
		mu   sync.Mutex
		sem  = make(chan struct{}, 4)
		errs []error
		wg   sync.WaitGroup
	)
	for _, j := range jobs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			err := download(ctx, client, j.url, filepath.Join(dir, j.folder, j.name))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.Failed = append(res.Failed, j.folder+"/"+j.name)
				errs = append(errs, fmt.Errorf("%s: download the App Clip header image %s: %w", j.locale, j.name, err))
				return
			}
			res.Downloads++
			res.Written = append(res.Written, j.folder+"/"+j.name)
			for _, s := range j.stale {
				if err := os.Remove(filepath.Join(dir, j.folder, s)); err != nil {
					errs = append(errs, fmt.Errorf("%s: remove the image %s replaced: %w", j.locale, s, err))
					continue
				}
				res.Removed = append(res.Removed, j.folder+"/"+s)
			}
		})
	}
	wg.Wait()
	slices.Sort(res.Written)
	slices.Sort(res.Removed)
	slices.Sort(res.Failed)
	if len(errs) > 0 {
		return res, errors.Join(errs...)
	}
	return res, nil
}

// headerFolder is a language folder of a header images folder on disk, with its images.
type headerFolder struct {
	name   string
	images []Shot
}

// holds reports whether the folder has an image of that MD5.
func (f headerFolder) holds(sum string) bool {
	return sum != "" && slices.ContainsFunc(f.images, func(s Shot) bool { return s.MD5 == sum })
}

// headerFolders reads what dir has, by locale (default/ under metadata.DefaultLocale); a
// folder that does not exist has nothing.
func headerFolders(dir string) (map[string]headerFolder, error) {
	out := map[string]headerFolder{}
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read App Clip header images folder %s: %w", dir, err)
	}
	for _, e := range entries {
		name := e.Name()
		if folder.Hidden(name) || !folder.IsDir(dir, e) {
			continue
		}
		locale := metadata.DefaultLocale
		if !strings.EqualFold(name, metadata.DefaultLocale) {
			l, ok := apple.LookupLocale(name)
			if !ok {
				continue
			}
			locale = l
		}
		f := headerFolder{name: name}
		files, err := os.ReadDir(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		for _, fe := range files {
			if folder.Hidden(fe.Name()) || !isHeaderImageName(fe.Name()) {
				continue
			}
			s, err := hashFile(filepath.Join(dir, name, fe.Name()))
			if err != nil {
				return nil, err
			}
			f.images = append(f.images, s)
		}
		out[locale] = f
	}
	return out, nil
}

// headerFileName is the file a header image is written to, from the name App Store Connect
// has (no folders in it; an image extension), and the format to fetch it in.
func headerFileName(name string) (file, format string) {
	file = filepath.Base(filepath.FromSlash(strings.ReplaceAll(name, `\`, "/")))
	if file == "." || file == "/" || folder.Hidden(file) {
		file = "header.png"
	}
	if !isHeaderImageName(file) {
		file += ".png"
	}
	format = strings.ToLower(strings.TrimPrefix(filepath.Ext(file), "."))
	if format == "jpeg" {
		format = "jpg"
	}
	return file, format
}

// download writes what url answers to path, through a temporary file renamed into place,
// trying again after a transient failure (downloadBackoff).
func download(ctx context.Context, client *http.Client, url, path string) error {
	var err error
	for attempt, wait := range downloadBackoff {
		if attempt > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
		var retry bool
		if retry, err = downloadOnce(ctx, client, url, path); !retry {
			return err
		}
	}
	return err
}

// downloadBackoff is the wait before each attempt of a download: a CDN's 5xx, 429 or a
// broken connection is tried twice more, a 4xx (a gone image) is not.
var downloadBackoff = []time.Duration{0, 200 * time.Millisecond, time.Second}

// downloadOnce is one attempt of download; retry reports whether its error is transient.
func downloadOnce(ctx context.Context, client *http.Client, url, path string) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return ctx.Err() == nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests, fmt.Errorf("GET %s: %s", req.URL.Host, resp.Status)
	}
	return false, save(resp.Body, req.URL.Host, path)
}

// save writes body into path through a temporary file, so a broken download leaves no
// partial image behind.
func save(body io.Reader, host, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".download-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	n, err := io.Copy(tmp, io.LimitReader(body, maxHeaderImageBytes+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if n > maxHeaderImageBytes {
		return fmt.Errorf("GET %s: over %d MiB", host, maxHeaderImageBytes>>20)
	}
	return os.Rename(tmp.Name(), path)
}
