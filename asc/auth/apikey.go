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
	"strconv"
	"strings"
	"time"
)

// APIKeyFile is fastlane's api-key JSON, which ascend also writes (adding base_url) for the
// sandbox's credentials.json.
type APIKeyFile struct {
	KeyID    string `json:"key_id"`
	IssuerID string `json:"issuer_id,omitempty"`
	// Key is the PEM text of the .p8 file, or its base64 when IsKeyContentBase64 is set.
	Key string `json:"key"`
	// InHouse marks an enterprise team's key: its tokens name the audience
	// EnterpriseAudience. fastlane's files may give it (and IsKeyContentBase64) as a string
	// ("true", "yes", "1"); both forms are read.
	InHouse            bool `json:"in_house,omitempty"`
	IsKeyContentBase64 bool `json:"is_key_content_base64,omitempty"`
	// Duration is fastlane's token lifetime in seconds (at most 1200, Apple's limit); zero
	// means DefaultLifetime. A number or a numeric string is read.
	Duration int `json:"duration,omitempty"`
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
	return fmt.Sprintf("auth.APIKeyFile{KeyID:%q, IssuerID:%q, Key:\"[redacted]\", InHouse:%t, IsKeyContentBase64:%t, Duration:%d, BaseURL:%q}",
		f.KeyID, f.IssuerID, f.InHouse, f.IsKeyContentBase64, f.Duration, f.BaseURL)
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

// apiKeyFileJSON is the file as written: the flags and the duration are kept raw, because
// fastlane users write them as JSON values or as strings, and each form is read.
type apiKeyFileJSON struct {
	KeyID              string          `json:"key_id"`
	IssuerID           string          `json:"issuer_id"`
	Key                string          `json:"key"`
	InHouse            json.RawMessage `json:"in_house"`
	IsKeyContentBase64 json.RawMessage `json:"is_key_content_base64"`
	Duration           json.RawMessage `json:"duration"`
	BaseURL            string          `json:"base_url"`
}

func parseAPIKeyJSON(src string, data []byte) (*Key, *APIKeyFile, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil, keyErrorf("%s is empty: write it in fastlane's format {\"key_id\", \"issuer_id\", \"key\"}", src)
	}
	var raw apiKeyFileJSON
	if err := json.Unmarshal(data, &raw); err != nil {
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
	f := APIKeyFile{KeyID: raw.KeyID, IssuerID: raw.IssuerID, Key: raw.Key, BaseURL: raw.BaseURL}
	var err error
	if f.InHouse, err = jsonFlag(src, "in_house", raw.InHouse); err != nil {
		return nil, nil, err
	}
	if f.IsKeyContentBase64, err = jsonFlag(src, "is_key_content_base64", raw.IsKeyContentBase64); err != nil {
		return nil, nil, err
	}
	if f.Duration, err = jsonSeconds(src, "duration", raw.Duration); err != nil {
		return nil, nil, err
	}
	key, err := f.key(src)
	if err != nil {
		return nil, nil, err
	}
	return key, &f, nil
}

// key checks f's fields and makes its Key; src names where f came from, for messages.
func (f *APIKeyFile) key(src string) (*Key, error) {
	if strings.TrimSpace(f.KeyID) == "" {
		return nil, keyErrorf("%s has no key_id: add the key id shown next to the key in App Store Connect (Users and Access > Integrations)", src)
	}
	if strings.TrimSpace(f.Key) == "" {
		return nil, keyErrorf("%s has no key: set \"key\" to the contents of the AuthKey_<KEYID>.p8 file", src)
	}
	if err := f.checkDuration(src); err != nil {
		return nil, err
	}
	pemBytes := []byte(f.Key)
	keySrc := "the key in " + src
	if f.IsKeyContentBase64 {
		decoded, err := decodeBase64Loose(f.Key)
		if err != nil {
			return nil, keyErrorf("%s is marked is_key_content_base64 but is not valid base64: encode the .p8 file with base64, or store the PEM text and set is_key_content_base64 to false", keySrc)
		}
		pemBytes = decoded
	}
	key, err := newKey(keySrc, f.KeyID, f.IssuerID, pemBytes)
	if err != nil {
		return nil, err
	}
	f.apply(key)
	return key, nil
}

// checkDuration refuses a lifetime Apple would refuse; src names where it was given.
func (f *APIKeyFile) checkDuration(src string) error {
	if f.Duration < 0 || time.Duration(f.Duration)*time.Second > MaxLifetime {
		return keyErrorf("%s has duration %d: the token lifetime is in seconds, from 1 to %d (Apple's 20-minute limit); remove it for the default of %s",
			src, f.Duration, int(MaxLifetime/time.Second), DefaultLifetime)
	}
	return nil
}

// apply gives k the settings f records besides the key itself.
func (f *APIKeyFile) apply(k *Key) {
	k.InHouse = f.InHouse
	k.TokenLifetime = time.Duration(f.Duration) * time.Second
}

// jsonFlag reads a flag given as a JSON boolean, null, or a string fastlane users write
// ("true", "false", "yes", "no", "1", "0", "on", "off", "").
func jsonFlag(src, field string, raw json.RawMessage) (bool, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return false, nil
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if v, ok := parseFlag(s); ok {
			return v, nil
		}
	}
	if string(raw) == "0" || string(raw) == "1" {
		return string(raw) == "1", nil
	}
	return false, keyErrorf("%s is malformed: field %q must be true or false (or the string \"true\" or \"false\")", src, field)
}

// parseFlag reads the words fastlane treats as yes and no.
func parseFlag(s string) (v, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "1", "on":
		return true, true
	case "false", "no", "0", "off", "":
		return false, true
	}
	return false, false
}

// jsonSeconds reads a whole number of seconds given as a JSON number or a numeric string.
func jsonSeconds(src, field string, raw json.RawMessage) (int, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	text := string(raw)
	var s string
	if json.Unmarshal(raw, &s) == nil {
		text = strings.TrimSpace(s)
		if text == "" {
			return 0, nil
		}
	}
	n, err := strconv.Atoi(text)
	if err != nil {
		return 0, keyErrorf("%s is malformed: field %q must be a whole number of seconds, at most %d", src, field, int(MaxLifetime/time.Second))
	}
	return n, nil
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
