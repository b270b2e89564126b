// Package check implements `ascend auth check`: prove that the configured key works.
package check

import (
	"errors"
	"fmt"
	"net/http"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/asc/auth"
	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/workflow/apps"
)

// Options are the command's flags and dependencies.
type Options struct {
	F *cli.Factory
}

// Result is what the check found; it is the --json output.
type Result struct {
	KeyID     string     `json:"keyId"`
	KeyType   string     `json:"keyType"`
	IssuerID  string     `json:"issuerId,omitempty"`
	Source    string     `json:"source"`
	BaseURL   string     `json:"baseUrl"`
	Status    int        `json:"status"`
	RateLimit *RateLimit `json:"rateLimit,omitempty"`
}

// RateLimit is the X-Rate-Limit budget Apple reported.
type RateLimit struct {
	Limit     int `json:"limit"`
	Remaining int `json:"remaining"`
}

// NewCmd returns `ascend auth check`; runF replaces the run function in tests.
func NewCmd(f *cli.Factory, runF func(*cobra.Command, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:   "check",
		Short: "Check that the configured key can call App Store Connect",
		Long: `Load the configured key, sign a token and read one app (GET /v1/apps?limit=1), then report the
key id, key type (team or individual), base URL and the rate limit Apple returned. A failure
names the step that failed: load key, sign, request or Apple's answer.`,
		Example: `  ascend auth check
  ascend auth check --profile ci --json`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd, opts)
			}
			return run(cmd, opts)
		},
	}
}

func run(cmd *cobra.Command, opts *Options) error {
	ctx := cmd.Context()
	f := opts.F
	creds, err := f.Credentials(ctx)
	if err != nil {
		var keyErr *auth.KeyError
		var authErr *cli.AuthError
		if errors.As(err, &keyErr) || errors.As(err, &authErr) {
			return &cli.AuthError{Msg: "auth check failed to load key", Err: err}
		}
		return fmt.Errorf("auth check failed to load key: %w", err)
	}
	if _, err := creds.Key.Sign(auth.TokenOptions{}); err != nil {
		return &cli.AuthError{Msg: fmt.Sprintf("auth check failed to sign a token with %s", creds.Key), Err: err}
	}
	client, err := f.Client(ctx)
	if err != nil {
		return fmt.Errorf("auth check failed to make a client: %w", err)
	}
	resp, err := apps.Probe(ctx, client)
	if err != nil {
		var apiErr *asc.ErrorResponse
		if !errors.As(err, &apiErr) {
			return fmt.Errorf("auth check failed at the request to %s: %w; check the base URL and your network", creds.BaseURL, err)
		}
		if apiErr.StatusCode == http.StatusUnauthorized {
			return &cli.AuthError{Msg: "auth check: Apple refused the token (check the key id, issuer id and that the key is not revoked)", Err: err}
		}
		return fmt.Errorf("auth check: Apple's answer was an error: %w", err)
	}
	res := Result{
		KeyID:    creds.Key.ID,
		KeyType:  creds.Key.Kind(),
		IssuerID: creds.Key.IssuerID,
		Source:   creds.Source,
		BaseURL:  creds.BaseURL,
		Status:   resp.StatusCode,
	}
	if resp.Rate.Known {
		res.RateLimit = &RateLimit{Limit: resp.Rate.Limit, Remaining: resp.Rate.Remaining}
	}
	if f.JSONRequested() {
		return f.WriteJSON(res)
	}
	tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 1, ' ', 0)
	fmt.Fprintf(tw, "key id:\t%s\n", res.KeyID)
	if res.IssuerID != "" {
		fmt.Fprintf(tw, "key type:\tteam (issuer %s)\n", res.IssuerID)
	} else {
		fmt.Fprintf(tw, "key type:\tindividual\n")
	}
	fmt.Fprintf(tw, "source:\t%s\n", res.Source)
	fmt.Fprintf(tw, "base url:\t%s\n", res.BaseURL)
	if res.RateLimit != nil {
		fmt.Fprintf(tw, "rate limit:\t%d of %d requests left this hour\n", res.RateLimit.Remaining, res.RateLimit.Limit)
	} else {
		fmt.Fprintf(tw, "rate limit:\tnot reported\n")
	}
	fmt.Fprintf(tw, "status:\tok (GET /v1/apps?limit=1 answered %d)\n", res.Status)
	return tw.Flush()
}
