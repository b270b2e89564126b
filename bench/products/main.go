// Command products measures `ascend products push` against the sandbox with injected latency
// and the sandbox's default rate limits, and prints a table: wall time, API requests (from the
// sandbox's stats), 429s, the lower bound of requests and the ideal wall. The catalog: 30
// in-app purchases (10 of each type) and 20 subscriptions in 3 groups, each in 10 locales,
// sold in all 175 territories at a base price equalized by Apple. Scenarios: push to an app
// with no products, then with one price changed, then unchanged; then convergence: a push
// under random 500s and dropped connections, and a push killed with SIGKILL part way, each
// followed by pushes until nothing is left to do, checking that nothing was created twice.
//
//	go run ./bench/products [-latency 50ms] [-concurrency 8]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/asc/auth"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/products"
)

const (
	app          = "com.example.ledger" // a demo app with no products
	iaps, subs   = 30, 20
	groups       = 3
	nLocales     = 10
	territories  = 175
	burst, rate  = 100, 25.0 // the sandbox's default burst allowance and sustained rate
	basePriceUSD = "2.99"
	// offerPriceUSD is the promotional offers' price, a tier of its own.
	offerPriceUSD = "9.99"
)

func main() {
	latency := flag.Duration("latency", 50*time.Millisecond, "latency the sandbox adds to every API answer")
	concurrency := flag.Int("concurrency", 8, "most writes in flight")
	flag.BoolVar(&withOffers, "offers", true, "give every subscription an introductory offer, a promotional offer and an offer code with codes")
	child := flag.String("child", "", "internal: push this catalog file and exit (the kill -9 scenario)")
	base := flag.String("base-url", "", "internal: the sandbox of -child")
	keyFile := flag.String("key", "", "internal: the api-key JSON of -child")
	flag.Parse()
	var err error
	if *child != "" {
		err = runChild(*base, *keyFile, *child, *concurrency)
	} else {
		err = run(*latency, *concurrency)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// catalog builds the benchmark's catalog.
func catalog(prefix string) *products.Catalog {
	locales := apple.Locales()[:nLocales]
	locs := func(name string) map[string]products.Localization {
		m := map[string]products.Localization{}
		for _, l := range locales {
			m[l] = products.Localization{Name: name, Description: name + " (" + l + ")"}
		}
		return m
	}
	all := &products.Availability{AvailableInNewTerritories: true, AllTerritories: true}
	c := &products.Catalog{}
	types := []string{"CONSUMABLE", "NON_CONSUMABLE", "NON_RENEWING_SUBSCRIPTION"}
	for i := range iaps {
		c.InAppPurchases = append(c.InAppPurchases, &products.InAppPurchase{
			ProductID: fmt.Sprintf("%s.item%02d", prefix, i), ReferenceName: fmt.Sprintf("Item %02d", i), Type: types[i%3],
			Localizations: locs(fmt.Sprintf("Item %02d", i)), Availability: all,
			Price: &products.Price{BaseTerritory: "USA", Price: basePriceUSD}})
	}
	periods := []string{"ONE_MONTH", "ONE_YEAR", "ONE_WEEK", "THREE_MONTHS", "SIX_MONTHS", "TWO_MONTHS", "ONE_MONTH"}
	n := 0
	for g := range groups {
		grp := &products.SubscriptionGroup{ReferenceName: fmt.Sprintf("Ledger Tier %d", g+1), Localizations: map[string]products.GroupLocalization{}}
		for _, l := range locales {
			grp.Localizations[l] = products.GroupLocalization{Name: fmt.Sprintf("Tier %d", g+1)}
		}
		for level := 1; n < subs && level <= (subs+groups-1)/groups; level++ {
			grp.Subscriptions = append(grp.Subscriptions, &products.Subscription{
				ProductID: fmt.Sprintf("%s.plan%02d", prefix, n), ReferenceName: fmt.Sprintf("Plan %02d", n), Period: periods[level-1], GroupLevel: level,
				Localizations: locs(fmt.Sprintf("Plan %02d", n)), Availability: all,
				Price: &products.Price{BaseTerritory: "USA", Price: "4.99"}})
			if withOffers {
				addOffers(grp.Subscriptions[len(grp.Subscriptions)-1], n)
			}
			n++
		}
		c.SubscriptionGroups = append(c.SubscriptionGroups, grp)
	}
	return c
}

// withOffers gives every subscription a week's free trial for new subscribers and, in all
// 175 territories, a promotional offer paid up front and an offer code (a month free) with a
// custom code and a batch of one-time use codes.
var withOffers = true

func addOffers(s *products.Subscription, n int) {
	exp := time.Now().UTC().AddDate(0, 3, 0).Format(time.DateOnly)
	s.IntroductoryOffers = []*products.IntroductoryOffer{{Mode: "FREE_TRIAL", Duration: "ONE_WEEK"}}
	s.PromotionalOffers = []*products.PromotionalOffer{{OfferCode: "COMEBACK", ReferenceName: "Come back", Mode: "PAY_UP_FRONT", Duration: "THREE_MONTHS",
		Price: &products.OfferPrice{BaseTerritory: "USA", Price: offerPriceUSD}}}
	s.OfferCodes = []*products.OfferCode{{ReferenceName: "Launch", CustomerEligibilities: []string{"NEW", "EXPIRED"}, OfferEligibility: "STACK_WITH_INTRO_OFFERS",
		Mode: "FREE_TRIAL", Duration: "ONE_MONTH", CustomCodes: []*products.CustomCode{{Code: fmt.Sprintf("LAUNCH%02d", n), NumberOfCodes: 1000}},
		OneTimeUseCodes: []*products.OneTimeUseCodes{{NumberOfCodes: 500, ExpirationDate: exp}}}}
}

// offerWrites and offerReads are what the offers add to the bounds: per new subscription
// one PATCH carrying its 175 introductory offers, a promotional offer (its 175 prices
// inline), an offer code, its custom code and its batch; per existing one the introductory
// offers (one page), the promotional offers and their prices, the offer codes (their codes
// included) and their prices; and one equalization of the offer's price tier.
func offerWrites() int {
	if !withOffers {
		return 0
	}
	return 5 * subs
}

func offerReads(existing bool) int {
	switch {
	case !withOffers:
		return 0
	case existing:
		return 5*subs + 1
	}
	return 1
}

type row struct {
	name          string
	wall, ideal   time.Duration
	api, tooMany  int
	bound, writes int
	note          string
}

func run(latency time.Duration, concurrency int) error {
	ctx := context.Background()
	// The hourly budget is off: the scenarios together send more than Apple's 3,600 requests
	// an hour per key, and the bench measures pushes, not the wait for the next hour.
	sb, err := sandbox.New(sandbox.Options{Latency: latency, HourlyLimit: -1})
	if err != nil {
		return err
	}
	defer sb.Close()
	c, err := asc.NewClient(asc.WithBaseURL(sb.URL()), asc.WithKey(sb.Key()), asc.WithRateBudget(asc.NewRateBudget()))
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "ascend-bench-products-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	file := filepath.Join(work, "products.json")
	cat := catalog(app)
	if _, err := products.Write(file, cat); err != nil {
		return err
	}
	appID, _, err := products.ResolveApp(ctx, c, app)
	if err != nil {
		return err
	}
	var rows []row
	push := func(name string, bound int, ideal func(requests int) time.Duration) (*products.Plan, error) {
		refill()
		before := sb.Stats()
		t0 := time.Now()
		p, _, err := products.Push(ctx, c, appID, file, products.ApplyOptions{Concurrency: concurrency})
		wall := time.Since(t0)
		if err != nil {
			return p, fmt.Errorf("%s: %w", name, err)
		}
		d := delta(before, sb.Stats())
		rows = append(rows, row{name: name, wall: wall, api: d.api, tooMany: d.tooMany, writes: d.writes, bound: bound, ideal: ideal(bound),
			note: fmt.Sprintf("%d writes", d.writes)})
		return p, nil
	}
	// The bound of a push to an app with nothing: the state (two lists), App Store
	// Connect's territories, each price's check before any write (one ladder of the app's
	// price points in USA), then per kind the first product's own USA ladder and one
	// equalization of the subscriptions' base price; and one write per resource to create.
	writes := groups*(1+nLocales) + iaps*(1+nLocales+1+1) + subs*(1+nLocales+1+1) + offerWrites()
	emptyReads := 2 + 1 + 1 + 2 + 1 + offerReads(false)
	depth := 5
	if withOffers {
		depth = 6 // group, subscription, its prices, its offer code, the code's custom code and batch
	}
	if _, err := push("push to an empty app", emptyReads+writes, func(n int) time.Duration { return rateIdeal(n, latency, concurrency, depth) }); err != nil {
		return err
	}
	// The bound of a push to a full app: the state (two lists; per in-app purchase
	// its territories, schedule and manual prices; per group its subscriptions; per
	// subscription its territories and its prices, 175 in one page of 200), the territories,
	// the two USA ladders and the equalization; plus the writes.
	fullReads := 2 + 3*iaps + groups + 2*subs + 1 + 2 + 1 + offerReads(true)
	cat.InAppPurchases[7].Price.Price = "3.99"
	products.Write(file, cat)
	if _, err := push("one price changed", fullReads+1, func(n int) time.Duration { return rateIdeal(n, latency, concurrency, 4) }); err != nil {
		return err
	}
	if withOffers {
		// A new price of one promotional offer: one PATCH with its 175 prices, and the new
		// tier's equalization.
		cat.SubscriptionGroups[1].Subscriptions[2].PromotionalOffers[0].Price.Price = "14.99"
		products.Write(file, cat)
		if _, err := push("one offer's price changed", fullReads+1+1, func(n int) time.Duration { return rateIdeal(n, latency, concurrency, 4) }); err != nil {
			return err
		}
		fullReads++ // the offers now have two price tiers, each one equalization
	}
	p, err := push("unchanged", fullReads, func(n int) time.Duration { return rateIdeal(n, latency, concurrency, 3) })
	if err != nil {
		return err
	}
	if len(p.Ops) != 0 {
		return fmt.Errorf("unchanged push planned %d ops", len(p.Ops))
	}

	// Convergence under faults: random 500s and dropped connections, pushes until done.
	faultApp := "com.example.trailhead"
	faultID, _, _ := products.ResolveApp(ctx, c, faultApp)
	conv := func(name, appID string, first func(file string) error) error {
		file := filepath.Join(work, appID+".json")
		if _, err := products.Write(file, catalog(appID)); err != nil {
			return err
		}
		refill()
		before := sb.Stats()
		t0 := time.Now()
		err := first(file)
		runs := 1
		for ; runs < 6; runs++ {
			p, _, perr := products.Push(ctx, c, appID, file, products.ApplyOptions{Concurrency: concurrency})
			if perr == nil && len(p.Ops) == 0 {
				break
			}
			err = perr
		}
		if runs == 6 {
			return fmt.Errorf("%s: did not converge: %v", name, err)
		}
		d := delta(before, sb.Stats())
		dups, err := duplicates(ctx, c, appID, work)
		if err != nil {
			return err
		}
		rows = append(rows, row{name: name, wall: time.Since(t0), api: d.api, tooMany: d.tooMany, writes: d.writes, bound: emptyReads + writes,
			ideal: rateIdeal(emptyReads+writes, latency, concurrency, depth), note: fmt.Sprintf("converged after %d pushes, %d duplicates, %d 5xx", runs, dups, d.serverErrors)})
		if dups != 0 {
			return fmt.Errorf("%s: %d resources created twice", name, dups)
		}
		return nil
	}
	if err := conv("faults: 500s, drops, answers lost after writes", faultID, func(file string) error {
		// Random 500s and drops before the request is handled, and every 9th write answered
		// 500 or (every 13th) dropped after it took effect: those must be read back, not sent again.
		sb.SetFaults(sandbox.Faults{Rate500: 0.03, DropRate: 0.01, Rules: []sandbox.FaultRule{
			{Method: "POST|PATCH", After: true, Status: 500, Every: 9},
			{Method: "POST|PATCH", After: true, Drop: true, Every: 13}}})
		defer sb.SetFaults(sandbox.Faults{})
		_, _, err := products.Push(ctx, c, faultID, file, products.ApplyOptions{Concurrency: concurrency})
		return err
	}); err != nil {
		return err
	}
	killApp := "com.example.quiethours"
	killID, _, _ := products.ResolveApp(ctx, c, killApp)
	if err := conv("kill -9 part way", killID, func(file string) error { return killedPush(sb, work, file, killID, concurrency) }); err != nil {
		return err
	}

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	offers := "no offers"
	if withOffers {
		offers = "each subscription with an introductory offer, a promotional offer and an offer code (a custom code, a batch of one-time use codes)"
	}
	fmt.Fprintf(tw, "catalog: %d in-app purchases, %d subscriptions in %d groups, %d locales, %d territories, %s; latency %v, concurrency %d, load %s\n",
		iaps, subs, groups, nLocales, territories, offers, latency, concurrency, loadAverage())
	fmt.Fprintln(tw, "scenario\twall\tAPI requests\t429s\tlower bound\trequests/bound\tideal wall\twall/ideal\tnote")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%.2fs\t%d\t%d\t%d\t%.2fx\t%.2fs\t%.2fx\t%s\n", r.name, r.wall.Seconds(), r.api, r.tooMany, r.bound,
			float64(r.api)/float64(r.bound), r.ideal.Seconds(), r.wall.Seconds()/r.ideal.Seconds(), r.note)
	}
	tw.Flush()
	fmt.Println(`
API requests count every request the sandbox answered, 429s and failed ones included.
lower bound: the reads Apple's API needs (no include reaches a product's territories or prices,
  so those are one list each) plus one write per resource that changes: a product, each
  localization, its availability, its whole price schedule (IAP) or all its prices (one PATCH
  carrying 175 prices inline, subscription); with offers, per subscription one PATCH of its 175
  introductory offers, one POST per promotional offer, offer code, custom code and batch, and
  on an app that has them one list of each kind and one of each offer's prices.
ideal wall: the longer of the dependent round trips (create -> localizations) and the bound's
  requests at the sandbox's limits: a burst of 100, then 25 a second, at most -concurrency in
  flight at -latency each. Convergence rows: bound and ideal of a push to an empty app.`)
	return nil
}

// rateIdeal is the shortest wall n requests can take: depth dependent round trips, the
// concurrency bound at the latency, or the burst then the sustained rate, whichever is longest.
func rateIdeal(n int, latency time.Duration, concurrency, depth int) time.Duration {
	byDepth := time.Duration(depth) * latency
	byConcurrency := time.Duration((n+concurrency-1)/concurrency) * latency
	byRate := time.Duration(float64(max(n-burst, 0)) / rate * float64(time.Second))
	return max(byDepth, byConcurrency, byRate)
}

// killedPush pushes from a child process and kills it with SIGKILL once it has written a
// good part of the catalog.
func killedPush(sb *sandbox.Server, work, file, appID string, concurrency int) error {
	if err := sb.WriteCredentials(work); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(self, "-child", file, "-base-url", sb.URL(), "-key", filepath.Join(work, "credentials.json"), "-concurrency", strconv.Itoa(concurrency))
	cmd.Env = append(os.Environ(), "BENCH_APP="+appID)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	before := sb.Stats()
	if err := cmd.Start(); err != nil {
		return err
	}
	// Kill once about a third of the writes have been answered.
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if d := delta(before, sb.Stats()); d.writes >= 200 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	err = cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return nil // killed, as meant
	}
	return fmt.Errorf("the child push was not killed part way: %v", err)
}

func runChild(base, keyFile, file string, concurrency int) error {
	key, _, err := auth.LoadAPIKeyJSON(keyFile)
	if err != nil {
		return err
	}
	c, err := asc.NewClient(asc.WithBaseURL(base), asc.WithKey(key), asc.WithRateBudget(asc.NewRateBudget()))
	if err != nil {
		return err
	}
	_, _, err = products.Push(context.Background(), c, os.Getenv("BENCH_APP"), file, products.ApplyOptions{Concurrency: concurrency})
	return err
}

// duplicates counts resources App Store Connect has twice: products of one product id,
// localizations of one locale, subscription prices of one territory and start date, and
// (the catalog has one of each per subscription) offers, offer codes and batches of codes.
func duplicates(ctx context.Context, c *asc.Client, appID, work string) (int, error) {
	res, err := products.Pull(ctx, c, appID, filepath.Join(work, appID+".pulled.json"))
	if err != nil {
		return 0, err
	}
	n := res.State.Duplicates()
	if !withOffers {
		return n, nil
	}
	for _, gs := range res.Catalog.Subscriptions() {
		s := gs.Subscription
		n += max(len(s.PromotionalOffers)-1, 0) + max(len(s.OfferCodes)-1, 0)
		for _, oc := range s.OfferCodes {
			n += max(len(oc.CustomCodes)-1, 0) + max(len(oc.OneTimeUseCodes)-1, 0)
		}
	}
	return n, nil
}

type counts struct{ api, tooMany, writes, serverErrors int }

func delta(a, b sandbox.Stats) counts {
	sum := func(m map[string]int) int {
		n := 0
		for _, v := range m {
			n += v
		}
		return n
	}
	var d counts
	d.api = sum(b.ByStatus) - sum(a.ByStatus)
	d.tooMany = b.ByStatus["429"] - a.ByStatus["429"]
	for _, m := range []string{"POST", "PATCH", "DELETE"} {
		d.writes += b.ByMethod[m] - a.ByMethod[m]
	}
	for k, v := range b.ByStatus {
		if strings.HasPrefix(k, "5") {
			d.serverErrors += v - a.ByStatus[k]
		}
	}
	return d
}

func refill() {
	// Let the sandbox's burst allowance (100 requests at 25/s) fill up between scenarios.
	time.Sleep(4500 * time.Millisecond)
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
