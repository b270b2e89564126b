#!/usr/bin/env bash
# Measures the latency the connector gateway adds per request (p50, p99) over calling the
# sandbox directly, at 1 and 200 concurrent clients. Bounded request counts; prints a table.
#   bench/gateway.sh                      # SQLite store
#   bench/gateway.sh -db "$ASCEND_TEST_POSTGRES_URL"   # PostgreSQL store
set -euo pipefail
cd "$(dirname "$0")/.."
go run ./bench/gateway "$@"
