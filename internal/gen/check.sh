#!/bin/sh
# check.sh regenerates the catalog (internal/spec) and the typed client (asc) from Apple's
# spec and fails when the committed files differ from what the generator produces now, so a
# hand edit of generated code or a generator change without regeneration cannot land.
# Usage (from anywhere in the repository): internal/gen/check.sh
# The spec is ../shared/spec/app-store-connect-openapi.json beside the repository, or $ASCEND_SPEC.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
go run ./internal/gen
# New generated files that are not committed yet count as drift too.
untracked=$(git ls-files --others --exclude-standard -- 'asc/*_gen.go' asc/operations_gen_test.go 'internal/spec/*_gen.go')
if [ -n "$untracked" ]; then
	echo "generated files not committed:" >&2
	echo "$untracked" >&2
	exit 1
fi
if ! git diff --exit-code --stat -- 'asc/*_gen.go' asc/operations_gen_test.go 'internal/spec/*_gen.go'; then
	echo "generated code is out of date: run 'go generate ./internal/gen' and commit the result" >&2
	exit 1
fi
echo "generated code is up to date"
