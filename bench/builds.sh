#!/bin/sh
# Measures build uploads against the sandbox and prints a table: 1 GiB and 4 GiB uploads by
# the ascend binary (throughput against a plain loopback copy of the same file, the client's
# peak memory, requests against the lower bound), the wait for a 10-minute processing on the
# sandbox clock (polls against fastlane's 60), and kill -9 during the parts then a rerun.
# Flags pass through, e.g. -sizes 1 -runs 1. Needs about twice the largest size free in TMPDIR.
set -eu
cd "$(dirname "$0")/.."
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/ascend" ./cmd/ascend
go run ./bench/builds -ascend "$bin/ascend" "$@"
