// Package login implements `ascend auth login`: validate a key and save it as a profile.
package login

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/asc/auth"
	"github.com/ascend-tools/ascend/internal/cli"
)

// Options are the command's flags and dependencies. The key flags are the global ones
// (--key-id, --issuer-id, --private-key-path, --base-url, --profile).
type Options struct {
	F *cli.Factory
}

// NewCmd returns `ascend auth login`; runF replaces the run function in tests.
func NewCmd(f *cli.Factory, runF func(*cobra.Command, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:   "login",
		Short: "Validate an API key and save it as a profile",
		Long: `Validate an App Store Connect API key and save it as a named profile in
<config dir>/ascend/config.json (readable by you only). The profile stores the path of the
.p8 file (or of fastlane's api-key JSON file, with --api-key-json), never the key itself. Without --profile it saves "default", which every command
uses when no other credentials are given; --profile NAME selects another on later commands.`,
		Example: `  ascend auth login --key-id ABC123 --issuer-id 57246542-96fe-1a63-e053-0824d011072a --private-key-path ~/keys/AuthKey_ABC123.p8
  ascend auth login --profile personal --private-key-path ~/keys/AuthKey_XYZ789.p8
  ascend auth login --profile ci --api-key-json fastlane/api_key.json`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd, opts)
			}
			return run(cmd, opts)
		},
	}
}

func run(_ *cobra.Command, opts *Options) error {
	f := opts.F
	fl := f.Flags
	if fl.APIKeyJSON != "" && (fl.PrivateKeyPath != "" || fl.KeyID != "" || fl.IssuerID != "") {
		return cli.UsageErrorf("auth login takes either --api-key-json or --private-key-path (with --key-id and --issuer-id), not both")
	}
	if fl.PrivateKeyPath == "" && fl.APIKeyJSON == "" {
		return cli.UsageErrorf("auth login needs --private-key-path, the AuthKey_<KEYID>.p8 file from App Store Connect (and --key-id unless the file has that name), or --api-key-json, fastlane's api-key JSON file")
	}
	if f.SandboxRequested() {
		return cli.UsageErrorf("auth login saves a real key; it cannot be combined with --sandbox")
	}
	name := fl.Profile
	if name == "" {
		name = cli.DefaultProfile
	}
	// Refuse, before anything is saved, what would make every later command fail.
	if strings.ContainsFunc(name, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return cli.UsageErrorf("profile name %q contains spaces or control characters: use a single word such as ci or personal", name)
	}
	if fl.BaseURL != "" {
		if _, err := asc.NewClient(asc.WithBaseURL(fl.BaseURL)); err != nil {
			return cli.UsageErrorf("--base-url %q is not an API root: use an absolute http or https URL, like %s", fl.BaseURL, asc.DefaultBaseURL)
		}
	}
	key, profile, err := loadKey(fl)
	if err != nil {
		return err
	}
	if err := cli.CheckIssuerID(key.IssuerID); err != nil {
		return cli.UsageErrorf("auth login: %v; nothing was saved", err)
	}
	if _, err := key.Sign(auth.TokenOptions{}); err != nil {
		return &cli.AuthError{Msg: fmt.Sprintf("auth login: cannot sign with %s", key), Err: err}
	}
	cfg, err := f.LoadConfig()
	if err != nil {
		return err
	}
	cfg.Profiles[name] = profile
	saved, err := f.SaveConfig(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "saved profile %q (key %s, %s) in %s; test it with 'ascend auth check", name, key.ID, key.Kind(), saved)
	if name != cli.DefaultProfile {
		fmt.Fprintf(f.IO.ErrOut, " --profile %s", name)
	}
	fmt.Fprintln(f.IO.ErrOut, "'")
	if key.Individual() {
		fmt.Fprintln(f.IO.ErrOut, "no issuer id given: ascend will sign as an individual key (sub \"user\"); if this is a team key, run auth login again with --issuer-id")
	}
	return nil
}

// loadKey reads the key the flags name and returns it with the profile that records where
// it is (the file's path, never the key).
func loadKey(fl cli.GlobalFlags) (*auth.Key, cli.Profile, error) {
	if fl.APIKeyJSON != "" {
		path, err := filepath.Abs(fl.APIKeyJSON)
		if err != nil {
			return nil, cli.Profile{}, fmt.Errorf("resolve --api-key-json: %v", err)
		}
		key, _, err := auth.LoadAPIKeyJSON(path)
		if err != nil {
			return nil, cli.Profile{}, fmt.Errorf("auth login: %w", err)
		}
		return key, cli.Profile{KeyID: key.ID, IssuerID: key.IssuerID, APIKeyJSON: path, BaseURL: fl.BaseURL}, nil
	}
	path, err := filepath.Abs(fl.PrivateKeyPath)
	if err != nil {
		return nil, cli.Profile{}, fmt.Errorf("resolve --private-key-path: %v", err)
	}
	key, err := auth.LoadKeyFile(path, fl.KeyID, fl.IssuerID)
	if err != nil {
		return nil, cli.Profile{}, fmt.Errorf("auth login: %w", err)
	}
	return key, cli.Profile{KeyID: key.ID, IssuerID: key.IssuerID, PrivateKeyPath: path, BaseURL: fl.BaseURL}, nil
}
