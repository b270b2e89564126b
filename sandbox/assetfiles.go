package sandbox

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"strings"
)

// Processed images are fetched from their imageAsset's templateUrl with {w}, {h} and {f}
// filled in (/sandbox/assets/{token}/1800x1200bb.png), as from Apple's image CDN. Like that
// CDN, the sandbox serves an image rendered at the size and in the format asked for, not the
// bytes uploaded: a downloaded file's MD5 is not the asset's sourceFileChecksum.

// maxRenderedSide bounds the size of an image the sandbox renders.
const maxRenderedSide = 8192

func (s *Server) handleAssetFile(w http.ResponseWriter, r *http.Request) {
	token, file := r.PathValue("token"), r.PathValue("file")
	var width, height int
	var format string
	if n, err := fmt.Sscanf(strings.Replace(file, "bb.", " ", 1), "%dx%d %s", &width, &height, &format); n != 3 || err != nil ||
		width <= 0 || height <= 0 || width > maxRenderedSide || height > maxRenderedSide {
		http.Error(w, "no such image", http.StatusNotFound)
		return
	}
	if !s.publishedImage(token) {
		http.Error(w, "no such image", http.StatusNotFound)
		return
	}
	img := image.NewGray(image.Rect(0, 0, width, height))
	for i := range img.Pix {
		img.Pix[i] = 0xd0
	}
	img.Set(0, 0, color.Gray{Y: 0x20})
	var buf bytes.Buffer
	switch strings.ToLower(format) {
	case "png":
		w.Header().Set("Content-Type", "image/png")
		_ = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img)
	case "jpg", "jpeg":
		w.Header().Set("Content-Type", "image/jpeg")
		_ = jpeg.Encode(&buf, img, nil)
	default:
		http.Error(w, "no such image format: use png or jpg", http.StatusNotFound)
		return
	}
	_, _ = w.Write(buf.Bytes())
}

// publishedImage reports whether token is a processed image asset's.
func (s *Server) publishedImage(token string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for typ := range s.st.tables {
		if !s.isImageAsset(typ) {
			continue
		}
		for _, r := range s.st.all(typ) {
			if tok, _ := r.Hidden["upload"].(string); tok == token && r.Attrs["imageAsset"] != nil {
				return true
			}
		}
	}
	return false
}
