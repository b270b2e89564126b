// Package sandbox is a faithful, stateful App Store Connect emulator that runs on loopback.
//
// Every test, benchmark and first run of ascend talks to it, because no machine of ours may
// reach Apple. The aim is that code which works against the sandbox works against Apple:
//
//   - Tokens are checked as Apple checks them, by verification code of its own (not the
//     signing side's): ES256 over r||s by a trusted key, a known kid, aud
//     "appstoreconnect-v1" (string or one-element array), exp in the future and at most 20
//     minutes after iat (from now when iat is absent), iss for team keys or sub "user" for
//     individual keys, and scope when present. Any failure is 401 NOT_AUTHORIZED.
//   - Every operation of Apple's spec (internal/spec) is routed: unknown paths are 404,
//     known paths with another method 405. A generic store keeps resources by type and id;
//     the path template decides the shape: /v1/{type} (list, create), /v1/{type}/{id} (read,
//     update, delete), /v1/{type}/{id}/{rel} (related), /v1/{type}/{id}/relationships/{rel}
//     (linkage: GET, PATCH replace, POST add, DELETE remove). Inverse relationships are
//     inferred from the resource model, so both sides of a link agree.
//   - Queries are checked with spec.ValidateQuery (400 PARAMETER_ERROR.* with
//     source.parameter) and answered: filter[...] on attributes, relationships, ids and
//     dotted paths, sort with "-", limit, opaque cursors in links.next, meta.paging, include
//     with limit[rel], fields[type].
//   - Writes are checked against the request schema (409 ENTITY_ERROR.* with source.pointer,
//     an unknown related id too, as ENTITY_ERROR.RELATIONSHIP.INVALID; 422 for unreadable
//     documents), against uniqueness (a second localization of a locale), against state
//     (STATE_ERROR.ENTITY_STATE_INVALID when a version in review is edited), and against the
//     key's role (403 for a read-only key).
//     Resources a create or update request carries in "included" are created with it (their
//     ids must be local ids, "${...}"; an included id that exists is a reference).
//   - Price points are Apple's shape in all 175 territories (computed per product, tier and
//     territory, with equalizations); price schedules and subscription prices follow Apple's
//     start-date rules with its codes and pointers; an unknown price point is 409
//     ENTITY_ERROR.NOT_FOUND (family_pricepoints.go).
//   - Subscription offers follow Apple's rules (family_offers.go): promotional offers and
//     offer codes fixed once created but for their prices or "active", one price per
//     territory with the subscription's price point there (none for a free trial), at most
//     ten promotional offers; one-time use and custom codes within an app's million a
//     quarter, expiring within six months, custom codes unique in the app, a deactivated
//     code never active again; win-back offers with ordered eligibility and start dates
//     that are not past and do not move once started.
//   - Assets (screenshots, previews, images, review attachments, build upload files) answer
//     their create with uploadOperations whose URLs are /sandbox/upload/{token}/{part} (no
//     token, like Apple's presigned URLs); lengths are checked, the MD5 (or
//     sourceFileChecksums) on commit, images decoded and screenshots held to their display
//     type's sizes; assetDeliveryState goes UPLOAD_COMPLETE, then COMPLETE or FAILED.
//   - State machines run on the sandbox clock (Options.Now, Server.Advance): review
//     submissions (WAITING_FOR_REVIEW, IN_REVIEW, COMPLETE or UNRESOLVED_ISSUES, canceling)
//     with their versions' and app infos' states, release and phased release; a version
//     must be reviewable (a VALID build, review details, description, keywords, support URL;
//     else 409 with meta.associatedErrors). Also build uploads and build processing
//     (PROCESSING, VALID), beta app review, and in-app purchase and subscription review. A
//     new version carries over the previous one's metadata and screenshots.
//   - Webhooks registered with POST /v1/webhooks receive the matching events, signed with
//     X-Apple-SIGNATURE: hmacsha256=<hex HMAC-SHA256 of the body> (see Sign), recorded as
//     webhookDeliveries; pings and redeliveries work. Delivery is to loopback only unless
//     Options.AllowExternalWebhooks.
//   - Every answer carries X-Rate-Limit: user-hour-lim:N;user-hour-rem:M; per key, with a
//     burst limit on top; past either, 429 RATE_LIMIT_EXCEEDED with Retry-After.
//
// # Behaviour: families
//
// The engine above is generic; what App Store Connect does beyond its schemas lives in
// families, one file each (family_versions.go, family_builds.go, family_assets.go,
// family_screenshots.go, family_inapppurchases.go, family_reviewsubmissions.go,
// family_xcodecloud.go, ...). To add
// the behaviour of a resource family, write one file, family_<name>.go, holding:
//
//	func init() {
//		register(&family{
//			name: "gamecenter",
//			hooks: []hooks{{types: []string{"gameCenterLeaderboards"}, beforeCreate: ..., afterCreate: ...}},
//			machines: []*machine{leaderboardMachine},
//			seed: seedGameCenter, seedAfter: []string{"builds"},
//		})
//	}
//
//	var leaderboardMachine = &machine{
//		types: []string{"gameCenterLeaderboards"}, attr: "state",
//		rows: []transition{
//			{from: "*", on: "create", to: "PREPARE_FOR_SUBMISSION"},
//			{from: "PREPARE_FOR_SUBMISSION", on: "submit", to: "WAITING_FOR_REVIEW", then: "finish", after: reviewDelay},
//			{from: "WAITING_FOR_REVIEW", on: "finish", when: rejecting, to: "REJECTED"},
//			{from: "WAITING_FOR_REVIEW", on: "finish", to: "LIVE", do: announce},
//		},
//	}
//
// Hooks (all optional, per listed type or per type a match function accepts): lock (refuse
// any write in the owner's state; runs first), onePer (at most one per parent),
// before/after create, update and delete, beforeLink (relationship writes) and entered (a
// machine moved the resource into a state). Hook functions return *httpError to refuse,
// and two families may not give the same hook to the same type. A machine is a table read
// top to bottom: the first row whose from state ("A|B", "*" any), event and guard match
// moves the resource to its to state, runs its effect, and has a timer send its then event
// after its delay on the sandbox clock. The engine sends "create" to every resource created
// through the API; hooks and effects send the rest (s.send(r, "submit")), and s.can(r, event)
// asks the table whether a request may proceed. The seed function adds the family's demo
// data for each demo app (d.n == 0 is the app that also holds the team's data).
//
// Faults are random (rates of 500s, 503s and dropped connections, latency) or deterministic
// rules (FaultRule): match a method and a spec route or operation id, act before the request
// is handled or after its write took effect, answer a status with Apple's error body, drop
// the connection or delay, for the next n matching requests or every n-th; a processing rule
// makes committed assets end FAILED. Tests use them through sandbox/sandboxtest.
//
// Admin endpoints live under /sandbox/, never /v1: GET /sandbox/stats (request counts by
// method, status and spec route, and the most in flight at once by route), GET and POST
// /sandbox/faults (JSON: latency_ms, jitter_ms, rate_500, rate_503, drop_rate,
// upload_part_delay_ms, rules), POST /sandbox/reset (the seed again;
// the key and the faults stay), POST /sandbox/feedback ({"app", "kind": "screenshot" or
// "crash", "comment"}: a tester's TestFlight feedback, with its BETA_FEEDBACK_* event) and
// GET and POST /sandbox/clock ({"advance_ms": n}: move the state-machine clock, as
// Server.Advance does, for scripts driving a sandbox in another process).
//
// Demo data beyond the families' own: after the demo apps are seeded, the catalog family
// (family_catalog.go) gives every GET operation of the spec that would still answer nothing
// a resource to answer with, its attributes of the forms its schema declares; families keep
// it from types they seed whole (noCatalog). TestEveryGetOperationAnswers walks every GET
// operation and counts what answers with data and what matches the spec.
//
// The "demo" seed is deterministic: four apps with versions in several states, twelve
// locales of metadata, screenshot sets with screenshots, an app with 500 builds, beta groups
// and testers, in-app purchases, subscriptions, price points, customer reviews, devices,
// certificates and profiles, with Apple's territories and app categories. "empty" has
// nothing. With Options.StatePath the state (every resource and both sides of every link,
// pending timers and the Advance offset) and the keys live in a SQLite file and survive
// restarts: an asset left processing completes by the clock after the restart, while an
// upload whose parts had not all arrived must be reserved again. A demo state file from an
// earlier sandbox gets the reference data (territories, categories) it lacks.
//
// Apple's forms where its spec says otherwise: timestamps as each part of App Store Connect
// writes them (provisioning "2019-03-07T13:11:26.000+0000", TestFlight groups and review
// submissions "...T10:00:00.123Z", builds, versions and reviews in Cupertino's offset
// "-07:00"/"-08:00"; times.go), compared as instants in filters and sorts; metrics
// (/v1/{type}/{id}/metrics/{name}) with TestFlight usage points dated "2022-10-05"; a
// create's document linking the collection posted to; an app's versions newest first.
//
// Nulls, as Apple sends them although its spec marks almost nothing nullable: every
// resource object carries each attribute its schema declares (within fields[type] when
// given), the unset ones as null; an empty to-one relationship whose data an include shows
// is "data": null (an empty to-many is []); GET of an empty to-one related resource answers
// {"data": null}. A missing links.next is left out, as in Apple's captures.
package sandbox
