package archive

import (
	"archive/zip"
	"fmt"
	"io"
	"path"
	"strings"

	"howett.net/plist"
)

// maxPlistSize bounds the Info.plist read into memory; real ones are a few kilobytes.
const maxPlistSize = 4 << 20

// bundlePlist holds the Info.plist keys App Store Connect reads.
type bundlePlist struct {
	BundleID               string   `plist:"CFBundleIdentifier"`
	ShortVersion           string   `plist:"CFBundleShortVersionString"`
	Version                string   `plist:"CFBundleVersion"`
	SupportedPlatforms     []string `plist:"CFBundleSupportedPlatforms"`
	PlatformName           string   `plist:"DTPlatformName"`
	MinimumOSVersion       string   `plist:"MinimumOSVersion"`
	LSMinimumSystemVersion string   `plist:"LSMinimumSystemVersion"`
}

// readIPA finds Payload/<Name>.app/Info.plist in the zip's directory and reads it.
func readIPA(r io.ReaderAt, size int64, info *Info) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return fmt.Errorf("its zip directory cannot be read (%v); the file may be truncated", err)
	}
	var found *zip.File
	var apps []string
	for _, f := range zr.File {
		name := strings.TrimPrefix(f.Name, "./")
		dir, file := path.Split(name)
		if file != "Info.plist" {
			continue
		}
		parts := strings.Split(strings.TrimSuffix(dir, "/"), "/")
		if len(parts) != 2 || parts[0] != "Payload" || !strings.HasSuffix(parts[1], ".app") {
			continue
		}
		apps = append(apps, parts[1])
		found = f
	}
	switch len(apps) {
	case 0:
		return fmt.Errorf("it has no Payload/<Name>.app/Info.plist, so it is not an app archive")
	case 1:
	default:
		return fmt.Errorf("its Payload holds %d apps (%s); an .ipa holds exactly one", len(apps), strings.Join(apps, ", "))
	}
	if found.UncompressedSize64 > maxPlistSize {
		return fmt.Errorf("Payload/%s/Info.plist is %d bytes, more than an Info.plist can be", apps[0], found.UncompressedSize64)
	}
	rc, err := found.Open()
	if err != nil {
		return fmt.Errorf("Payload/%s/Info.plist cannot be read: %v", apps[0], err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxPlistSize+1))
	if err != nil {
		return fmt.Errorf("Payload/%s/Info.plist cannot be read: %v", apps[0], err)
	}
	var p bundlePlist
	if _, err := plist.Unmarshal(data, &p); err != nil {
		return fmt.Errorf("Payload/%s/Info.plist is not a property list: %v", apps[0], err)
	}
	info.Name = apps[0]
	info.BundleID, info.Version, info.BuildNumber = p.BundleID, p.ShortVersion, p.Version
	info.MinimumOSVersion = p.MinimumOSVersion
	platform, err := ipaPlatform(p)
	if err != nil {
		return err
	}
	info.Platform = platform
	return nil
}

// ipaPlatform maps the SDK platform an app was built for to App Store Connect's platform.
func ipaPlatform(p bundlePlist) (string, error) {
	name := p.PlatformName
	if len(p.SupportedPlatforms) > 0 {
		name = p.SupportedPlatforms[0]
	}
	switch strings.ToLower(name) {
	case "", "iphoneos":
		return PlatformIOS, nil
	case "appletvos":
		return PlatformTVOS, nil
	case "xros":
		return PlatformVisionOS, nil
	case "iphonesimulator", "appletvsimulator", "xrsimulator", "watchsimulator":
		return "", fmt.Errorf("it was built for the simulator (%s); App Store Connect takes device builds only", name)
	case "macosx":
		return "", fmt.Errorf("it is a macOS app in an .ipa; macOS builds are uploaded as a .pkg made with productbuild")
	}
	return "", fmt.Errorf("its platform %q is not one App Store Connect takes builds for", name)
}
