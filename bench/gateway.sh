#!/usr/bin/env bash
# Measures what the connector gateway costs per request over calling the sandbox directly:
# latency (p50, p99), throughput as a share of direct, and the CPU it adds per request, at 1,
# 50 and 200 concurrent clients, with the client key cache off and on, and again at 50 and 200
# clients with the sandbox 100 ms away like Apple (-latency). Bounded request counts;
# prints a table of medians (-rounds N). A bare net/http forwarder is measured beside the
# gateway (-bare=false leaves it out): what it adds is the floor under the gateway's figures.
#   bench/gateway.sh                      # SQLite store
#   bench/gateway.sh -db "$ASCEND_TEST_POSTGRES_URL"   # PostgreSQL store
#   bench/gateway.sh -latency 0 -clients 1 -n1 20000 -cpuprofile cpu.out   # one client alone, profiled
set -euo pipefail
cd "$(dirname "$0")/.."
go run ./bench/gateway "$@"
