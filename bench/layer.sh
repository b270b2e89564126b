#!/bin/sh
# Prints the domain layer's counts (issue 9) as a table:
#   - string-built App Store Connect paths: string literals whose value starts with an API root
#     (/v1/, /v2/, /v3/ from the spec's catalog)
#   - map[string]any built by hand: composite literals (map[string]interface{}, maps and
#     slices of them, and the package's names for them alike) and make calls
# both found by syntax (bench/layer, go/ast) in non-test, non-generated Go files outside asc/,
# sandbox/ and bench/ (where building paths is the job), counted per area; and the
# hand-written Go lines per API operation: non-test, non-generated files, blank and comment
# lines left out, divided by the operations of the spec's catalog. -v lists every path and
# map counted.
set -eu
cd "$(dirname "$0")/.."
verbose=${1:-}

# Go files by kind. Generated files carry Go's standard header.
all=$(find . -name '*.go' ! -name '*_test.go' ! -path './.git/*' | sort)
handwritten=$(echo "$all" | xargs grep -L '^// Code generated .* DO NOT EDIT\.$')

# bench/layer prints one finding a line: "path" or "map", then file:line: and the code.
found=$(go run ./bench/layer)
paths=$(echo "$found" | sed -n 's/^path //p')
maps=$(echo "$found" | sed -n 's/^map //p')

area() { # hits -> counts per area
	echo "$1" | grep -v '^$' | sed -E 's#^\./([^/:]+)(/[^/:]+)?.*#\1\2#' | sed -E 's#^(internal/cmd|workflow|connector|internal/[^/]+)(/.*)?$#\1#' | sed -E 's#^([^/]+)/[^/]+\.go$#\1#' | sort | uniq -c |
		awk '{ printf "%s %s, ", $2, $1 }' | sed 's/, $//'
}
count() { echo "$1" | grep -c . || true; }

# shellcheck disable=SC2086
lines=$(cat $handwritten | grep -v -E '^[[:space:]]*$' | grep -c -v -E '^[[:space:]]*//')
ops=$(grep -c '^{"i":' internal/spec/catalog_gen.go)

printf '| measure | count | where |\n| --- | --- | --- |\n'
printf '| string-built /v1/ /v2/ /v3/ paths | %d | %s |\n' "$(count "$paths")" "$(area "$paths")"
printf '| map[string]any built by hand | %d | %s |\n' "$(count "$maps")" "$(area "$maps")"
printf '| hand-written Go lines | %d | non-test, non-generated, no blank or comment lines |\n' "$lines"
printf '| API operations | %d | internal/spec catalog |\n' "$ops"
printf '| lines per operation | %s | |\n' "$(awk -v l="$lines" -v o="$ops" 'BEGIN { printf "%.2f", l / o }')"

if [ "$verbose" = "-v" ]; then
	printf '\npaths:\n%s\n\nmaps:\n%s\n' "$paths" "$maps"
fi
