#!/usr/bin/env bash
# test/bench/json_bench.sh [FINDINGS] [ROUNDS]: ctem's JSON reader against
# PostgreSQL's pg_parse_json (libpgcommon of $PG_CONFIG, default the
# machine's own PostgreSQL) on a generated Trivy report of FINDINGS findings (default
# 100000) and on the shared corpus' largest reports; validation alone and
# every value materialised, best of ROUNDS (default 5).  No server.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/test/lib.sh"	# PGC: $PG_CONFIG or the machine's own
n=${1:-100000}
rounds=${2:-5}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
gcc -std=gnu99 -O2 -I"$ROOT/src" -I"$($PGC --includedir-server)" \
	"$ROOT/test/bench/json_bench.c" "$ROOT/src/core/json/json_reader.c" \
	-L"$($PGC --pkglibdir)" -lpgcommon -lpgport -lm -o "$W/json_bench"
python3 "$ROOT/test/bench/gen_trivy.py" -n "$n" -o "$W/trivy.json"
"$W/json_bench" "$W/trivy.json" "$rounds"
if [ -d "$ROOT/../shared/corpus/scanners" ]; then
	find "$ROOT/../shared/corpus/scanners" -type f \( -name '*.json' -o -name '*.sarif' \) -size +200k \
		-printf '%s %p\n' | sort -rn | head -n 3 | while read -r _ f; do
		"$W/json_bench" "$f" "$rounds"
	done
fi
