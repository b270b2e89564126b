#!/bin/sh
# Measures a release against the sandbox and prints a table: `deliver` of an app with 40
# locales (descriptions changed, screenshots unchanged, a build attached) at 100 ms latency,
# requests against the lower bound and wall time against requests x latency / concurrency;
# and the polls of a 24-hour App Review followed on the sandbox clock against a 30 s loop.
# Flags pass through, e.g. -latency 50ms -runs 1.
set -eu
cd "$(dirname "$0")/.."
go build -o /tmp/ascend-bench-release ./bench/release
exec /tmp/ascend-bench-release "$@"
