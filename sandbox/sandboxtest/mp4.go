package sandboxtest

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Movie describes a small MP4 file for preview tests: its picture size and duration as its
// headers state them (no frame is encoded; App Store Connect's checks and ascend's read only
// the headers), a variant that changes the media bytes (and so the checksum), and the header
// forms a real file may use.
type Movie struct {
	Width, Height int
	Duration      time.Duration
	Variant       int
	// Rotated stores the picture turned by 90 degrees with a rotation matrix, as phones
	// record portrait video: the track says Height x Width.
	Rotated bool
	// Version1 writes 64-bit headers (mvhd and tkhd version 1) and a 64-bit mdat size.
	Version1 bool
	// MediaBytes is the size of the media data (default 4 KiB).
	MediaBytes int
}

// MP4 builds the movie: ftyp, moov (mvhd, a video track, a sound track), mdat.
func MP4(t testing.TB, m Movie) []byte {
	t.Helper()
	be := binary.BigEndian
	mkbox := func(typ string, parts ...[]byte) []byte {
		body := bytes.Join(parts, nil)
		out := be.AppendUint32(nil, uint32(8+len(body)))
		return append(append(out, typ...), body...)
	}
	u32 := func(v uint32) []byte { return be.AppendUint32(nil, v) }
	u64 := func(v uint64) []byte { return be.AppendUint64(nil, v) }
	const scale = 600
	units := uint64(m.Duration * scale / time.Second)
	version := []byte{0, 0, 0, 0}
	times := func() []byte { // creation and modification
		if m.Version1 {
			return append(u64(1), u64(2)...)
		}
		return append(u32(1), u32(2)...)
	}
	dur := func() []byte {
		if m.Version1 {
			return u64(units)
		}
		return u32(uint32(units))
	}
	if m.Version1 {
		version[0] = 1
	}
	identity := []uint32{0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000}
	rotated := []uint32{0, 0x10000, 0, 0xffff0000, 0, 0, 0, 0, 0x40000000}
	matrix := func(ms []uint32) []byte {
		var b []byte
		for _, v := range ms {
			b = be.AppendUint32(b, v)
		}
		return b
	}
	mvhd := mkbox("mvhd", version, times(), u32(scale), dur(), u32(0x10000), []byte{1, 0}, make([]byte, 10), matrix(identity), make([]byte, 24), u32(3))
	tkhd := func(id uint32, w, h int, ms []uint32) []byte {
		return mkbox("tkhd", []byte{version[0], 0, 0, 3}, times(), u32(id), u32(0), dur(), make([]byte, 8), []byte{0, 0, 0, 0, 0, 0, 0, 0}, matrix(ms), u32(uint32(w)<<16), u32(uint32(h)<<16))
	}
	w, h, ms := m.Width, m.Height, identity
	if m.Rotated {
		w, h, ms = m.Height, m.Width, rotated
	}
	video := mkbox("trak", tkhd(1, w, h, ms), mkbox("mdia"))
	sound := mkbox("trak", tkhd(2, 0, 0, identity), mkbox("mdia"))
	ftyp := mkbox("ftyp", []byte("isom"), u32(512), []byte("isommp42"))
	n := m.MediaBytes
	if n == 0 {
		n = 4 << 10
	}
	media := bytes.Repeat([]byte{byte(m.Variant), byte(m.Variant >> 8), 0x42, 0x17}, n/4+1)[:n]
	var mdat []byte
	if m.Version1 {
		mdat = append(append(u32(1), "mdat"...), u64(uint64(16+n))...)
		mdat = append(mdat, media...)
	} else {
		mdat = mkbox("mdat", media)
	}
	return bytes.Join([][]byte{ftyp, mkbox("moov", mvhd, video, sound), mdat}, nil)
}

// WriteMP4 writes MP4(m) to path (creating its folder).
func WriteMP4(t testing.TB, path string, m Movie) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, MP4(t, m), 0o644); err != nil {
		t.Fatal(err)
	}
}
