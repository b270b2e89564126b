#!/usr/bin/env bash
# Measures the sandbox over loopback HTTP: requests per second for GET /v1/apps?limit=200,
# a 200-build page with includes, a create-then-read cycle, and the heap a demo sandbox
# holds. Bounded by -benchtime; prints go test's benchmark table.
#   bench/sandbox.sh            # 2s per benchmark
#   bench/sandbox.sh 5s
set -euo pipefail
cd "$(dirname "$0")/.."
go test -run '^$' -bench . -benchmem -benchtime="${1:-2s}" ./sandbox
go run ./bench/sandboxmem
