// Package store keeps the connector gateway's state: client keys (hashes only), the audit log
// of writes, the webhooks registered at Apple with their secrets, subscriptions, and webhook
// events with their pending deliveries.
//
// One type, [DB], serves both backends through database/sql: SQLite (modernc.org/sqlite, pure
// Go, the default, created on first open) and PostgreSQL (pgx), so several gateway instances
// can share one database behind a load balancer. Both carry the same schema, created and
// upgraded by numbered migrations recorded in schema_migrations. Identifiers are random text
// and times are Unix milliseconds, so no statement depends on a dialect's sequences or time
// types; the few statements that differ (placeholders, row locking) are chosen per dialect.
//
// Deliveries are claimed with a lease: a claim marks rows with the claimant and a deadline in
// one statement (FOR UPDATE SKIP LOCKED on PostgreSQL, so two instances never claim the same
// row; SQLite serialises writers). A claimant that dies simply lets its lease run out, after
// which any instance may claim the rows again. Delivery is therefore at least once.
package store
