package archive

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"compress/zlib"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"hash"
	"io"
	"path"
	"strings"
)

// A flat package is a xar archive: a fixed header, a zlib-compressed XML table of contents,
// then the heap holding each file's (usually compressed) bytes. Only the table of contents
// and the few small XML files that describe the package are read.

const (
	xarHeaderSize = 28
	// maxTOCSize bounds the table of contents; an app's is a few kilobytes.
	maxTOCSize = 16 << 20
)

type xarHeader struct {
	Magic              uint32
	Size               uint16
	Version            uint16
	TOCLenCompressed   uint64
	TOCLenUncompressed uint64
	ChecksumAlg        uint32
}

type xarTOC struct {
	Checksum struct {
		Style  string `xml:"style,attr"`
		Offset int64  `xml:"offset"`
		Size   int64  `xml:"size"`
	} `xml:"toc>checksum"`
	Files []xarFile `xml:"toc>file"`
}

type xarFile struct {
	Name  string    `xml:"name"`
	Type  string    `xml:"type"`
	Data  *xarData  `xml:"data"`
	Files []xarFile `xml:"file"`
}

type xarData struct {
	Length   int64 `xml:"length"`
	Offset   int64 `xml:"offset"`
	Size     int64 `xml:"size"`
	Encoding struct {
		Style string `xml:"style,attr"`
	} `xml:"encoding"`
}

type xarReader struct {
	r        io.ReaderAt
	size     int64
	heap     int64
	toc      xarTOC
	byPath   map[string]*xarFile
	ordering []string
}

func openXar(r io.ReaderAt, size int64) (*xarReader, error) {
	var h xarHeader
	if err := binary.Read(io.NewSectionReader(r, 0, xarHeaderSize), binary.BigEndian, &h); err != nil {
		return nil, fmt.Errorf("its xar header cannot be read (%v)", err)
	}
	// Both lengths are checked against the bound before either is used, so a header that
	// lies about them cannot make the reader allocate what it claims.
	if h.Size < xarHeaderSize || h.TOCLenCompressed == 0 || h.TOCLenCompressed > maxTOCSize || h.TOCLenUncompressed > maxTOCSize ||
		int64(h.TOCLenCompressed) > size-int64(h.Size) {
		return nil, fmt.Errorf("its xar header is damaged (table of contents of %d bytes in a %d-byte file)", h.TOCLenCompressed, size)
	}
	compressed := make([]byte, h.TOCLenCompressed)
	if _, err := r.ReadAt(compressed, int64(h.Size)); err != nil {
		return nil, fmt.Errorf("its table of contents cannot be read (%v); the file may be truncated", err)
	}
	zr, err := zlib.NewReader(bytes.NewReader(compressed))
	if err != nil {
		return nil, fmt.Errorf("its table of contents is damaged (%v)", err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, maxTOCSize+1))
	if err != nil || len(raw) > maxTOCSize {
		return nil, fmt.Errorf("its table of contents is damaged (%v)", err)
	}
	x := &xarReader{r: r, size: size, heap: int64(h.Size) + int64(h.TOCLenCompressed), byPath: map[string]*xarFile{}}
	if err := xml.Unmarshal(raw, &x.toc); err != nil {
		return nil, fmt.Errorf("its table of contents is not valid XML (%v)", err)
	}
	if err := x.verifyTOC(h, compressed); err != nil {
		return nil, err
	}
	var walk func(dir string, files []xarFile)
	walk = func(dir string, files []xarFile) {
		for i := range files {
			p := path.Join(dir, files[i].Name)
			x.byPath[p] = &files[i]
			x.ordering = append(x.ordering, p)
			walk(p, files[i].Files)
		}
	}
	walk("", x.toc.Files)
	return x, nil
}

// verifyTOC checks the table of contents against the checksum stored at the start of the
// heap, which catches a damaged or truncated package before anything is uploaded.
func (x *xarReader) verifyTOC(h xarHeader, compressed []byte) error {
	var sum hash.Hash
	style := strings.ToLower(x.toc.Checksum.Style)
	switch {
	case h.ChecksumAlg == 0:
		return nil
	case h.ChecksumAlg == 1 || style == "sha1":
		sum = sha1.New()
	case h.ChecksumAlg == 2 || style == "md5":
		sum = md5.New()
	case style == "sha256":
		sum = sha256.New()
	case style == "sha512":
		sum = sha512.New()
	default:
		return nil // an algorithm this reader does not know: nothing to check against
	}
	if style == "" {
		style = map[uint32]string{1: "sha1", 2: "md5"}[h.ChecksumAlg]
	}
	if x.toc.Checksum.Size != int64(sum.Size()) {
		return fmt.Errorf("its table of contents names a %d-byte %s checksum, not %d bytes", x.toc.Checksum.Size, style, sum.Size())
	}
	if x.toc.Checksum.Offset < 0 || x.toc.Checksum.Offset > x.size {
		return fmt.Errorf("its table of contents checksum is at offset %d, outside the file; the file is damaged", x.toc.Checksum.Offset)
	}
	want := make([]byte, sum.Size())
	if _, err := x.r.ReadAt(want, x.heap+x.toc.Checksum.Offset); err != nil {
		return fmt.Errorf("its table of contents checksum cannot be read (%v); the file may be truncated", err)
	}
	sum.Write(compressed)
	if got := sum.Sum(nil); !bytes.Equal(got, want) {
		return fmt.Errorf("its table of contents does not match its checksum (%s %s, stored %s); the file is damaged", style, hex.EncodeToString(got), hex.EncodeToString(want))
	}
	return nil
}

// readFile returns a small file of the archive, decoded.
func (x *xarReader) readFile(p string) ([]byte, error) {
	f := x.byPath[p]
	if f == nil || f.Data == nil {
		return nil, fmt.Errorf("it has no %s", p)
	}
	d := f.Data
	if d.Size > maxPlistSize || d.Length > maxPlistSize || d.Offset < 0 || d.Length < 0 || d.Offset > x.size || x.heap+d.Offset+d.Length > x.size {
		return nil, fmt.Errorf("its %s is damaged or too large (%d bytes)", p, d.Size)
	}
	var src io.Reader = io.NewSectionReader(x.r, x.heap+d.Offset, d.Length)
	switch d.Encoding.Style {
	case "", "application/octet-stream":
	case "application/x-gzip":
		// xar's "gzip" is a zlib stream; some writers put a real gzip stream there.
		head := make([]byte, 2)
		if _, err := x.r.ReadAt(head, x.heap+d.Offset); err != nil {
			return nil, fmt.Errorf("its %s cannot be read (%v)", p, err)
		}
		var err error
		if head[0] == 0x1f && head[1] == 0x8b {
			src, err = gzip.NewReader(src)
		} else {
			src, err = zlib.NewReader(src)
		}
		if err != nil {
			return nil, fmt.Errorf("its %s cannot be decompressed (%v)", p, err)
		}
	case "application/x-bzip2":
		src = bzip2.NewReader(src)
	default:
		return nil, fmt.Errorf("its %s is compressed as %s, which this reader does not know", p, d.Encoding.Style)
	}
	data, err := io.ReadAll(io.LimitReader(src, maxPlistSize+1))
	if err != nil {
		return nil, fmt.Errorf("its %s cannot be read (%v)", p, err)
	}
	return data, nil
}

// pkgInfo is the part of a component package's PackageInfo that names its bundles.
type pkgInfo struct {
	Identifier string      `xml:"identifier,attr"`
	Version    string      `xml:"version,attr"`
	Bundles    []pkgBundle `xml:"bundle"`
}

type pkgBundle struct {
	ID                         string `xml:"id,attr"`
	Path                       string `xml:"path,attr"`
	CFBundleShortVersionString string `xml:"CFBundleShortVersionString,attr"`
	CFBundleVersion            string `xml:"CFBundleVersion,attr"`
	LSMinimumSystemVersion     string `xml:"LSMinimumSystemVersion,attr"`
}

// distribution is the part of a product archive's Distribution file that names the product.
type distribution struct {
	Product struct {
		ID      string `xml:"id,attr"`
		Version string `xml:"version,attr"`
	} `xml:"product"`
}

// readPackage reads the app bundle a macOS package installs from its PackageInfo: at the
// top of a component package, or in each <name>.pkg/ of a product archive (what
// productbuild makes for the Mac App Store). With several apps, the Distribution's product
// id picks the one.
func readPackage(r io.ReaderAt, size int64, info *Info) error {
	x, err := openXar(r, size)
	if err != nil {
		return err
	}
	var infos []string
	for _, p := range x.ordering {
		if path.Base(p) == "PackageInfo" && (p == "PackageInfo" || (strings.Count(p, "/") == 1 && strings.HasSuffix(path.Dir(p), ".pkg"))) {
			infos = append(infos, p)
		}
	}
	if len(infos) == 0 {
		return fmt.Errorf("it has no PackageInfo, so it is not an installer package of an app")
	}
	var product string
	if _, ok := x.byPath["Distribution"]; ok {
		data, err := x.readFile("Distribution")
		if err != nil {
			return err
		}
		var d distribution
		if err := xml.Unmarshal(data, &d); err != nil {
			return fmt.Errorf("its Distribution is not valid XML (%v)", err)
		}
		product = d.Product.ID
	}
	type candidate struct {
		from string
		b    pkgBundle
	}
	var apps []candidate
	for _, p := range infos {
		data, err := x.readFile(p)
		if err != nil {
			return err
		}
		var pi pkgInfo
		if err := xml.Unmarshal(data, &pi); err != nil {
			return fmt.Errorf("its %s is not valid XML (%v)", p, err)
		}
		for _, b := range pi.Bundles {
			if strings.HasSuffix(strings.TrimSuffix(b.Path, "/"), ".app") {
				apps = append(apps, candidate{p, b})
			}
		}
	}
	if len(apps) == 0 {
		return fmt.Errorf("its PackageInfo names no .app bundle, so it does not install an app")
	}
	pick := apps[0]
	if len(apps) > 1 && product != "" {
		for _, a := range apps {
			if a.b.ID == product {
				pick = a
				break
			}
		}
	}
	b := pick.b
	info.Name = path.Base(strings.TrimSuffix(b.Path, "/"))
	info.BundleID, info.Version, info.BuildNumber = b.ID, b.CFBundleShortVersionString, b.CFBundleVersion
	info.MinimumOSVersion = b.LSMinimumSystemVersion
	info.Platform = PlatformMacOS
	if info.BundleID == "" {
		return fmt.Errorf("its %s names the bundle %s without an id", pick.from, b.Path)
	}
	if info.Version == "" || info.BuildNumber == "" {
		return fmt.Errorf("its %s does not give CFBundleShortVersionString and CFBundleVersion for %s (productbuild records them from the app's Info.plist)", pick.from, b.Path)
	}
	return nil
}
