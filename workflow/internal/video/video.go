// Package video reads what App Store Connect checks of an app preview from its MP4 or
// QuickTime container, without decoding a frame: the duration from the movie header (mvhd)
// and the picture size from the video track's header (tkhd), turned as its matrix turns it.
// Only box headers and those two boxes are read, so a 500 MB preview costs a few reads.
package video

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// Info is what a movie's headers say.
type Info struct {
	Duration      time.Duration
	Width, Height int // as the movie is shown (a track turned by 90 degrees has them swapped)
}

// ErrNotMovie is returned for a file that is not an MP4 or QuickTime movie with a movie
// header and a video track.
var ErrNotMovie = errors.New("not an MP4 or QuickTime movie")

// maxDepth bounds the box nesting followed (moov > trak > tkhd is two deep).
const maxDepth = 4

type box struct {
	typ              string
	start, body, end int64 // the box's first byte, its body's first byte, one past its end
}

// boxes lists the boxes of r between off and end.
func boxes(r io.ReaderAt, off, end int64) ([]box, error) {
	var out []box
	var hdr [16]byte
	for off+8 <= end {
		if _, err := r.ReadAt(hdr[:8], off); err != nil {
			return nil, err
		}
		size := int64(binary.BigEndian.Uint32(hdr[:4]))
		b := box{typ: string(hdr[4:8]), start: off, body: off + 8}
		switch size {
		case 0: // to the end of the enclosing space
			size = end - off
		case 1: // a 64-bit size follows the type
			if _, err := r.ReadAt(hdr[8:16], off+8); err != nil {
				return nil, err
			}
			size = int64(binary.BigEndian.Uint64(hdr[8:16]))
			b.body = off + 16
		}
		if size < b.body-off || off+size > end {
			return nil, fmt.Errorf("%w: box %q at %d has a size (%d) past its container", ErrNotMovie, b.typ, off, size)
		}
		b.end = off + size
		out = append(out, b)
		off = b.end
	}
	return out, nil
}

// Probe reads the headers of the movie in r, size bytes long.
func Probe(r io.ReaderAt, size int64) (Info, error) {
	top, err := boxes(r, 0, size)
	if err != nil {
		return Info{}, notMovie(err)
	}
	for _, b := range top {
		if b.typ != "moov" {
			continue
		}
		return probeMoov(r, b)
	}
	return Info{}, fmt.Errorf("%w: it has no movie box (moov)", ErrNotMovie)
}

func notMovie(err error) error {
	if errors.Is(err, ErrNotMovie) {
		return err
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: it ends inside a box", ErrNotMovie)
	}
	return err
}

func probeMoov(r io.ReaderAt, moov box) (Info, error) {
	children, err := boxes(r, moov.body, moov.end)
	if err != nil {
		return Info{}, notMovie(err)
	}
	var info Info
	haveHeader, haveVideo := false, false
	for _, b := range children {
		switch b.typ {
		case "mvhd":
			d, err := movieDuration(r, b)
			if err != nil {
				return Info{}, notMovie(err)
			}
			info.Duration, haveHeader = d, true
		case "trak":
			if haveVideo {
				continue
			}
			tracks, err := boxes(r, b.body, b.end)
			if err != nil {
				return Info{}, notMovie(err)
			}
			for _, t := range tracks {
				if t.typ != "tkhd" {
					continue
				}
				w, h, err := trackSize(r, t)
				if err != nil {
					return Info{}, notMovie(err)
				}
				if w > 0 && h > 0 { // sound tracks have no picture
					info.Width, info.Height, haveVideo = w, h, true
				}
			}
		}
	}
	switch {
	case !haveHeader:
		return Info{}, fmt.Errorf("%w: its movie box has no movie header (mvhd)", ErrNotMovie)
	case !haveVideo:
		return Info{}, fmt.Errorf("%w: it has no video track", ErrNotMovie)
	}
	return info, nil
}

// read returns n bytes of b's body from offset at.
func read(r io.ReaderAt, b box, at, n int64) ([]byte, error) {
	if b.body+at+n > b.end {
		return nil, fmt.Errorf("%w: its %s box is too short", ErrNotMovie, b.typ)
	}
	buf := make([]byte, n)
	_, err := r.ReadAt(buf, b.body+at)
	return buf, err
}

// movieDuration reads mvhd: version and flags, creation and modification times (32 or 64
// bits), the time scale (units a second), then the duration in those units.
func movieDuration(r io.ReaderAt, b box) (time.Duration, error) {
	v, err := read(r, b, 0, 1)
	if err != nil {
		return 0, err
	}
	var scale, units uint64
	if v[0] == 1 {
		p, err := read(r, b, 4+16, 12)
		if err != nil {
			return 0, err
		}
		scale, units = uint64(binary.BigEndian.Uint32(p[:4])), binary.BigEndian.Uint64(p[4:12])
	} else {
		p, err := read(r, b, 4+8, 8)
		if err != nil {
			return 0, err
		}
		scale, units = uint64(binary.BigEndian.Uint32(p[:4])), uint64(binary.BigEndian.Uint32(p[4:8]))
	}
	if scale == 0 {
		return 0, fmt.Errorf("%w: its movie header has a time scale of 0", ErrNotMovie)
	}
	secs, rem := units/scale, units%scale
	return time.Duration(secs)*time.Second + time.Duration(rem*uint64(time.Second)/scale), nil
}

// trackSize reads tkhd: after version and flags, the times, track id and duration (whose
// widths depend on the version), 8 reserved bytes, layer, group, volume, 2 reserved bytes,
// the 3x3 matrix and the width and height in 16.16 fixed point.
func trackSize(r io.ReaderAt, b box) (int, int, error) {
	v, err := read(r, b, 0, 1)
	if err != nil {
		return 0, 0, err
	}
	at := int64(4 + 20) // version 0: creation, modification, track id, reserved, duration (4 each)
	if v[0] == 1 {
		at = 4 + 32 // version 1: creation and modification 8 each, id 4, reserved 4, duration 8
	}
	at += 8 + 8 // reserved, layer, group, volume, reserved
	p, err := read(r, b, at, 36+8)
	if err != nil {
		return 0, 0, err
	}
	m := func(i int) int32 { return int32(binary.BigEndian.Uint32(p[4*i : 4*i+4])) }
	w := int(binary.BigEndian.Uint32(p[36:40]) >> 16)
	h := int(binary.BigEndian.Uint32(p[40:44]) >> 16)
	// A matrix of a = d = 0 turns the picture by 90 degrees (b = ±1, c = ∓1): phones store
	// portrait video that way.
	if m(0) == 0 && m(4) == 0 && m(1) != 0 && m(3) != 0 {
		w, h = h, w
	}
	return w, h, nil
}
