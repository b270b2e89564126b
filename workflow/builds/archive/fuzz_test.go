package archive_test

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/workflow/builds/archive"
	"github.com/ascend-tools/ascend/workflow/builds/archive/archivetest"
)

// sparse is data followed by zeros up to size: a file whose header can claim far more than
// the bytes the fuzzer gave, as a multi-gigabyte archive with a lying size field would.
type sparse struct {
	data []byte
	size int64
}

func (s sparse) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, os.ErrInvalid
	}
	if off >= s.size {
		return 0, io.EOF
	}
	n := copy(p, s.data[min(off, int64(len(s.data))):])
	for i := n; i < len(p) && off+int64(i) < s.size; i++ {
		p[i] = 0
		n++
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// archiveSeeds are real archives written by archivetest, and a few damaged ones.
func archiveSeeds(t testing.TB) map[string][]byte {
	dir := t.TempDir()
	out := map[string][]byte{}
	for name, a := range map[string]archivetest.App{
		"binary.ipa":    {},
		"xml.ipa":       {XML: true, BundleID: "com.example.x&y", Version: "1.2", Build: "3.4.5"},
		"tv.ipa":        {Platform: "AppleTVOS"},
		"plist.ipa":     {Plist: map[string]any{"CFBundleIdentifier": []any{map[string]any{"a": 1}}, "CFBundleVersion": 7}},
		"product.pkg":   {BundleID: "com.example.mac", Version: "3.0", Build: "77"},
		"component.pkg": {Component: true},
	} {
		p := filepath.Join(dir, name)
		write := archivetest.WriteIPA
		if strings.HasSuffix(name, ".pkg") {
			write = archivetest.WritePKG
		}
		if err := write(p, a); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = b
	}
	// Two apps in one Payload.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range []string{"Payload/A.app/Info.plist", "Payload/B.app/Info.plist"} {
		w, _ := zw.Create(n)
		w.Write([]byte("<plist><dict/></plist>"))
	}
	zw.Close()
	out["two.ipa"] = buf.Bytes()
	// Truncations of each.
	for _, n := range []string{"binary.ipa", "product.pkg"} {
		b := out[n]
		out["half-"+n] = b[:len(b)/2]
		out["head-"+n] = b[:40]
	}
	return out
}

// xarWith is a xar header claiming the given sizes, followed by a zlib table of contents.
func xarWith(compressed, uncompressed uint64, alg uint32, toc string) []byte {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte(toc))
	zw.Close()
	if compressed == 0 {
		compressed = uint64(z.Len())
	}
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, struct {
		Magic        uint32
		Size         uint16
		Version      uint16
		Comp, Uncomp uint64
		Alg          uint32
	}{0x78617221, 28, 1, compressed, uncompressed, alg})
	b.Write(z.Bytes())
	return b.Bytes()
}

// FuzzReadAt reads arbitrary bytes as an .ipa and as a .pkg: it never panics, an error is one
// non-empty line naming the file, and what it accepts is a complete, valid build.
func FuzzReadAt(f *testing.F) {
	for name, b := range archiveSeeds(f) {
		f.Add(b, strings.HasSuffix(name, ".pkg"))
	}
	f.Add(xarWith(1<<62, 100, 1, "<xar/>"), true)
	f.Add(xarWith(0, 100, 1, `<xar><toc><checksum style="sha1"><offset>0</offset><size>4000000000</size></checksum></toc></xar>`), true)
	f.Add(xarWith(0, 100, 3, `<xar><toc><checksum style="sha512"><offset>-9000</offset><size>64</size></checksum></toc></xar>`), true)
	f.Add(xarWith(0, 100, 0, `<xar><toc><file><name>PackageInfo</name><data><length>10</length><offset>9223372036854775000</offset><size>10</size></data></file></toc></xar>`), true)
	f.Fuzz(func(t *testing.T, data []byte, pkg bool) {
		name := "Fuzz.ipa"
		if pkg {
			name = "Fuzz.pkg"
		}
		for _, r := range []struct {
			at   io.ReaderAt
			size int64
		}{{bytes.NewReader(data), int64(len(data))}, {sparse{data, int64(len(data)) + 8<<30}, int64(len(data)) + 8<<30}} {
			info, err := archive.ReadAt(r.at, r.size, name)
			if err != nil {
				msg := err.Error()
				if msg == "" || strings.ContainsAny(msg, "\n\r") || !strings.HasPrefix(msg, name+" is not a valid build archive: ") {
					t.Fatalf("error is not one line naming the file: %q", msg)
				}
				continue
			}
			if info.BundleID == "" || info.Version == "" || info.BuildNumber == "" || info.Platform == "" || info.Name == "" {
				t.Fatalf("accepted an incomplete build: %+v", info)
			}
		}
	})
}

// TestLyingSizesAllocateLittle reads xar headers and tables of contents whose size fields
// claim gigabytes, in a file that claims 8 GiB but is mostly absent: reading must refuse each
// without allocating what the fields claim.
func TestLyingSizesAllocateLittle(t *testing.T) {
	cases := map[string][]byte{
		"compressed table of 4 GiB":   xarWith(4<<30, 100, 1, "<xar/>"),
		"compressed table past int64": xarWith(1<<63+5, 100, 1, "<xar/>"),
		"checksum of 4 GB":            xarWith(0, 100, 1, `<xar><toc><checksum style="sha1"><offset>0</offset><size>4000000000</size></checksum></toc></xar>`),
		"negative checksum size":      xarWith(0, 100, 1, `<xar><toc><checksum style="sha1"><offset>0</offset><size>-1</size></checksum></toc></xar>`),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := archive.ReadAt(sparse{data, 8 << 30}, 8<<30, "Big.pkg")
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatal("accepted")
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
				t.Errorf("allocated %d MiB for a damaged header (%v)", grew>>20, err)
			}
		})
	}
}
