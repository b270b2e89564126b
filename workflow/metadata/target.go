package metadata

import "github.com/ascend-tools/ascend/workflow/fastlane"

// FromProject completes t from a fastlane project (nil: t unchanged): the app when t names
// none, the platform unless platformGiven, edit_live unless liveGiven or a version is named,
// and the languages to activate.
func (t Target) FromProject(c *fastlane.Config, platformGiven, liveGiven bool) (Target, error) {
	if c == nil {
		return t, nil
	}
	if t.App == "" {
		t.App, _ = c.App()
	}
	if !platformGiven {
		p, err := c.ApplePlatform()
		if err != nil {
			return t, err
		}
		if p != "" {
			t.Platform = p
		}
	}
	if !liveGiven && t.Version == "" && c.EditLive != nil {
		t.Live = *c.EditLive
	}
	if len(t.Languages) == 0 {
		t.Languages = c.Languages
	}
	t.Folders = FolderOptionsOf(c)
	return t, nil
}
