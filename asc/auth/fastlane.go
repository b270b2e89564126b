package auth

import (
	"strconv"
	"strings"
)

// fastlane's environment variables for an App Store Connect API key: two that name an
// api-key JSON file, and the parts fastlane's app_store_connect_api_key action reads.
const (
	EnvFastlaneKeyPath     = "APP_STORE_CONNECT_API_KEY_PATH"
	EnvDeliverKeyPath      = "DELIVER_API_KEY_PATH"
	EnvPilotKeyPath        = "PILOT_API_KEY_PATH"
	EnvFastlaneKeyID       = "APP_STORE_CONNECT_API_KEY_KEY_ID"
	EnvFastlaneIssuerID    = "APP_STORE_CONNECT_API_KEY_ISSUER_ID"
	EnvFastlaneKey         = "APP_STORE_CONNECT_API_KEY_KEY"
	EnvFastlaneKeyFilePath = "APP_STORE_CONNECT_API_KEY_KEY_FILEPATH"
	EnvFastlaneKeyBase64   = "APP_STORE_CONNECT_API_KEY_IS_KEY_CONTENT_BASE64"
	EnvFastlaneDuration    = "APP_STORE_CONNECT_API_KEY_DURATION"
	EnvFastlaneInHouse     = "APP_STORE_CONNECT_API_KEY_IN_HOUSE"
)

// FromFastlaneEnv loads the key that fastlane's environment variables describe, read through
// getenv. An api-key JSON path (APP_STORE_CONNECT_API_KEY_PATH, then DELIVER_API_KEY_PATH,
// then PILOT_API_KEY_PATH) comes first; otherwise the key's parts
// (APP_STORE_CONNECT_API_KEY_KEY_ID and the others).
// It returns a nil key and no error when none of them is set; source names the variable the
// key came from, and file carries the api-key JSON's other settings (nil for the parts).
func FromFastlaneEnv(getenv func(string) string) (key *Key, file *APIKeyFile, source string, err error) {
	for _, name := range []string{EnvFastlaneKeyPath, EnvDeliverKeyPath, EnvPilotKeyPath} {
		if path := strings.TrimSpace(getenv(name)); path != "" {
			key, file, err := LoadAPIKeyJSON(path)
			return key, file, name, err
		}
	}
	id, issuer := getenv(EnvFastlaneKeyID), getenv(EnvFastlaneIssuerID)
	content, path := getenv(EnvFastlaneKey), getenv(EnvFastlaneKeyFilePath)
	if id == "" && issuer == "" && content == "" && path == "" {
		return nil, nil, "", nil
	}
	src := "the key in " + EnvFastlaneKey
	f := APIKeyFile{KeyID: id, IssuerID: issuer, Key: content}
	var ok bool
	if f.IsKeyContentBase64, ok = parseFlag(getenv(EnvFastlaneKeyBase64)); !ok {
		return nil, nil, "", keyErrorf("%s must be true or false", EnvFastlaneKeyBase64)
	}
	if f.InHouse, ok = parseFlag(getenv(EnvFastlaneInHouse)); !ok {
		return nil, nil, "", keyErrorf("%s must be true or false", EnvFastlaneInHouse)
	}
	if d := strings.TrimSpace(getenv(EnvFastlaneDuration)); d != "" {
		if f.Duration, err = strconv.Atoi(d); err != nil {
			return nil, nil, "", keyErrorf("%s must be a whole number of seconds, at most 1200", EnvFastlaneDuration)
		}
	}
	if strings.TrimSpace(id) == "" {
		return nil, nil, "", keyErrorf("%s is not set: set it to the key id shown next to the key in App Store Connect", EnvFastlaneKeyID)
	}
	if content == "" {
		// The key file: read it here so that the file's own messages (missing, unreadable,
		// not a key) apply, then build the key with the other settings.
		if strings.TrimSpace(path) == "" {
			return nil, nil, "", keyErrorf("%s is set but neither %s nor %s is: set one to the .p8 key", EnvFastlaneKeyID, EnvFastlaneKey, EnvFastlaneKeyFilePath)
		}
		if f.IsKeyContentBase64 {
			return nil, nil, "", keyErrorf("%s applies to %s only; the key file %s is read as it is", EnvFastlaneKeyBase64, EnvFastlaneKey, EnvFastlaneKeyFilePath)
		}
		if err := f.checkDuration(EnvFastlaneDuration); err != nil {
			return nil, nil, "", err
		}
		k, err := LoadKeyFile(path, id, issuer)
		if err != nil {
			return nil, nil, "", err
		}
		f.apply(k)
		return k, nil, EnvFastlaneKeyFilePath, nil
	}
	k, err := f.key(src)
	if err != nil {
		return nil, nil, "", err
	}
	return k, nil, EnvFastlaneKey, nil
}
