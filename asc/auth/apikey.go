package auth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
)

// APIKeyFile is fastlane's api-key JSON, which ascend also writes (adding base_url) for the
// sandbox's credentials.json.
type APIKeyFile struct {
	KeyID    string `json:"key_id"`
	IssuerID string `json:"issuer_id,omitempty"`
	// Key is the PEM text of the .p8 file, or its base64 when IsKeyContentBase64 is set.
	Key                string `json:"key"`
	InHouse            bool   `json:"in_house,omitempty"`
	IsKeyContentBase64 bool   `json:"is_key_content_base64,omitempty"`
	// BaseURL is ascend's addition: the API root to talk to, for example a sandbox on
	// loopback. Empty means Apple's production API.
	BaseURL string `json:"base_url,omitempty"`
}

// String names the file's key id only; the key text is never shown.
func (f APIKeyFile) String() string {
	return fmt.Sprintf("api-key JSON for key %s", f.KeyID)
}

// GoString keeps %#v from printing the key text.
func (f APIKeyFile) GoString() string {
	return fmt.Sprintf("auth.APIKeyFile{KeyID:%q, IssuerID:%q, Key:\"[redacted]\", InHouse:%t, IsKeyContentBase64:%t, BaseURL:%q}",
		f.KeyID, f.IssuerID, f.InHouse, f.IsKeyContentBase64, f.BaseURL)
}

// Format makes every fmt verb print the redacted forms, as Key does.
func (f APIKeyFile) Format(s fmt.State, verb rune) {
	if verb == 'v' && (s.Flag('#') || s.Flag('+')) {
		_, _ = s.Write([]byte(f.GoString()))
		return
	}
	_, _ = s.Write([]byte(f.String()))
}

// LogValue keeps log/slog, whose JSON handler would otherwise marshal every field, from
// recording the key text.
func (f APIKeyFile) LogValue() slog.Value {
	return slog.GroupValue(slog.String("key_id", f.KeyID), slog.String("issuer_id", f.IssuerID),
		slog.Bool("in_house", f.InHouse), slog.String("base_url", f.BaseURL))
}

// ParseAPIKeyJSON parses fastlane's api-key JSON and the key it holds. The returned
// APIKeyFile carries the other settings (base_url) to the caller.
func ParseAPIKeyJSON(data []byte) (*Key, *APIKeyFile, error) {
	return parseAPIKeyJSON("the api-key JSON", data)
}

// LoadAPIKeyJSON reads and parses the api-key JSON file at path.
func LoadAPIKeyJSON(path string) (*Key, *APIKeyFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		// The message names the path, which must not repeat a key given in its place.
		if strings.HasPrefix(strings.TrimSpace(path), "{") || secretShape(path) != "" {
			return nil, nil, &KeyError{Err: err, Reason: "the api-key JSON path given is the JSON itself (or a key), not a path: " +
				"write the JSON to a file readable only by you and pass that file's path with --api-key-json or ASC_API_KEY_JSON"}
		}
		reason := fmt.Sprintf("api-key JSON %s cannot be read: check that the path names a readable file", path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			reason = fmt.Sprintf("api-key JSON %s does not exist: check the path given to --api-key-json or ASC_API_KEY_JSON", path)
		case errors.Is(err, fs.ErrPermission):
			reason = fmt.Sprintf("api-key JSON %s is not readable: check its permissions (chmod 600 for the owner)", path)
		}
		return nil, nil, &KeyError{Reason: reason, Err: err}
	}
	return parseAPIKeyJSON("api-key JSON "+path, data)
}

func parseAPIKeyJSON(src string, data []byte) (*Key, *APIKeyFile, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil, keyErrorf("%s is empty: write it in fastlane's format {\"key_id\", \"issuer_id\", \"key\"}", src)
	}
	var f APIKeyFile
	if err := json.Unmarshal(data, &f); err != nil {
		// The decoder's own messages can quote a character of the input, which may be part of
		// the key, so only the position and the field name are reported.
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return nil, nil, keyErrorf("%s is malformed: invalid JSON at byte %d; fix the file or write it again in fastlane's format {\"key_id\", \"issuer_id\", \"key\"}", src, syn.Offset)
		case errors.As(err, &typ) && typ.Field != "":
			return nil, nil, keyErrorf("%s is malformed: field %q must be a %s; fix the file to fastlane's format {\"key_id\", \"issuer_id\", \"key\"}", src, typ.Field, jsonKind(typ.Type.Kind().String()))
		default:
			return nil, nil, keyErrorf("%s is malformed: it is not a JSON object; write it in fastlane's format {\"key_id\", \"issuer_id\", \"key\"}", src)
		}
	}
	if strings.TrimSpace(f.KeyID) == "" {
		return nil, nil, keyErrorf("%s has no key_id: add the key id shown next to the key in App Store Connect (Users and Access > Integrations)", src)
	}
	if strings.TrimSpace(f.Key) == "" {
		return nil, nil, keyErrorf("%s has no key: set \"key\" to the contents of the AuthKey_<KEYID>.p8 file", src)
	}
	pemBytes := []byte(f.Key)
	keySrc := "the key in " + src
	if f.IsKeyContentBase64 {
		decoded, err := decodeBase64Loose(f.Key)
		if err != nil {
			return nil, nil, keyErrorf("%s is marked is_key_content_base64 but is not valid base64: encode the .p8 file with base64, or store the PEM text and set is_key_content_base64 to false", keySrc)
		}
		pemBytes = decoded
	}
	key, err := newKey(keySrc, f.KeyID, f.IssuerID, pemBytes)
	if err != nil {
		return nil, nil, err
	}
	key.InHouse = f.InHouse
	return key, &f, nil
}

// decodeBase64Loose accepts standard or URL-safe base64, padded or not, with line breaks, as
// produced by the various base64 tools people use to fill is_key_content_base64.
func decodeBase64Loose(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
	s = strings.ReplaceAll(s, `\n`, "")
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// jsonKind names a Go kind the way a person editing JSON thinks of it.
func jsonKind(kind string) string {
	switch kind {
	case "bool":
		return "boolean (true or false)"
	case "string":
		return "string"
	default:
		return kind
	}
}
