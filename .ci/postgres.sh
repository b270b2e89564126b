#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on loopback for the gateway's store tests and prints
# the line to eval:  eval "$(bash .ci/postgres.sh)"
# Installs Debian's postgresql when no server binaries are found. Everything it prints on
# stdout is the export line; progress goes to stderr.
set -euo pipefail

port="${ASCEND_PG_PORT:-55432}"
dir="${ASCEND_PG_DIR:-/tmp/ascend-pg}"
db=ascend_test

bindir=""
for d in /usr/lib/postgresql/*/bin; do
	[ -x "$d/initdb" ] && bindir="$d"
done
if [ -z "$bindir" ]; then
	echo "installing postgresql from Debian" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq postgresql >&2
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && bindir="$d"
	done
fi
[ -n "$bindir" ] || { echo "postgresql server binaries not found after install" >&2; exit 1; }

# PostgreSQL refuses to run as root: run the cluster as the postgres user when we are root.
run() {
	if [ "$(id -u)" = 0 ]; then
		su postgres -s /bin/sh -c "$*"
	else
		sh -c "$*"
	fi
}

if [ "$(id -u)" = 0 ]; then
	mkdir -p "$dir"
	chown postgres "$dir"
fi
if [ ! -f "$dir/data/PG_VERSION" ]; then
	run "'$bindir/initdb' -D '$dir/data' -A trust -U postgres --no-sync" >&2
fi
if ! run "'$bindir/pg_ctl' -D '$dir/data' status" >/dev/null 2>&1; then
	run "'$bindir/pg_ctl' -D '$dir/data' -l '$dir/log' -w -o \"-c listen_addresses=127.0.0.1 -p $port -k '$dir' -c fsync=off\" start" >&2
fi
if ! run "'$bindir/psql' -h 127.0.0.1 -p $port -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname='$db'\"" | grep -q 1; then
	run "'$bindir/createdb' -h 127.0.0.1 -p $port -U postgres $db" >&2
fi
echo "export ASCEND_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$port/$db?sslmode=disable"
