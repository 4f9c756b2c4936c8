#!/usr/bin/env bash
# test/check.sh: run every ctem test on a fresh Debian 12 machine, as root.
#
# Installs what is missing, builds and installs ctem, starts a throwaway
# PostgreSQL 15 cluster as the postgres user, runs pg_regress (test/sql,
# test/expected), the isolation specs (test/specs), the standalone C checks
# (test/*.c; the CVSS conformance check reads ../shared/corpus when it
# exists), the layering check of src/ (test/layers.py), a fuzz smoke run of
# every harness (test/fuzz; CTEM_FUZZ_SECONDS each, default 5) and the TAP
# tests (test/t), stops the cluster and ends with the line
# "N passed, N failed".  Exit status 0 only when nothing failed.
set -u
. "$(dirname "$0")/lib.sh"
ctem_require_root
cd "$CTEM_ROOT"

ctem_packages
ctem_build || { echo "0 passed, 1 failed"; exit 1; }

D=$(mktemp -d /tmp/ctem-check.XXXXXX)
trap 'ctem_stop "$D"; rm -rf "$D"' EXIT
ctem_start "$D" || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
# add the "N passed, N failed" line of output $1 to the counts; a run
# that printed none counts as one failure
count_summary() {
	local line
	line=$(echo "$1" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -n "$line" ]; then
		passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
		failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
	else
		failed=$((failed + 1))
	fi
}

count() {	# count "... ok" / "... FAILED" lines of pg_regress output in $1
	local p f
	p=$(grep -cE '^(test +| +)[A-Za-z0-9_]+ +\.\.\. ok' "$1")
	f=$(grep -cE '^(test +| +)[A-Za-z0-9_]+ +\.\.\. (FAILED|failed)' "$1")
	passed=$((passed + p)); failed=$((failed + f))
}

echo "== pg_regress and isolation tests"
rm -rf results output_iso regression.diffs regression.out
make -s PG_CONFIG=$PGC installcheck >"$D/installcheck.log" 2>&1
rc=$?
cat "$D/installcheck.log"
count "$D/installcheck.log"
if [ $rc -ne 0 ]; then
	[ -f regression.diffs ] && cat regression.diffs
	[ -f output_iso/regression.diffs ] && cat output_iso/regression.diffs
	if ! grep -qE '\.\.\. (FAILED|failed)' "$D/installcheck.log"; then
		failed=$((failed + 1))	# a run that failed before any test counted
	fi
fi

echo "== standalone C checks"
mkdir -p test/bin
for t in test/*_check.c test/cvss_conformance.c; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .c)
	case "$name" in
		score_check) srcs="src/core/score_core.c" ;;
		cvss_conformance) srcs="src/core/cvss_core.c" ;;
		*) srcs="" ;;
	esac
	if ! gcc -std=gnu99 -O2 -Wall -Wextra -Werror -Isrc $(pkg-config --cflags jansson) \
		-o "test/bin/$name" "$t" $srcs $(pkg-config --libs jansson) -lm; then
		echo "$name: build failed"; failed=$((failed + 1)); continue
	fi
	args=""
	if [ "$name" = cvss_conformance ]; then
		if [ -d "$CTEM_ROOT/../shared/corpus/cvss" ]; then
			args="$CTEM_ROOT/../shared/corpus/cvss"
		else
			echo "cvss_conformance: ../shared/corpus not present, skipped"; continue
		fi
	fi
	out=$("test/bin/$name" $args 2>&1)
	echo "$out" | tail -n 15
	count_summary "$out"
done

echo "== layering of src/ (test/layers.py)"
out=$(python3 test/layers.py 2>&1)
echo "$out"
count_summary "$out"

echo "== fuzz smoke run (each harness ${CTEM_FUZZ_SECONDS:-5} s, seeded from the corpus)"
out=$(bash test/fuzz/run.sh smoke "${CTEM_FUZZ_SECONDS:-5}" 2>&1)
echo "$out" | tail -n 40
count_summary "$out"

echo "== TAP tests"
PGXS_DIR=$(cd "$(dirname "$($PGC --pgxs)")/../.." && pwd)
mkdir -p "$D/tap"
cp -r test/t "$D/tap/"
[ -d "$CTEM_ROOT/../shared/corpus" ] && ln -s "$(cd "$CTEM_ROOT/../shared/corpus" && pwd)" "$D/tap/corpus"
cp -r test/data test/expected "$D/tap/" 2>/dev/null
chown -R postgres: "$D/tap"
(cd "$D/tap" && runuser -u postgres -- env TESTDIR="$D/tap" PATH="$PGBIN:$PATH" \
	PG_REGRESS="$PGXS_DIR/src/test/regress/pg_regress" \
	prove -v -I "$PGXS_DIR/src/test/perl" t/*.pl) >"$D/tap.log" 2>&1
rc=$?
grep -vE '^ok ' "$D/tap.log" | tail -n 40
p=$(grep -cE '^ok ' "$D/tap.log"); f=$(grep -cE '^not ok ' "$D/tap.log")
passed=$((passed + p)); failed=$((failed + f))
[ $rc -ne 0 ] && [ "$f" -eq 0 ] && failed=$((failed + 1))

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
