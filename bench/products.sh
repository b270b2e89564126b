#!/bin/sh
# Measures `products push` of a 50-product catalog (30 in-app purchases, 20 subscriptions in
# 3 groups, 10 locales, prices in 175 territories; each subscription with an introductory
# offer, a promotional offer and an offer code with codes, -offers=false for none) against
# the embedded sandbox (latency 50 ms,
# the sandbox's default rate limits) and prints a table: wall, requests, 429s, the lower
# bound and the ideal wall; then convergence under faults and after kill -9.
# Flags pass through, e.g. -latency 100ms -concurrency 8.
set -eu
cd "$(dirname "$0")/.."
go build -o /tmp/ascend-bench-products ./bench/products
exec /tmp/ascend-bench-products "$@"
