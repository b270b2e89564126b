// Package archive reads what App Store Connect needs to know about a build before it is
// uploaded: the bundle id, the version (CFBundleShortVersionString), the build number
// (CFBundleVersion) and the platform, from an iOS, tvOS or visionOS .ipa (a zip with
// Payload/<Name>.app/Info.plist, binary or XML) or a macOS .pkg (a flat xar package whose
// PackageInfo names the app bundle and its versions).
//
// Reading touches only the archive's directory and the few small files it needs, so a
// multi-gigabyte archive is checked in milliseconds and with little memory.
package archive

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/workflow/internal/folder"
)

// Kind is the kind of archive.
type Kind string

const (
	// IPA is an iOS, tvOS or visionOS app archive (a zip).
	IPA Kind = "ipa"
	// Package is a macOS installer package (a flat xar archive).
	Package Kind = "pkg"
)

// Info is what an archive says about the build inside.
type Info struct {
	Path    string
	Kind    Kind
	Size    int64
	ModTime time.Time
	// BundleID is CFBundleIdentifier; Version is CFBundleShortVersionString and BuildNumber
	// CFBundleVersion, the two App Store Connect keys a build by.
	BundleID, Version, BuildNumber string
	// Platform is App Store Connect's platform: IOS, TV_OS, VISION_OS or MAC_OS.
	Platform string
	// Name is the app bundle's directory name ("Daybreak.app"); MinimumOSVersion is
	// MinimumOSVersion (or LSMinimumSystemVersion for macOS) when the archive states it.
	Name, MinimumOSVersion string
}

// UTI is the uniform type identifier App Store Connect expects for the file: an .ipa and a
// macOS .pkg differ, and sending the wrong one fails processing.
func (i *Info) UTI() string {
	if i.Kind == Package {
		return UTIPackage
	}
	return UTIIPA
}

// The uniform type identifiers of the two kinds, as buildUploadFiles take them.
const (
	UTIIPA     = "com.apple.ipa"
	UTIPackage = "com.apple.pkg"
)

// App Store Connect's platforms an archive can be built for.
const (
	PlatformIOS      = "IOS"
	PlatformTVOS     = "TV_OS"
	PlatformVisionOS = "VISION_OS"
	PlatformMacOS    = "MAC_OS"
)

// FileName is the name the file is uploaded under.
func (i *Info) FileName() string { return filepath.Base(i.Path) }

// Error explains why a file is not an archive App Store Connect would take.
type Error struct {
	Path   string
	Reason string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s is not a valid build archive: %s", e.Path, e.Reason)
}

func invalid(path, format string, a ...any) error {
	return &Error{Path: path, Reason: fmt.Sprintf(format, a...)}
}

var (
	zipMagic = []byte("PK\x03\x04")
	xarMagic = []byte("xar!")
)

// Read opens an archive and returns what it says about its build. The kind comes from the
// content, and must agree with the file's extension when it has .ipa or .pkg.
func Read(path string) (*Info, error) {
	// What path is, before it is opened: opening a named pipe waits for a writer (in a
	// system call no Ctrl-C ends), and an archive is read at offsets a pipe or device has not.
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s does not exist", path)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	switch m := st.Mode(); {
	case m.IsDir():
		return nil, invalid(path, "it is a directory; pass the .ipa or .pkg file (an .xcarchive must be exported first)")
	case !m.IsRegular():
		return nil, invalid(path, "it is not a regular file (%s); pass the .ipa or .pkg file itself", folder.Kind(m))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	if st, err = f.Stat(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, invalid(path, "it is not a regular file (%s); pass the .ipa or .pkg file itself", folder.Kind(st.Mode()))
	}
	info, err := ReadAt(f, st.Size(), path)
	if err != nil {
		return nil, err
	}
	info.ModTime = st.ModTime()
	return info, nil
}

// ReadAt reads an archive of size bytes from r; name (a file name or path) names it in
// errors and gives its extension.
func ReadAt(r io.ReaderAt, size int64, name string) (*Info, error) {
	path := name
	var magic [4]byte
	if _, err := r.ReadAt(magic[:], 0); err != nil {
		return nil, invalid(path, "it is too short to be an .ipa or a .pkg")
	}
	info := &Info{Path: path, Size: size}
	ext := strings.ToLower(filepath.Ext(path))
	var err error
	switch {
	case bytes.Equal(magic[:], zipMagic):
		if ext == ".pkg" {
			return nil, invalid(path, "it is a zip archive, but a .pkg must be a flat installer package (productbuild makes one)")
		}
		info.Kind = IPA
		err = readIPA(r, size, info)
	case bytes.Equal(magic[:], xarMagic):
		if ext == ".ipa" {
			return nil, invalid(path, "it is an installer package, but an .ipa must be a zip archive")
		}
		info.Kind = Package
		err = readPackage(r, size, info)
	default:
		return nil, invalid(path, "it is neither an .ipa (zip) nor a flat .pkg (xar)")
	}
	if err != nil {
		var ae *Error
		if errors.As(err, &ae) {
			return nil, err
		}
		return nil, invalid(path, "%v", err)
	}
	if err := info.validate(); err != nil {
		return nil, err
	}
	return info, nil
}

func (i *Info) validate() error {
	switch {
	case i.BundleID == "":
		return invalid(i.Path, "its Info.plist has no CFBundleIdentifier")
	case i.Version == "":
		return invalid(i.Path, "its Info.plist has no CFBundleShortVersionString")
	case i.BuildNumber == "":
		return invalid(i.Path, "its Info.plist has no CFBundleVersion")
	}
	if !apple.IsVersionString(i.Version) {
		return invalid(i.Path, "CFBundleShortVersionString %q must be one to three period-separated integers, such as 1.4.2", i.Version)
	}
	if !apple.IsVersionString(i.BuildNumber) {
		return invalid(i.Path, "CFBundleVersion %q must be one to three period-separated integers, such as 42 or 1.4.2.", i.BuildNumber)
	}
	return nil
}
