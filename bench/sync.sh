#!/bin/sh
# Measures `metadata push` and `screenshots sync` against the embedded sandbox (latency
# 100 ms, the sandbox's default rate limits) and prints a table: wall time, requests, 429s,
# upload parts and the lower bound of requests. Flags pass through, e.g. -locales 10 -shots 3.
set -eu
cd "$(dirname "$0")/.."
exec go run ./bench/sync "$@"
