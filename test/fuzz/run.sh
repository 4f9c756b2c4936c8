#!/usr/bin/env bash
# test/fuzz/run.sh: build and run a libFuzzer/ASan/UBSan harness.
#
#   bash test/fuzz/run.sh TARGET [RUNS] [extra libFuzzer flags]
#
# TARGET is cvss, score, keys, json, report, intel, graph or scope (test/fuzz/fuzz_TARGET.c),
# or "smoke": each of them for SECONDS seconds (default 5), as the test
# command runs them.
# RUNS defaults to 1000000 executions.  Seeds come from ../shared/corpus
# when it exists; new inputs are kept in test/fuzz/work/TARGET.  A crash
# leaves crash-* files in the current directory and a non-zero exit.
set -eu
cd "$(dirname "$0")/../.."
target=${1:?usage: run.sh cvss|score|keys|json|report|intel|graph|scope|smoke [runs]}
runs=${2:-1000000}
shift $(( $# < 2 ? $# : 2 ))

if ! command -v clang-14 >/dev/null || [ ! -d /usr/lib/llvm-14/lib/clang ]; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang-14 libclang-rt-14-dev libjansson-dev >/dev/null
fi
if [ "$target" = smoke ]; then
	# every harness for a few seconds, seeded from the corpus: a crash or a
	# sanitizer report fails it
	secs=${runs:-5}
	[ "$secs" = 1000000 ] && secs=5
	passed=0; failed=0
	for t in cvss score keys json report intel graph scope; do
		if bash "$0" "$t" -1 -max_total_time="$secs" >"/tmp/ctem-fuzz-$t.log" 2>&1; then
			echo "fuzz_$t: ok ($(grep -o 'stat::number_of_executed_units: [0-9]*' "/tmp/ctem-fuzz-$t.log" | awk '{print $2}') runs in ${secs} s)"
			passed=$((passed + 1))
		else
			echo "fuzz_$t: FAILED"; tail -n 30 "/tmp/ctem-fuzz-$t.log"
			failed=$((failed + 1))
		fi
	done
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
fi
JFLAGS="$(pkg-config --cflags jansson)"
JLIBS="$(pkg-config --libs jansson)"
case "$target" in
	cvss) srcs="src/core/cvss_core.c"; libs="-lm"; seeds="../shared/corpus/cvss" ;;
	score) srcs="src/core/score_core.c"; libs="$JLIBS -lm"; seeds="" ;;
	keys) srcs="src/core/keys_core.c"; libs=""; seeds="" ;;
	json) srcs="src/core/json/json_reader.c"; libs="-lm"; seeds="../shared/corpus/scanners" ;;
	report) srcs="src/core/json/json_reader.c $(ls src/core/report/*.c)"; libs="$JLIBS -lm"; seeds="../shared/corpus/scanners" ;;
	intel) srcs="src/core/intel_core.c"; libs="$JLIBS -lm"; seeds="../shared/corpus/intel" ;;
	graph) srcs="src/core/graph/graph_core.c"; libs="-lm"; seeds="" ;;
	scope) srcs="src/core/scope_core.c src/core/json/json_reader.c"; libs="-lm"; seeds="test/fuzz/seeds/scope" ;;
	*) echo "unknown target $target" >&2; exit 2 ;;
esac
mkdir -p test/fuzz/bin "test/fuzz/work/$target"
bin="test/fuzz/bin/fuzz_$target"
clang-14 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Isrc $JFLAGS -o "$bin" "test/fuzz/fuzz_$target.c" $srcs $libs

seeddirs=("test/fuzz/work/$target")
if [ -n "$seeds" ] && [ -d "$seeds" ]; then
	if [ "$target" = cvss ]; then
		# one vector per seed file
		mkdir -p "test/fuzz/work/cvss-seeds"
		cut -f1 "$seeds"/*.tsv | grep -v '^vector$' | split -l 1 -a 5 - "test/fuzz/work/cvss-seeds/s"
		seeddirs+=("test/fuzz/work/cvss-seeds")
	else
		mkdir -p "test/fuzz/work/$target-seeds"
		find "$seeds" -type f \( -name '*.json' -o -name '*.jsonl' -o -name '*.sarif' -o -name '*.csv' \) \
			-size -200k -exec cp {} "test/fuzz/work/$target-seeds/" \;
		seeddirs+=("test/fuzz/work/$target-seeds")
	fi
fi
echo "== fuzz_$target: $runs runs"
"$bin" -runs="$runs" -max_len=65536 -print_final_stats=1 "$@" "${seeddirs[@]}" 2>&1 \
	| grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec|ERROR|SUMMARY|crash-|Done' || true
test "${PIPESTATUS[0]}" -eq 0
