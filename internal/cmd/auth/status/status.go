// Package status implements `ascend auth status`: which credentials a command would use, and
// the saved profiles, without calling the API.
package status

import (
	"cmp"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/asc/auth"
	"github.com/ascend-tools/ascend/internal/cli"
)

// Options are the command's flags and dependencies.
type Options struct {
	F *cli.Factory
}

// Profile is one row of the --json output.
type Profile struct {
	Name           string `json:"name"`
	KeyID          string `json:"keyId"`
	KeyType        string `json:"keyType"`
	PrivateKeyPath string `json:"privateKeyPath,omitempty"`
	APIKeyJSON     string `json:"apiKeyJson,omitempty"`
	BaseURL        string `json:"baseUrl,omitempty"`
}

// Status is the --json output.
type Status struct {
	KeyID    string    `json:"keyId"`
	KeyType  string    `json:"keyType"`
	Source   string    `json:"source"`
	BaseURL  string    `json:"baseUrl"`
	Profiles []Profile `json:"profiles"`
}

// NewCmd returns `ascend auth status`; runF replaces the run function in tests.
func NewCmd(f *cli.Factory, runF func(*cobra.Command, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:   "status",
		Short: "Show which credentials are in use and the saved profiles",
		Long: `Show the key a command would use, where it comes from (flags, environment, api-key JSON,
profile) and its base URL, then the profiles saved by 'ascend auth login'. Nothing is sent
to the API; 'ascend auth check' does that.`,
		Example: `  ascend auth status
  ascend auth status --profile ci --json`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd, opts)
			}
			return run(cmd, opts)
		},
	}
}

// keyType is the kind of a saved profile's key, read from its issuer id like auth.Key.Kind.
func keyType(issuer string) string { return (auth.Key{IssuerID: issuer}).Kind() }

func run(cmd *cobra.Command, opts *Options) error {
	f := opts.F
	cfg, err := f.LoadConfig()
	if err != nil {
		return err
	}
	st := Status{Profiles: []Profile{}}
	for _, name := range cfg.ProfileNames() {
		p := cfg.Profiles[name]
		st.Profiles = append(st.Profiles, Profile{Name: name, KeyID: p.KeyID, KeyType: keyType(p.IssuerID), PrivateKeyPath: p.PrivateKeyPath, APIKeyJSON: p.APIKeyJSON, BaseURL: p.BaseURL})
	}
	creds, err := f.Credentials(cmd.Context())
	if err != nil {
		// Still show what is saved (the data on stdout), then fail with why nothing is in use.
		if len(st.Profiles) > 0 && !f.JSONRequested() {
			if rerr := profileTable(f, st, ""); rerr != nil {
				return rerr
			}
		}
		return err
	}
	st.KeyID, st.KeyType, st.Source, st.BaseURL = creds.Key.ID, creds.Key.Kind(), creds.Source, creds.BaseURL
	if f.JSONRequested() {
		return f.WriteJSON(st)
	}
	fmt.Fprintf(f.IO.Out, "using key %s (%s) from %s, base URL %s\n", st.KeyID, st.KeyType, st.Source, st.BaseURL)
	if len(st.Profiles) == 0 {
		fmt.Fprintln(f.IO.Out, "no saved profiles; save one with 'ascend auth login'")
		return nil
	}
	fmt.Fprintln(f.IO.Out)
	return profileTable(f, st, st.Source)
}

// profileTable prints the saved profiles, marking the one named by source ("profile NAME").
func profileTable(f *cli.Factory, st Status, source string) error {
	t := f.NewTable("PROFILE", "KEY ID", "TYPE", "KEY FILE", "BASE URL")
	for _, p := range st.Profiles {
		name := p.Name
		if "profile "+p.Name == source {
			name += " (in use)"
		}
		t.AddRow(name, p.KeyID, p.KeyType, cmp.Or(p.PrivateKeyPath, p.APIKeyJSON), p.BaseURL)
	}
	return t.Render()
}
