// Package connector is the ascend connector gateway behind `ascend serve`: it holds App Store
// Connect keys and signs every request itself, so low-code flows (Power Automate, n8n,
// Zapier) and internal tools use scoped client keys instead of pasting JSON Web Tokens that
// die within 20 minutes.
//
// # Routes
//
//   - /v1/..., /v2/..., /v3/...: passthrough to the key's profile upstream (Apple by default)
//     with the JWT added; query and body untouched; links in answers rewritten to the
//     gateway's public URL so clients paginate through it (only members of links objects,
//     never attribute values that happen to start with the upstream's URL). Only the
//     configured upstream host is contacted, redirects are not followed, and presigned
//     upload URLs in answers are left as they are unless Config.UploadHosts (serve --upload-host) names their hosts: then they
//     point at /connector/uploads/{token} and the gateway forwards the parts (write keys
//     only, listed hosts only, no JWT). ?flatten=true turns JSON:API
//     documents into flat objects: {value: [...], nextLink, total} for lists.
//   - /connector/v1/...: curated actions for designers (list and get apps, app infos and their
//     localizations, versions and their localizations, builds; update localizations; submit a
//     version for review), answering flat objects.
//   - POST /connector/webhooks/apple/{profile}: Apple's webhook events, verified against the
//     X-Apple-SIGNATURE HMAC in constant time.
//   - POST /connector/subscriptions, DELETE /connector/subscriptions/{id}: webhook triggers,
//     registered the way Power Automate registers them (201 with a Location to DELETE).
//     Only the key that subscribed, or a write key, may remove a subscription, and
//     GET /connector/subscriptions shows other keys' callback URLs as their host only (the
//     path and query are the credential of a Power Automate, n8n or Zapier hook).
//     Deliveries never go to cloud metadata services nor follow redirects, and use no proxy
//     from the environment: see callbacks.go for the refused addresses and names (link-local
//     169.254.0.0/16 and fe80::/10; fd00:ec2::/32, fd20:ce::254, 100.100.100.200,
//     168.63.129.16, 192.0.0.192; metadata.google.internal, metadata.goog, metadata,
//     instance-data; unspecified, multicast and IPv6 forms embedding a refused address).
//   - GET /connector/: the status page (server-rendered HTML, see page.go) for a client key's
//     profile, or every profile with the operations token; browsers sign in with HTTP Basic.
//   - GET /connector/status (the key's profile, its shared rate budget, the key's quota and
//     the profile's deliveries), GET /connector/openapi.json (OpenAPI 3.1), GET /healthz,
//     /readyz, /metrics (behind Config.MetricsToken when set, or on its own listener).
//   - POST /connector/webhooks/apple/{profile} answers an unknown profile exactly as a bad
//     signature, so it does not tell which profiles exist. A key holds at most
//     Config.MaxSubscriptionsPerKey subscriptions; Config.CallbackAllow limits deliveries
//     to matching hosts (and then refuses private addresses). Request bodies are one JSON
//     value: trailing data is refused.
//
// # Client keys
//
// A key ("asck_<id>_<secret>") is granted one profile and read or write access. Clients send
// it in X-API-Key or as Authorization: Bearer. Only the SHA-256 of the 256-bit secret is
// stored, and it is compared in constant time. Missing, unknown, revoked and expired keys get
// 401; a read key attempting anything but GET or HEAD gets 403. Errors take Apple's
// ErrorResponse shape. Every method but GET and HEAD is a write, OPTIONS included. Every
// write (allowed or refused) is audited with time, key name,
// profile, method, path, status, duration and request id. Key records are read from the
// database on every request unless Config.KeyCacheTTL (serve --key-cache) lets an instance
// keep them briefly, in which case a revocation takes effect within that TTL.
//
// # Rate budget and quotas
//
// All clients of a profile share one asc.RateBudget per App Store Connect key, fed by each
// answer's X-Rate-Limit: requests are paced when little remains, and everyone is held after
// a 429 (clients get 429 with Retry-After at once when the hold, or the wait for a paced
// slot, is longer than 20 seconds; nothing is reserved for them). On PostgreSQL the budget's
// state is a row of the database (budget.go) that every instance updates under its lock, so
// instances behind a load balancer pace as one and a 429 one of them sees holds them all
// (an instance commits its clients' updates of the row in groups, one transaction at a
// time, a single compare-and-swap statement while no other instance wrote since); if
// the database cannot be asked, the request is answered 503 unsent. On SQLite the budget is
// kept in the process.
// Each client key may spend only its share of that budget in a rolling hour (see quota.go).
// One exchange with the upstream, to the answer's last byte, is bounded by
// Config.UpstreamTimeout (504 after it); a request body that is cut short is 400, one that
// stalls past Config.BodyReadTimeout 408, one over the cap 413, each audited as answered.
//
// # Webhook delivery semantics
//
// An event is stored, with one pending delivery per matching subscription, in one transaction
// before Apple gets its 200; a gateway killed at any moment therefore loses no accepted event
// (Apple retries the ones it got no 2xx for, and those are recognised by id and stored once).
// Deliveries are claimed under a lease (FOR UPDATE SKIP LOCKED on PostgreSQL), POSTed to the
// subscriber's callbackUrl and retried with exponential backoff and jitter until a 2xx
// answer or until they expire (24 hours by default); a 410 answer removes the subscription.
// A claimant that dies mid-delivery lets its lease lapse and another instance, or the same
// one restarted, delivers again. Delivery is therefore at least once, in no guaranteed
// order: every notification carries the event's id (also in the X-Ascend-Event-Id header),
// identical across retries and instances, for subscribers to deduplicate. A subscription
// made with a "secret" gets each notification signed in X-Ascend-Signature
// (hmacsha256=<hex>), for receivers whose callback URL is not itself a secret.
//
// # Export
//
// [Swagger], [APIProperties] and [Readme] write a Power Platform custom connector as Microsoft
// certifies them: Swagger 2.0 with an API key security definition, x-ms-* extensions, a
// webhook trigger, response schemas for every operation generated from Apple's spec (flat for
// reads), Microsoft's text rules (see export_text.go), the publisher and contact from
// ExportOptions, and the gateway's host as a connection parameter; [OpenAPI] writes the
// OpenAPI 3.1 description that GET /connector/openapi.json serves.
package connector
