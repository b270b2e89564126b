package testflight

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/mail"
	"slices"
	"sort"
	"strings"

	"github.com/ascend-tools/ascend/asc"
)

// Tester is a beta tester as pilot's CSV has it: names, email and the app's groups.
type Tester struct {
	FirstName string   `json:"firstName"`
	LastName  string   `json:"lastName"`
	Email     string   `json:"email"`
	Groups    []string `json:"groups"`
	ID        string   `json:"id,omitempty"`
	State     string   `json:"state,omitempty"` // INVITED, ACCEPTED, INSTALLED, REVOKED
}

func key(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Testers lists the app's testers with their groups of this app; group, when set, keeps only
// that group's. One request per 200 testers, plus one for the groups.
func Testers(ctx context.Context, c *asc.Client, app, group string) ([]Tester, error) {
	appID, err := resolveApp(ctx, c, app)
	if err != nil {
		return nil, err
	}
	all, err := groups(ctx, c, appID)
	if err != nil {
		return nil, err
	}
	var groupID string
	if group != "" {
		g, err := findGroups(all, []string{group})
		if err != nil {
			return nil, err
		}
		groupID = g[0].ID
	}
	return testers(ctx, c, appID, all, groupID)
}

func testers(ctx context.Context, c *asc.Client, appID string, all []Group, groupID string) ([]Tester, error) {
	names := map[string]string{}
	for _, g := range all {
		names[g.ID] = g.Name()
	}
	opts := &asc.BetaTestersListOptions{FilterApps: []string{appID}, Include: []string{"betaGroups"}, LimitBetaGroups: 50,
		FieldsBetaTesters: []string{"firstName", "lastName", "email", "inviteType", "state", "betaGroups"}, FieldsBetaGroups: []string{"name"},
		Sort: []string{"email"}, Limit: 200}
	if groupID != "" {
		opts.FilterBetaGroups = []string{groupID}
	}
	var out []Tester
	doc, _, err := c.BetaTesters.List(ctx, opts)
	for {
		if err != nil {
			return nil, fmt.Errorf("list beta testers of app %s: %w", appID, err)
		}
		for _, t := range doc.Data {
			out = append(out, testerOf(t, names))
		}
		if doc.Links.Next == "" {
			return out, nil
		}
		next := new(asc.BetaTestersResponse)
		_, err = c.Do(ctx, "GET", doc.Links.Next, nil, nil, next)
		doc = next
	}
}

func testerOf(t asc.BetaTester, groupNames map[string]string) Tester {
	out := Tester{ID: t.ID, Groups: []string{}}
	if a := t.Attributes; a != nil {
		out.FirstName, out.LastName, out.Email, out.State = a.FirstName, a.LastName, a.Email, string(a.State)
	}
	if r := t.Relationships; r != nil && r.BetaGroups != nil {
		for _, id := range r.BetaGroups.Data.IDs() {
			if n, ok := groupNames[id.ID]; ok {
				out.Groups = append(out.Groups, n)
			}
		}
	}
	sort.Strings(out.Groups)
	return out
}

// AddResult counts what AddTesters did.
type AddResult struct {
	Created   int `json:"created"`   // new testers
	Added     int `json:"added"`     // group memberships added to testers already there
	Unchanged int `json:"unchanged"` // testers already in every group asked
	// IDs are the testers' ids, by email as given.
	IDs map[string]string `json:"ids"`
}

// AddTesters puts testers in their groups: a new tester is created in its groups (one
// request), one already there gets the groups it lacks (one request per group for all of
// them). Every email and group is checked before anything is written; a tester already in
// every group changes nothing, so importing the same file twice is a no-op.
func AddTesters(ctx context.Context, c *asc.Client, app string, want []Tester) (*AddResult, error) {
	if err := checkTesters(want, "the testers", func(i int) string { return fmt.Sprintf("tester %d", i+1) }); err != nil {
		return nil, err
	}
	appID, err := resolveApp(ctx, c, app)
	if err != nil {
		return nil, err
	}
	all, err := groups(ctx, c, appID)
	if err != nil {
		return nil, err
	}
	byName := map[string]Group{}
	for _, t := range want {
		gs, err := findGroups(all, t.Groups)
		if err != nil {
			return nil, fmt.Errorf("tester %s: %w", t.Email, err)
		}
		for _, g := range gs {
			if g.Internal() {
				return nil, fmt.Errorf("tester %s: %q is an internal group, which takes App Store Connect users only; add them in Users and Access", t.Email, g.Name())
			}
			byName[strings.ToLower(g.Name())] = g
		}
	}
	have, err := testers(ctx, c, appID, all, "")
	if err != nil {
		return nil, err
	}
	existing := map[string]Tester{}
	for _, t := range have {
		existing[key(t.Email)] = t
	}
	res := &AddResult{IDs: map[string]string{}}
	joins := map[string][]string{} // group id -> tester ids to add
	for _, t := range want {
		cur, ok := existing[key(t.Email)]
		if !ok {
			id, created, err := createTester(ctx, c, t, byName)
			if err != nil {
				return res, err
			}
			res.IDs[t.Email] = id
			if created {
				res.Created++
				continue
			}
			// It exists in the team but not among this app's testers: add it to the groups
			// it is not in yet.
			cur = Tester{ID: id}
			names := map[string]string{}
			for _, g := range all {
				names[g.ID] = g.Name()
			}
			for gid, err := range c.BetaTesters.ListBetaGroupIDsIter(ctx, id, &asc.BetaTestersListBetaGroupIDsOptions{Limit: 200}) {
				if err != nil {
					return res, fmt.Errorf("read the groups of tester %s: %w", t.Email, err)
				}
				if n, ok := names[gid.ID]; ok {
					cur.Groups = append(cur.Groups, n)
				}
			}
		}
		res.IDs[t.Email] = cur.ID
		missing := 0
		for _, gname := range t.Groups {
			if !slices.ContainsFunc(cur.Groups, func(s string) bool { return strings.EqualFold(s, gname) }) {
				g := byName[strings.ToLower(gname)]
				if !slices.Contains(joins[g.ID], cur.ID) {
					joins[g.ID] = append(joins[g.ID], cur.ID)
					missing++
				}
			}
		}
		if missing == 0 {
			res.Unchanged++
		}
		res.Added += missing
	}
	ids := make([]string, 0, len(joins))
	for id := range joins {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, gid := range ids {
		if _, err := c.BetaGroups.AddBetaTesters(ctx, gid, &asc.BetaGroupBetaTestersLinkagesRequest{Data: identifiers("betaTesters", joins[gid])}); err != nil {
			return res, fmt.Errorf("add %d testers to a beta group: %w (run it again to finish)", len(joins[gid]), err)
		}
	}
	return res, nil
}

func identifiers(typ string, ids []string) []asc.ResourceIdentifier {
	out := make([]asc.ResourceIdentifier, 0, len(ids))
	for _, id := range ids {
		out = append(out, asc.ResourceIdentifier{Type: typ, ID: id})
	}
	return out
}

// checkTesters checks every tester of what before anything is written; name says which one
// list[i] is in a problem ("tester 3", or a CSV's "line 4").
func checkTesters(list []Tester, what string, name func(i int) string) error {
	var problems []string
	seen := map[string]bool{}
	for i, t := range list {
		if _, err := mail.ParseAddress(t.Email); err != nil || !strings.Contains(t.Email, "@") || strings.ContainsAny(t.Email, " <>") {
			problems = append(problems, fmt.Sprintf("%s: %q is not an email address", name(i), t.Email))
			continue
		}
		if seen[key(t.Email)] {
			problems = append(problems, fmt.Sprintf("%s: %q is listed twice", name(i), t.Email))
		}
		seen[key(t.Email)] = true
		if len(t.Groups) == 0 {
			problems = append(problems, fmt.Sprintf("%s: %q has no group; TestFlight adds testers to groups", name(i), t.Email))
		}
	}
	if len(problems) > 0 {
		return &ProblemsError{What: what, Problems: problems}
	}
	return nil
}

// createTester creates a tester in its groups. A tester that exists in the team already
// (409) is found by email instead; created says which happened.
func createTester(ctx context.Context, c *asc.Client, t Tester, byName map[string]Group) (id string, created bool, err error) {
	var gids []string
	for _, n := range t.Groups {
		gids = append(gids, byName[strings.ToLower(n)].ID)
	}
	attrs := asc.BetaTesterCreateRequestAttributes{Email: strings.TrimSpace(t.Email)}
	if t.FirstName != "" {
		attrs.FirstName = asc.Ptr(t.FirstName)
	}
	if t.LastName != "" {
		attrs.LastName = asc.Ptr(t.LastName)
	}
	body := &asc.BetaTesterCreateRequest{Data: asc.BetaTesterCreateRequestData{Type: "betaTesters", Attributes: attrs,
		Relationships: &asc.BetaTesterCreateRequestRelationships{BetaGroups: &asc.Relationship{Data: asc.ToMany(identifiers("betaGroups", gids)...)}}}}
	doc, _, err := c.BetaTesters.Create(ctx, body)
	if err == nil {
		return doc.Data.ID, true, nil
	}
	if !isConflict(err) && !mayHaveTakenEffect(err) {
		return "", false, fmt.Errorf("add tester %s: %w", t.Email, err)
	}
	found, _, ferr := c.BetaTesters.List(ctx, &asc.BetaTestersListOptions{FilterEmail: []string{attrs.Email}, FieldsBetaTesters: []string{"email"}, Limit: 1})
	if ferr != nil || len(found.Data) == 0 {
		return "", false, fmt.Errorf("add tester %s: %w", t.Email, err)
	}
	return found.Data[0].ID, false, nil
}

// RemoveResult says what RemoveTesters did.
type RemoveResult struct {
	Removed  int      `json:"removed"`
	NotFound []string `json:"notFound"`
}

// RemoveTesters takes testers out of one group, or, with group "", out of the app (one
// request for all of them). Emails that are not the app's testers are reported, not errors.
func RemoveTesters(ctx context.Context, c *asc.Client, app string, emails []string, group string) (*RemoveResult, error) {
	appID, err := resolveApp(ctx, c, app)
	if err != nil {
		return nil, err
	}
	all, err := groups(ctx, c, appID)
	if err != nil {
		return nil, err
	}
	var g *Group
	if group != "" {
		gs, err := findGroups(all, []string{group})
		if err != nil {
			return nil, err
		}
		g = &gs[0]
	}
	have, err := testers(ctx, c, appID, all, "")
	if err != nil {
		return nil, err
	}
	byEmail := map[string]Tester{}
	for _, t := range have {
		byEmail[key(t.Email)] = t
	}
	res := &RemoveResult{NotFound: []string{}}
	var ids []string
	for _, e := range emails {
		t, ok := byEmail[key(e)]
		if !ok || (g != nil && !slices.Contains(t.Groups, g.Name())) {
			res.NotFound = append(res.NotFound, e)
			continue
		}
		ids = append(ids, t.ID)
	}
	if len(ids) == 0 {
		return res, nil
	}
	if g != nil {
		_, err = c.BetaGroups.RemoveBetaTesters(ctx, g.ID, &asc.BetaGroupBetaTestersLinkagesRequest{Data: identifiers("betaTesters", ids)})
	} else {
		_, err = c.Apps.RemoveBetaTesters(ctx, appID, &asc.AppBetaTestersLinkagesRequest{Data: identifiers("betaTesters", ids)})
	}
	if err != nil {
		return res, fmt.Errorf("remove %d testers: %w", len(ids), err)
	}
	res.Removed = len(ids)
	return res, nil
}

// Invite sends TestFlight invitations again to the app's testers with these emails (one
// request each); emails that are not the app's testers are returned as not found.
func Invite(ctx context.Context, c *asc.Client, app string, emails []string) (invited int, notFound []string, err error) {
	appID, err := resolveApp(ctx, c, app)
	if err != nil {
		return 0, nil, err
	}
	all, err := groups(ctx, c, appID)
	if err != nil {
		return 0, nil, err
	}
	have, err := testers(ctx, c, appID, all, "")
	if err != nil {
		return 0, nil, err
	}
	byEmail := map[string]Tester{}
	for _, t := range have {
		byEmail[key(t.Email)] = t
	}
	notFound = []string{}
	for _, e := range emails {
		t, ok := byEmail[key(e)]
		if !ok {
			notFound = append(notFound, e)
			continue
		}
		body := &asc.BetaTesterInvitationCreateRequest{Data: asc.BetaTesterInvitationCreateRequestData{Type: "betaTesterInvitations",
			Relationships: asc.BetaTesterInvitationCreateRequestRelationships{App: asc.Relationship{Data: asc.ToOne("apps", appID)},
				BetaTester: &asc.Relationship{Data: asc.ToOne("betaTesters", t.ID)}}}}
		if _, _, err := c.BetaTesterInvitations.Create(ctx, body); err != nil {
			return invited, notFound, fmt.Errorf("invite %s: %w", e, err)
		}
		invited++
	}
	return invited, notFound, nil
}

// CSV header of pilot's tester files.
var csvHeader = []string{"First", "Last", "Email", "Groups"}

// ReadCSV reads testers in pilot's layout: first name, last name, email, groups (several
// separated by ";"), with or without a header row. Every bad row is reported at once.
func ReadCSV(r io.Reader) ([]Tester, error) {
	list, _, err := readCSV(r)
	return list, err
}

// readCSV is ReadCSV with the line each tester starts on, for problems that name it.
func readCSV(r io.Reader) ([]Tester, []int, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var out []Tester
	var lines []int
	var problems []string
	for i := 0; ; i++ {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read the testers file: %w", err)
		}
		// The record's line, not its index: blank lines are skipped and a quoted field
		// may span lines.
		line, _ := cr.FieldPos(0)
		if i == 0 && len(row) >= 3 && !strings.Contains(row[2], "@") && strings.EqualFold(strings.TrimSpace(row[2]), "email") {
			continue // header
		}
		if len(row) == 1 && strings.TrimSpace(row[0]) == "" {
			continue
		}
		if len(row) < 3 {
			problems = append(problems, fmt.Sprintf("line %d: want first name, last name, email[, groups], got %d fields", line, len(row)))
			continue
		}
		t := Tester{FirstName: strings.TrimSpace(row[0]), LastName: strings.TrimSpace(row[1]), Email: strings.TrimSpace(row[2]), Groups: []string{}}
		if len(row) > 3 {
			for _, g := range strings.Split(row[3], ";") {
				if g = strings.TrimSpace(g); g != "" {
					t.Groups = append(t.Groups, g)
				}
			}
		}
		out, lines = append(out, t), append(lines, line)
	}
	if len(problems) > 0 {
		return nil, nil, &ProblemsError{What: "the CSV", Problems: problems}
	}
	return out, lines, nil
}

// WriteCSV writes testers in pilot's layout, with its header row.
func WriteCSV(w io.Writer, list []Tester) error {
	cw := csv.NewWriter(w)
	cw.Write(csvHeader)
	for _, t := range list {
		cw.Write([]string{t.FirstName, t.LastName, t.Email, strings.Join(t.Groups, ";")})
	}
	cw.Flush()
	return cw.Error()
}

// Import adds the testers of a pilot CSV file to their groups (see AddTesters); groups
// names the groups for rows that have none.
func Import(ctx context.Context, c *asc.Client, app string, r io.Reader, groups []string) (*AddResult, error) {
	list, lines, err := readCSV(r)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if len(list[i].Groups) == 0 {
			list[i].Groups = groups
		}
	}
	// Checked here first so that each problem names the file's line, not the tester's index.
	if err := checkTesters(list, "the CSV", func(i int) string { return fmt.Sprintf("line %d", lines[i]) }); err != nil {
		return nil, err
	}
	return AddTesters(ctx, c, app, list)
}

// Export writes the app's testers (of one group, or all) as a pilot CSV file.
func Export(ctx context.Context, c *asc.Client, app, group string, w io.Writer) (int, error) {
	list, err := Testers(ctx, c, app, group)
	if err != nil {
		return 0, err
	}
	return len(list), WriteCSV(w, list)
}
