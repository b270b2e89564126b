package sandbox

import (
	"fmt"

	"github.com/ascend-tools/ascend/apple"
)

// Screenshot and preview sets of a version localization: one set per display type (preview
// type), up to ten screenshots (three previews) in a set, carried over to a new version.
// The upload of each screenshot is an asset's (family_assets.go); the version's state locks
// them (family_versions.go).

func init() {
	register(&family{
		name: "screenshots",
		hooks: []hooks{
			{types: []string{"appScreenshotSets", "appPreviewSets"}, beforeCreate: oneSetPerDisplayType},
			{types: []string{"appScreenshots", "appPreviews"}, beforeCreate: setHasRoom},
		},
		seed:      seedScreenshots,
		seedAfter: []string{"versions"},
	})
}

func oneSetPerDisplayType(s *Server, doc *resourceDoc) *httpError {
	attr, parentRel := "screenshotDisplayType", "appStoreVersionLocalization"
	if doc.Type == "appPreviewSets" {
		attr = "previewType"
	}
	for name := range doc.Rels {
		parentRel = name
	}
	want, _ := doc.Attrs[attr].(string)
	for _, r := range s.siblings(doc.Type, parentRel, doc.relID(parentRel)) {
		if r.str(attr) == want {
			return duplicate(fmt.Sprintf("A %s with %s %s already exists for this localization.", doc.Type, attr, want), "/data/attributes/"+attr)
		}
	}
	return nil
}

func setHasRoom(s *Server, doc *resourceDoc) *httpError {
	if herr := frameTimeCodeProblem(doc); herr != nil {
		return herr
	}
	rel, limit := "appScreenshotSet", 10
	if doc.Type == "appPreviews" {
		rel, limit = "appPreviewSet", 3
	}
	if n := len(s.siblings(doc.Type, rel, doc.relID(rel))); n >= limit {
		return conflict("ENTITY_ERROR.RELATIONSHIP.INVALID", entityTitles["ENTITY_ERROR.RELATIONSHIP.INVALID"],
			fmt.Sprintf("The set already holds %d %s, the most it can hold; delete one first.", n, doc.Type), "/data/relationships/"+rel)
	}
	return nil
}

// frameTimeCodeProblem refuses a preview's poster frame time code that is not HH:MM:SS:FF, on
// create and on update, as Apple does.
func frameTimeCodeProblem(doc *resourceDoc) *httpError {
	code, ok := doc.Attrs["previewFrameTimeCode"].(string)
	if doc.Type != "appPreviews" || !ok {
		return nil
	}
	if _, err := apple.ParsePreviewFrameTimeCode(code); err != nil {
		return conflict("ENTITY_ERROR.ATTRIBUTE.INVALID", entityTitles["ENTITY_ERROR.ATTRIBUTE.INVALID"],
			err.Error()+".", "/data/attributes/previewFrameTimeCode")
	}
	return nil
}

// carryOverScreenshots copies a localization's screenshot sets, with their processed
// screenshots, to the same localization of a new version.
func (s *Server) carryOverScreenshots(from, to *record) {
	for _, oldSet := range s.st.related(from, "appScreenshotSets") {
		set := s.st.insert("appScreenshotSets", "", copyAttrs(oldSet))
		s.st.link(set, "appStoreVersionLocalization", to)
		s.markDirty(set)
		for _, shot := range s.st.related(oldSet, "appScreenshots") {
			if assetState(shot) != "COMPLETE" {
				continue
			}
			c := s.st.insert("appScreenshots", "", copyAttrs(shot))
			s.st.link(c, "appScreenshotSet", set)
			s.markDirty(c)
		}
	}
}

// seedScreenshots: versions with screenshots have, in every localization, a 6.7" iPhone set
// of three and a 12.9" iPad set of two, processed.
func seedScreenshots(sd seeder, d *demo) {
	for vi, v := range d.spec.versions {
		if !v.screenshots {
			continue
		}
		for li, loc := range sd.s.st.related(d.versions[vi], "appStoreVersionLocalizations") {
			code := loc.str("locale")
			for _, set := range []struct {
				displayType string
				w, h, count int
			}{{"APP_IPHONE_67", 1290, 2796, 3}, {"APP_IPAD_PRO_3GEN_129", 2048, 2732, 2}} {
				ss := sd.add("appScreenshotSets", map[string]any{"screenshotDisplayType": set.displayType}, "appStoreVersionLocalization", loc)
				for k := range set.count {
					name := fmt.Sprintf("%s_%s_%d.png", code, set.displayType, k+1)
					sd.add("appScreenshots", map[string]any{
						"fileSize": 480000 + 1000*k + li, "fileName": name,
						"sourceFileChecksum": fmt.Sprintf("%032x", (d.n+1)*1000003+vi*10007+li*101+k),
						"assetToken":         "SandboxSource/demo/" + name, "assetType": "SCREENSHOT",
						"imageAsset":         map[string]any{"templateUrl": "https://example.com/demo-assets/" + name + "/{w}x{h}bb.{f}", "width": set.w, "height": set.h},
						"assetDeliveryState": map[string]any{"state": "COMPLETE", "errors": []any{}, "warnings": []any{}},
					}, "appScreenshotSet", ss)
				}
			}
		}
	}
}
