package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/asc/auth"
)

// GlobalFlags are the values of the root command's persistent flags.
type GlobalFlags struct {
	BaseURL string
	Sandbox bool
	JSON    bool
	JQ      string
	Verbose bool
	Profile string

	KeyID          string
	IssuerID       string
	PrivateKeyPath string
	APIKeyJSON     string
}

// Factory hands commands their dependencies. Credentials, the client and the embedded
// sandbox are made on first use, so `--help` and commands that need no API work without
// credentials. A Factory serves one invocation; tests make one per command run.
type Factory struct {
	IO    *IOStreams
	Flags GlobalFlags
	// Getenv reads the environment; tests inject a map so they can run in parallel.
	Getenv func(string) string
	// Transport is the base HTTP transport; nil means http.DefaultTransport.
	Transport http.RoundTripper
	// Version is the binary's version, sent in the User-Agent.
	Version string
	// StartSandbox starts the embedded sandbox for --sandbox with its state at statePath.
	// The root command sets it, so this package does not depend on the emulator.
	StartSandbox func(statePath string) (EmbeddedSandbox, error)

	mu       sync.Mutex
	creds    *Credentials
	credsErr error
	client   *asc.Client
	sb       EmbeddedSandbox
}

// EmbeddedSandbox is the part of *sandbox.Server the factory uses.
type EmbeddedSandbox interface {
	URL() string
	Key() *auth.Key
	Close() error
}

// NewFactory returns a Factory over io; a nil getenv means os.Getenv.
func NewFactory(io *IOStreams, getenv func(string) string) *Factory {
	if getenv == nil {
		getenv = os.Getenv
	}
	return &Factory{IO: io, Getenv: getenv, Version: "dev"}
}

func (f *Factory) getenv(name string) string {
	if f.Getenv == nil {
		return os.Getenv(name)
	}
	return f.Getenv(name)
}

// LookupEnv reads a variable as the fastlane readers look them up: set means not empty.
func (f *Factory) LookupEnv(name string) (string, bool) {
	v := f.getenv(name)
	return v, v != ""
}

// Credentials are the key and API root a command talks to, and where they came from.
type Credentials struct {
	Key     *auth.Key
	BaseURL string
	// Source names where the key came from: "flags", "environment", "api-key JSON FILE",
	// "profile NAME" or "sandbox".
	Source string

	// onCommandLine: the key came from a flag, so its file's base_url outranks ASC_BASE_URL
	// as the file itself outranks the ASC_* variables.
	onCommandLine bool
}

// SandboxRequested reports whether --sandbox or ASCEND_SANDBOX asks for the embedded sandbox.
func (f *Factory) SandboxRequested() bool {
	return f.Flags.Sandbox || truthy(f.getenv("ASCEND_SANDBOX"))
}

func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// Credentials resolves the credentials once per invocation. With --sandbox it starts the
// embedded sandbox, whose state (and key) persists in the cache dir.
func (f *Factory) Credentials(ctx context.Context) (*Credentials, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.creds == nil && f.credsErr == nil {
		f.creds, f.credsErr = f.resolveCredentials(ctx)
		if f.credsErr == nil && f.Flags.Profile != "" && f.creds.Source != "profile "+f.Flags.Profile {
			fmt.Fprintf(f.IO.ErrOut, "warning: --profile %s is ignored: credentials from %s come first\n", f.Flags.Profile, f.creds.Source)
		}
		if f.credsErr == nil && f.Flags.Verbose {
			fmt.Fprintf(f.IO.ErrOut, "* using %s from %s, base URL %s\n", f.creds.Key, f.creds.Source, f.creds.BaseURL)
		}
	}
	return f.creds, f.credsErr
}

// NoCredentialsError is the message when no way of giving credentials was used.
const NoCredentialsError = "no App Store Connect credentials found: pass --key-id, --issuer-id and --private-key-path; " +
	"or set ASC_KEY_ID, ASC_ISSUER_ID and ASC_PRIVATE_KEY_PATH (or ASC_PRIVATE_KEY); " +
	"or pass --api-key-json FILE (or set ASC_API_KEY_JSON, or fastlane's APP_STORE_CONNECT_API_KEY_PATH); " +
	"or save a profile with 'ascend auth login' (use --sandbox to try the local emulator)"

func (f *Factory) resolveCredentials(ctx context.Context) (*Credentials, error) {
	if f.SandboxRequested() {
		return f.startSandbox(ctx)
	}
	creds, err := f.findKey()
	if err != nil {
		return nil, err
	}
	if err := CheckIssuerID(creds.Key.IssuerID); err != nil {
		return nil, &AuthError{Msg: "credentials from " + creds.Source, Err: err}
	}
	switch {
	case f.Flags.BaseURL != "":
		creds.BaseURL = f.Flags.BaseURL
	case creds.onCommandLine && creds.BaseURL != "":
		// --api-key-json's base_url: what the command line names wins over the environment.
	case f.getenv("ASC_BASE_URL") != "":
		creds.BaseURL = f.getenv("ASC_BASE_URL")
	case creds.BaseURL == "":
		creds.BaseURL = asc.DefaultBaseURL
	}
	return creds, nil
}

// findKey walks the sources in the documented order; the first one present wins.
func (f *Factory) findKey() (*Credentials, error) {
	fl := f.Flags
	if fl.KeyID != "" || fl.IssuerID != "" || fl.PrivateKeyPath != "" {
		if fl.PrivateKeyPath == "" {
			return nil, AuthErrorf("--key-id and --issuer-id need --private-key-path, the .p8 file Apple issued")
		}
		key, err := auth.LoadKeyFile(fl.PrivateKeyPath, fl.KeyID, fl.IssuerID)
		if err != nil {
			return nil, fmt.Errorf("load key from --private-key-path: %w", err)
		}
		return &Credentials{Key: key, Source: "flags", onCommandLine: true}, nil
	}

	// --api-key-json given on the command line outranks the ASC_* variables: a command meant
	// for the file's host (a local sandbox, say) must not go elsewhere because the shell
	// happens to export another key.
	if fl.APIKeyJSON != "" {
		return f.loadAPIKeyJSON(fl.APIKeyJSON, true)
	}

	id, issuer := f.getenv("ASC_KEY_ID"), f.getenv("ASC_ISSUER_ID")
	path, pem := f.getenv("ASC_PRIVATE_KEY_PATH"), f.getenv("ASC_PRIVATE_KEY")
	if id != "" || issuer != "" || path != "" || pem != "" {
		var key *auth.Key
		var err error
		switch {
		case path != "":
			key, err = auth.LoadKeyFile(path, id, issuer)
		case pem != "":
			if id == "" {
				return nil, AuthErrorf("ASC_PRIVATE_KEY is set but ASC_KEY_ID is not: set ASC_KEY_ID to the key's id")
			}
			if looksLikeKeyPath(pem) {
				return nil, AuthErrorf("ASC_PRIVATE_KEY holds a file path, not the key's PEM text: set ASC_PRIVATE_KEY_PATH=%s instead", strings.TrimSpace(pem))
			}
			key, err = auth.NewKey(id, issuer, []byte(pem))
		default:
			return nil, AuthErrorf("ASC_KEY_ID is set but neither ASC_PRIVATE_KEY_PATH nor ASC_PRIVATE_KEY is: set one to the .p8 key")
		}
		if err != nil {
			return nil, fmt.Errorf("load key from the environment: %w", err)
		}
		return &Credentials{Key: key, Source: "environment"}, nil
	}

	if jsonPath := f.getenv("ASC_API_KEY_JSON"); jsonPath != "" {
		return f.loadAPIKeyJSON(jsonPath, false)
	}

	// fastlane's variables come after ascend's own, so a fastlane setup works unchanged.
	if key, file, name, err := auth.FromFastlaneEnv(f.getenv); err != nil {
		return nil, fmt.Errorf("load key from fastlane's environment variables: %w", err)
	} else if key != nil {
		creds := &Credentials{Key: key, Source: "environment (" + name + ")"}
		if file != nil {
			creds.BaseURL = file.BaseURL
		}
		return creds, nil
	}

	cfg, err := f.LoadConfig()
	if err != nil {
		return nil, err
	}
	name := fl.Profile
	if name == "" {
		name = DefaultProfile
	}
	p, ok := cfg.Profiles[name]
	if !ok {
		if fl.Profile != "" {
			known := "none saved yet"
			if names := cfg.ProfileNames(); len(names) > 0 {
				known = "saved: " + strings.Join(names, ", ")
			}
			return nil, AuthErrorf("profile %q not found (%s); save it with 'ascend auth login --profile %s'", name, known, name)
		}
		if names := cfg.ProfileNames(); len(names) > 0 {
			// Profiles exist but none is the default: say how to pick one rather than
			// telling the user to save what they already saved.
			return nil, AuthErrorf("no App Store Connect credentials found: no %q profile is saved; select one with --profile %s (saved: %s), or pass a key with --private-key-path",
				DefaultProfile, names[0], strings.Join(names, ", "))
		}
		return nil, &AuthError{Msg: NoCredentialsError}
	}
	if p.APIKeyJSON != "" {
		key, file, err := auth.LoadAPIKeyJSON(p.APIKeyJSON)
		if err != nil {
			return nil, fmt.Errorf("load key of profile %q: %w", name, err)
		}
		creds := &Credentials{Key: key, BaseURL: cmp.Or(p.BaseURL, file.BaseURL), Source: "profile " + name}
		return creds, nil
	}
	key, err := auth.LoadKeyFile(p.PrivateKeyPath, p.KeyID, p.IssuerID)
	if err != nil {
		return nil, fmt.Errorf("load key of profile %q: %w", name, err)
	}
	return &Credentials{Key: key, BaseURL: p.BaseURL, Source: "profile " + name}, nil
}

// loadAPIKeyJSON reads the credentials of an api-key JSON file, its base_url included.
func (f *Factory) loadAPIKeyJSON(path string, onCommandLine bool) (*Credentials, error) {
	key, file, err := auth.LoadAPIKeyJSON(path)
	if err != nil {
		return nil, fmt.Errorf("load key from api-key JSON: %w", err)
	}
	return &Credentials{Key: key, BaseURL: file.BaseURL, Source: "api-key JSON " + path, onCommandLine: onCommandLine}, nil
}

// looksLikeKeyPath reports whether s, found where PEM text belongs, is rather the path of a
// key file: no PEM armour, one line, and either a .p8 name or an existing file.
func looksLikeKeyPath(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" || strings.Contains(s, "-----") || strings.ContainsAny(s, "\r\n") {
		return false
	}
	if strings.HasSuffix(s, ".p8") {
		return true
	}
	st, err := os.Stat(s)
	return err == nil && st.Mode().IsRegular()
}

// SandboxStatePath is where the embedded sandbox keeps its state.
func (f *Factory) SandboxStatePath() (string, error) {
	dir, err := f.CacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "sandbox", "state.sqlite"), nil
}

func (f *Factory) startSandbox(ctx context.Context) (*Credentials, error) {
	state, err := f.SandboxStatePath()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(state), 0o700); err != nil {
		return nil, fmt.Errorf("create sandbox state dir: %v; set ASCEND_CACHE_DIR to a writable dir", err)
	}
	if f.StartSandbox == nil {
		return nil, errors.New("the embedded sandbox is not available in this build; run 'ascend sandbox' and pass --api-key-json")
	}
	sb, err := f.StartSandbox(state)
	if err != nil {
		return nil, fmt.Errorf("start the embedded sandbox: %v; if its state file %s is damaged, remove it to start afresh", err, state)
	}
	f.sb = sb
	return &Credentials{Key: sb.Key(), BaseURL: sb.URL(), Source: "sandbox"}, nil
}

// HTTPClient is an unsigned client with --verbose logging, for presigned URLs and the like.
func (f *Factory) HTTPClient() *http.Client {
	return &http.Client{Transport: f.transport()}
}

func (f *Factory) transport() http.RoundTripper {
	base := f.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	if f.Flags.Verbose {
		return &verboseTransport{base: base, w: f.IO.ErrOut, now: time.Now}
	}
	return base
}

// Client returns the signed App Store Connect client, built once.
func (f *Factory) Client(ctx context.Context) (*asc.Client, error) {
	creds, err := f.Credentials(ctx)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.client != nil {
		return f.client, nil
	}
	c, err := asc.NewClient(
		asc.WithBaseURL(creds.BaseURL),
		asc.WithKey(creds.Key),
		asc.WithHTTPClient(f.HTTPClient()),
		asc.WithUserAgent("ascend/"+f.Version),
		// One budget for everything this invocation sends with the key.
		asc.WithRateBudget(asc.NewRateBudget()),
	)
	if err != nil {
		return nil, UsageErrorf("create the API client: %v", err)
	}
	f.client = c
	return c, nil
}

// Close stops the embedded sandbox, if one was started.
func (f *Factory) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sb == nil {
		return nil
	}
	err := f.sb.Close()
	f.sb = nil
	return err
}

// isAuthFailure reports errors that mean the credentials are unusable: a bad key, or Apple
// refusing the token (401).
func isAuthFailure(err error) bool {
	var keyErr *auth.KeyError
	if errors.As(err, &keyErr) {
		return true
	}
	var apiErr *asc.ErrorResponse
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized
}

// CheckIssuerID refuses an issuer id that is not a UUID, as App Store Connect shows them
// (57246542-96fe-1a63-e053-0824d011072a), before any token is signed with it: Apple would
// only answer 401. "" (an individual key) is accepted.
func CheckIssuerID(id string) error {
	if id == "" || isUUID(id) {
		return nil
	}
	return fmt.Errorf("issuer id %q is not a UUID such as 57246542-96fe-1a63-e053-0824d011072a: copy it from App Store Connect, Users and Access, Integrations (omit it for an individual key)", id)
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
