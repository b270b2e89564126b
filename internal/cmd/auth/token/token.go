// Package token implements `ascend auth token`: print one signed JWT.
package token

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/asc/auth"
	"github.com/ascend-tools/ascend/internal/apicall"
	"github.com/ascend-tools/ascend/internal/cli"
)

// Options are the command's flags and dependencies.
type Options struct {
	F        *cli.Factory
	Scope    []string
	Lifetime time.Duration
}

// NewCmd returns `ascend auth token`; runF replaces the run function in tests.
func NewCmd(f *cli.Factory, runF func(*cobra.Command, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print a signed App Store Connect token",
		Long: `Print a signed JSON Web Token for the configured key, on one line and nothing else,
for tools that need a bearer token (curl -H "Authorization: Bearer $(ascend auth token)").
Tokens live at most 20 minutes; --scope limits one to the listed requests, each checked
against Apple's spec first (a path no operation serves, or an unknown filter, is refused).`,
		Example: `  ascend auth token
  ascend auth token --scope "GET /v1/apps" --lifetime 10m`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd, opts)
			}
			return run(cmd, opts)
		},
	}
	cmd.Flags().StringArrayVar(&opts.Scope, "scope", nil, "limit the token to `\"METHOD /path[?query]\"` (repeatable)")
	cmd.Flags().DurationVar(&opts.Lifetime, "lifetime", auth.DefaultLifetime, "how long the token is valid (at most 20m; default the api-key JSON's duration, else 15m)")
	return cmd
}

func run(cmd *cobra.Command, opts *Options) error {
	if err := checkOptions(opts); err != nil {
		return err
	}
	creds, err := opts.F.Credentials(cmd.Context())
	if err != nil {
		return err
	}
	life := opts.Lifetime
	if !cmd.Flags().Changed("lifetime") {
		// Zero lets the key's own lifetime (fastlane's duration) apply, else the default.
		life = 0
	}
	tok, err := creds.Key.Sign(auth.TokenOptions{Lifetime: life, Scope: opts.Scope})
	if err != nil {
		return fmt.Errorf("sign a token with %s: %v", creds.Key, err)
	}
	_, err = fmt.Fprintln(opts.F.IO.Out, tok)
	return err
}

// checkOptions refuses, before any key is read, what Apple would refuse.
func checkOptions(opts *Options) error {
	// Zero means "the default" to the library, but on the command line it is a mistake.
	if opts.Lifetime <= 0 {
		return cli.UsageErrorf("--lifetime %s is too short: use at least 1s (default %s)", opts.Lifetime, auth.DefaultLifetime)
	}
	if err := (auth.TokenOptions{Lifetime: opts.Lifetime, Scope: opts.Scope}).Validate(); err != nil {
		return cli.UsageErrorf("%v", err)
	}
	for _, s := range opts.Scope {
		if err := checkScope(s); err != nil {
			return cli.UsageErrorf("--scope %q: %v", s, err)
		}
	}
	return nil
}

// checkScope checks a scope entry's request against Apple's spec as 'ascend api' checks a
// request: a path and method some operation serves, and for a read, its query's parameters
// and values. A token for a request Apple does not serve would only ever get 401 or 404.
func checkScope(s string) error {
	method, target, _ := strings.Cut(s, " ")
	path, rawQuery, _ := strings.Cut(target, "?")
	op, err := apicall.Resolve(method, path)
	if err != nil {
		return err
	}
	if rawQuery == "" || (method != http.MethodGet && method != http.MethodHead) {
		return nil
	}
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return fmt.Errorf("the query is not a URL query: %v", err)
	}
	return apicall.Check(op, &apicall.Request{Method: method, Path: path, Query: query})
}
