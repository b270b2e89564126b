// Package pricing implements `ascend pricing show|set|availability`: the app's own price
// schedule and the territories it is sold in, as thin adapters over workflow/pricing.
package pricing

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/workflow/pricing"
	"github.com/ascend-tools/ascend/workflow/products"
)

// NewCmd returns `ascend pricing`.
func NewCmd(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pricing <command>",
		Short: "The app's price schedule and territory availability",
		Long: `Show and change the app's own price: a customer price in a base territory that Apple
equalizes to every other territory, manual prices where you set them, and scheduled changes
with a start date (checked as Apple checks them); and the territories the app is sold in.
Prices are checked against Apple's price points before anything is written.`,
	}
	cmd.AddCommand(newShowCmd(f), newSetCmd(f), newAvailabilityCmd(f))
	return cmd
}

// fetch resolves --app and reads the app's price schedule and availability, where every
// pricing command starts.
func fetch(ctx context.Context, f *cli.Factory, app *cli.AppFlag) (string, *asc.Client, *pricing.State, error) {
	id, c, err := app.Resolve(ctx, f)
	if err != nil {
		return "", nil, nil, err
	}
	st, err := pricing.Fetch(ctx, c, id)
	return id, c, st, err
}

func newShowCmd(f *cli.Factory) *cobra.Command {
	var app cli.AppFlag
	cmd := &cobra.Command{
		Use:     "show",
		Short:   "Show the app's price schedule and availability",
		Example: `  ascend pricing show --app com.example.app`,
		Args:    cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			_, _, st, err := fetch(ctx, f, &app)
			if err != nil {
				return err
			}
			if f.JSONRequested() {
				return f.WriteJSON(struct {
					Availability any `json:"availability"`
					Price        any `json:"price"`
				}{st.Availability, st.Schedule})
			}
			tab := f.NewTable("FROM", "TERRITORY", "PRICE")
			if st.Schedule != nil {
				s := st.Schedule
				tab.AddRow("now", s.BaseTerritory+" (base)", s.Price)
				for _, k := range slices.Sorted(maps.Keys(s.Territories)) {
					tab.AddRow("now", k, s.Territories[k])
				}
				for _, ch := range s.Changes {
					if ch.Price != "" {
						tab.AddRow(ch.StartDate, s.BaseTerritory+" (base)", ch.Price)
					}
					for _, k := range slices.Sorted(maps.Keys(ch.Territories)) {
						tab.AddRow(ch.StartDate, k, ch.Territories[k])
					}
				}
			}
			if err := tab.Render(); err != nil {
				return err
			}
			if st.Schedule == nil {
				fmt.Fprintln(f.IO.ErrOut, "the app has no price schedule")
			}
			if a := st.Availability; a != nil {
				fmt.Fprintf(f.IO.ErrOut, "on sale in %s (new territories: %v): %s\n", cli.Plural(len(a.Territories), "territory"), a.AvailableInNewTerritories, strings.Join(a.Territories, " "))
			}
			return nil
		},
	}
	app.Add(cmd)
	return cmd
}

func newSetCmd(f *cli.Factory) *cobra.Command {
	var app cli.AppFlag
	var base, price, start string
	var manual []string
	var dryRun, yes bool
	cmd := &cobra.Command{
		Use:   "set",
		Short: "Set the app's price (a base price Apple equalizes, manual prices, a scheduled change)",
		Long: `Replace the app's price schedule: --price in --base-territory from now, equalized by
Apple to every other territory, with --territory CODE=PRICE for manual prices. With
--start-date the new price takes effect that day and today's schedule stays until then.
Every price is checked against Apple's price points first; nothing is written when one is
not a price point, or when the start date is one Apple refuses.`,
		Example: `  ascend pricing set --app com.example.app --base-territory USA --price 2.99
  ascend pricing set --app com.example.app --base-territory USA --price 3.99 --start-date 2026-09-01 --yes`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if price == "" || base == "" {
				return cli.UsageErrorf("pass --base-territory and --price")
			}
			territories := map[string]string{}
			for _, m := range manual {
				k, v, ok := strings.Cut(m, "=")
				if !ok {
					return cli.UsageErrorf("--territory %q: write CODE=PRICE, e.g. JPN=300", m)
				}
				territories[k] = v
			}
			ctx := cmd.Context()
			id, c, st, err := fetch(ctx, f, &app)
			if err != nil {
				return err
			}
			want := &products.Price{BaseTerritory: base, Price: price, Territories: territories}
			if start != "" {
				// A scheduled change keeps today's schedule until the start date.
				if st.Schedule == nil {
					return cli.UsageErrorf("the app has no price yet: set one without --start-date first")
				}
				want = clone(st.Schedule)
				var kept []*products.PriceChange
				for _, ch := range want.Changes {
					if ch.StartDate != start {
						kept = append(kept, ch)
					}
				}
				want.Changes = append(kept, &products.PriceChange{StartDate: start, Price: price, Territories: territories})
				sort.Slice(want.Changes, func(i, j int) bool { return want.Changes[i].StartDate < want.Changes[j].StartDate })
			}
			if len(want.Territories) == 0 {
				want.Territories = nil
			}
			p, err := pricing.PlanPrice(ctx, c, st, want)
			if err != nil {
				return err
			}
			if len(p.Problems) > 0 {
				return &products.ValidationError{Dir: "the price", Problems: p.Problems}
			}
			tab := f.NewTable("FIELD", "APP STORE CONNECT", "NEW")
			for _, ch := range p.Changes {
				tab.AddRow(ch.Field, orNone(ch.Old), orNone(ch.New))
			}
			if !f.JSONRequested() {
				if err := tab.Render(); err != nil {
					return err
				}
			}
			if len(p.Changes) == 0 {
				fmt.Fprintln(f.IO.ErrOut, "the app's price already matches; nothing to write")
				return nil
			}
			if dryRun {
				fmt.Fprintf(f.IO.ErrOut, "dry run: %s would be written in one request\n", cli.Plural(len(p.Changes), "change"))
				return nil
			}
			if err := f.ConfirmDestructive(yes, fmt.Sprintf("replace the price schedule of app %s", id)); err != nil {
				return err
			}
			if err := pricing.SetPrice(ctx, c, id, want, p); err != nil {
				return err
			}
			if f.JSONRequested() {
				return f.WriteJSON(struct {
					Changes int `json:"changes"`
					Writes  int `json:"writes"`
				}{len(p.Changes), 1})
			}
			fmt.Fprintf(f.IO.ErrOut, "price schedule replaced: %s\n", cli.Plural(len(p.Changes), "change"))
			return nil
		},
	}
	app.Add(cmd)
	fl := cmd.Flags()
	fl.StringVar(&base, "base-territory", "USA", "the `territory` whose price Apple equalizes")
	fl.StringVar(&price, "price", "", "the customer `price` in the base territory (\"2.99\")")
	fl.StringArrayVar(&manual, "territory", nil, "a manual price, `CODE=PRICE` (repeatable)")
	fl.StringVar(&start, "start-date", "", "schedule the change for this `day` (YYYY-MM-DD)")
	fl.BoolVar(&dryRun, "dry-run", false, "show what would change and write nothing")
	fl.BoolVarP(&yes, "yes", "y", false, "write without asking")
	return cmd
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func clone(p *products.Price) *products.Price {
	out := &products.Price{BaseTerritory: p.BaseTerritory, Price: p.Price, Territories: map[string]string{}}
	for k, v := range p.Territories {
		out.Territories[k] = v
	}
	for _, ch := range p.Changes {
		c := *ch
		out.Changes = append(out.Changes, &c)
	}
	return out
}

func newAvailabilityCmd(f *cli.Factory) *cobra.Command {
	var app cli.AppFlag
	var territories string
	var all, newTerritories, yes, dryRun bool
	cmd := &cobra.Command{
		Use:   "availability",
		Short: "Set the territories the app is sold in",
		Long: `Make the app available in exactly the territories given (--territories USA,GBR,...) or
in every territory (--all): one write per territory that changes.`,
		Example: `  ascend pricing availability --app com.example.app --territories USA,CAN,GBR --dry-run
  ascend pricing availability --app com.example.app --all --yes`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if all == (territories != "") {
				return cli.UsageErrorf("pass --territories or --all")
			}
			ctx := cmd.Context()
			id, c, st, err := fetch(ctx, f, &app)
			if err != nil {
				return err
			}
			known, err := products.NewAppResolver(c, id).Territories(ctx)
			if err != nil {
				return err
			}
			want := known
			if !all {
				want = strings.Split(strings.ToUpper(territories), ",")
			}
			changes, problems := pricing.PlanAvailability(st, want, known)
			if len(problems) > 0 {
				return &products.ValidationError{Dir: "--territories", Problems: problems}
			}
			var on, off []string
			for _, ch := range changes {
				if ch.Available {
					on = append(on, ch.Territory)
				} else {
					off = append(off, ch.Territory)
				}
			}
			if len(changes) == 0 {
				fmt.Fprintln(f.IO.ErrOut, "the app's availability already matches; nothing to write")
				return nil
			}
			fmt.Fprintf(f.IO.ErrOut, "on sale in %d more (%s), %d fewer (%s)\n", len(on), strings.Join(on, " "), len(off), strings.Join(off, " "))
			if dryRun {
				return nil
			}
			if err := f.ConfirmDestructive(yes, fmt.Sprintf("change the availability of app %s in %s", id, cli.Plural(len(changes), "territory"))); err != nil {
				return err
			}
			n, err := pricing.SetAvailability(ctx, c, st, newTerritories, want, changes)
			if err != nil {
				return fmt.Errorf("%s sent; run again to finish: %w", cli.Plural(n, "write"), err)
			}
			fmt.Fprintf(f.IO.ErrOut, "availability changed in %s (%s)\n", cli.Plural(len(changes), "territory"), cli.Plural(n, "write"))
			return nil
		},
	}
	app.Add(cmd)
	fl := cmd.Flags()
	fl.StringVar(&territories, "territories", "", "comma-separated territory `codes`")
	fl.BoolVar(&all, "all", false, "every territory App Store Connect has")
	fl.BoolVar(&newTerritories, "new-territories", true, "also sell in territories Apple adds later (when the app has no availability yet)")
	fl.BoolVar(&dryRun, "dry-run", false, "show what would change and write nothing")
	fl.BoolVarP(&yes, "yes", "y", false, "write without asking")
	return cmd
}
