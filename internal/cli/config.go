package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// ConfigFileName is the file in the config dir that holds saved profiles.
const ConfigFileName = "config.json"

// Config is the saved CLI configuration: named credential profiles. It never holds key
// material, only the path of the .p8 file.
type Config struct {
	Profiles map[string]Profile `json:"profiles"`
}

// Profile is one set of credentials saved by `ascend auth login`.
type Profile struct {
	KeyID          string `json:"key_id"`
	IssuerID       string `json:"issuer_id,omitempty"`
	PrivateKeyPath string `json:"private_key_path,omitempty"`
	// APIKeyJSON is the path of a fastlane api-key JSON file, saved instead of
	// PrivateKeyPath by 'auth login --api-key-json'.
	APIKeyJSON string `json:"api_key_json,omitempty"`
	BaseURL    string `json:"base_url,omitempty"`
}

// DefaultProfile is the profile used when --profile is not given.
const DefaultProfile = "default"

// ConfigDir is where config.json lives: $ASCEND_CONFIG_DIR, else <user config dir>/ascend.
func (f *Factory) ConfigDir() (string, error) {
	return f.userDir("ASCEND_CONFIG_DIR", os.UserConfigDir, "config")
}

// CacheDir is where the embedded sandbox keeps its state: $ASCEND_CACHE_DIR, else
// <user cache dir>/ascend.
func (f *Factory) CacheDir() (string, error) {
	return f.userDir("ASCEND_CACHE_DIR", os.UserCacheDir, "cache")
}

// userDir is the directory named by the environment variable env, else ascend's folder in
// the user's directory of that kind.
func (f *Factory) userDir(env string, base func() (string, error), kind string) (string, error) {
	if d := f.getenv(env); d != "" {
		return d, nil
	}
	dir, err := base()
	if err != nil {
		return "", fmt.Errorf("find the %s dir: %v; set %s", kind, err, env)
	}
	return filepath.Join(dir, "ascend"), nil
}

// LoadConfig reads config.json; a missing file is an empty config.
func (f *Factory) LoadConfig() (*Config, error) {
	dir, err := f.ConfigDir()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, ConfigFileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Config{Profiles: map[string]Profile{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read config %s: %v", path, err)
	}
	var c Config
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("read config %s: not valid JSON (%v); fix or remove the file", path, err)
	}
	if c.Profiles == nil {
		c.Profiles = map[string]Profile{}
	}
	return &c, nil
}

// SaveConfig writes config.json readable by the owner only (file 0600, dir 0700), replacing
// the old file atomically.
func (f *Factory) SaveConfig(c *Config) (string, error) {
	dir, err := f.ConfigDir()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create config dir %s: %v", dir, err)
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return "", err
	}
	data = append(data, '\n')
	path := filepath.Join(dir, ConfigFileName)
	tmp, err := os.CreateTemp(dir, ".config-*.json")
	if err != nil {
		return "", fmt.Errorf("write config %s: %v", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write config %s: %v", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write config %s: %v", path, err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("write config %s: %v", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("write config %s: %v", path, err)
	}
	return path, nil
}

// ProfileNames lists the saved profiles, sorted.
func (c *Config) ProfileNames() []string {
	names := make([]string, 0, len(c.Profiles))
	for n := range c.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
