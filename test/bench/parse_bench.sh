#!/usr/bin/env bash
# test/bench/parse_bench.sh: how fast the report reader alone is, against
# jansson loading the same bytes, measured in one run.
#
#   bash test/bench/parse_bench.sh [TRIVY_FINDINGS] [ROUNDS]
#
# No server: test/report_dump (the parsing core of ctem.ingest, src/core/json/json_reader.c src/core/report/*.c,
# built with gcc -O2) reads each input REPEAT times per round and prints the
# CPU time of one parse; report_dump -j loads the same bytes with jansson's
# json_loadb (the whole document as a tree, which is what a reader built on
# jansson's loader pays before it has read one finding).  The two alternate
# in each round; the best of ROUNDS (default 5) of each is printed, as
# findings/s and MB/s, with the ratio jansson time / reader time.  Inputs:
#   trivy  gen_trivy.py, TRIVY_FINDINGS findings (default 100000), indented
#          as Trivy writes it;
#   grype  the 327 matches of ../shared/corpus/scanners/grype/many_vulns3.json
#          repeated 60 times (the matches come before the source, so the
#          reader goes over the report twice);
#   sarif  the 1768 results of semgrep_0.17.0_owasp_benchmark.sarif from the
#          same corpus repeated 30 times.
# The grype and sarif inputs are skipped when ../shared/corpus is absent.
# The peak memory of each (the allocations it makes, the input excluded) is
# printed from report_dump -m.  Needs gcc, python3 and libjansson-dev
# (installed when run as root and missing).
set -eu
N=${1:-100000}
ROUNDS=${2:-5}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=$ROOT/../shared/corpus/scanners
if ! pkg-config --exists jansson 2>/dev/null || ! command -v gcc >/dev/null; then
	. "$ROOT/test/lib.sh"
	ctem_require_root
	ctem_packages
fi
W=$(mktemp -d /tmp/ctem-parse-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT

gcc -std=gnu99 -O2 -I"$ROOT/src" "$ROOT/test/report_dump.c" "$ROOT"/src/core/json/json_reader.c "$ROOT"/src/core/report/*.c \
	$(pkg-config --cflags --libs jansson) -lm -o "$W/report_dump"

python3 "$ROOT/test/bench/gen_trivy.py" -n "$N" -o "$W/trivy.json"
inputs="trivy"
if [ -d "$CORPUS" ]; then
	python3 - "$CORPUS" "$W" <<'PY'
import json, sys
corpus, out = sys.argv[1], sys.argv[2]
g = json.load(open(corpus + "/grype/many_vulns3.json"))
g["matches"] = g["matches"] * 60
json.dump(g, open(out + "/grype.json", "w"), indent=1)
s = json.load(open(corpus + "/sarif/semgrep_0.17.0_owasp_benchmark.sarif"))
s["runs"][0]["results"] = s["runs"][0]["results"] * 30
json.dump(s, open(out + "/sarif.json", "w"), indent=1)
PY
	inputs="trivy grype sarif"
else
	echo "($CORPUS not found: grype and sarif skipped)"
fi

best() { awk 'NR == 1 || $1 < b { b = $1 } END { print b }'; }

printf "%-6s %8s %9s | %10s %12s %9s | %10s %9s | %8s | %s | %s\n" \
	input MB findings "reader s" findings/s "MB/s" "jansson s" "MB/s" "jansson/reader" "peak memory: reader (of input)" "jansson (x input)"
for name in $inputs; do
	f=$W/$name.json
	bytes=$(stat -c %s "$f")
	# about 200 MB of input parsed (or loaded) per measurement
	rep=$(( 200000000 / bytes )); [ "$rep" -ge 1 ] || rep=1
	findings=$("$W/report_dump" -q "$f" | sed -n 's/.*\tfindings=\([0-9]*\).*/\1/p')
	[ -n "$findings" ] && [ "$findings" -gt 0 ] || { echo "report_dump read no finding in $name" >&2; exit 1; }
	peak=$("$W/report_dump" -q -m "$f" | awk -F'\t' '$1 == "# memory" { print substr($3, 6) }')
	jpeak=$("$W/report_dump" -j -m "$f" | awk -F'\t' '$1 == "# memory" { print substr($3, 6) }')
	: > "$W/r.txt"; : > "$W/j.txt"
	for r in $(seq "$ROUNDS"); do
		"$W/report_dump" -q -t -r "$rep" "$f" | awk -F'\t' '$1 == "# time" { sub(/ s$/, "", $2); print $2 }' >> "$W/r.txt"
		"$W/report_dump" -j -t -r "$rep" "$f" | awk -F'\t' '$1 == "# time" { sub(/ s$/, "", $2); print $2 }' >> "$W/j.txt"
	done
	rs=$(best < "$W/r.txt"); js=$(best < "$W/j.txt")
	awk -v inp="$name" -v b="$bytes" -v n="$findings" -v rs="$rs" -v js="$js" -v peak="$peak" -v jpeak="$jpeak" 'BEGIN {
		printf "%-6s %8.1f %9d | %10.4f %12.0f %9.0f | %10.4f %9.0f | %8.2fx | %d B (%.4f%%) | %.0f MB (%.1fx)\n",
			inp, b / 1e6, n, rs, n / rs, b / rs / 1e6, js, b / js / 1e6, js / rs, peak, 100 * peak / b, jpeak / 1e6, jpeak / b }'
done
echo "(CPU time of one parse, best of $ROUNDS rounds; each measurement parses the input about 200 MB worth of times)"
