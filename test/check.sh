#!/usr/bin/env bash
# test/check.sh: run every ctem test on a fresh Debian 12 machine, as root.
#
# Installs what is missing, builds and installs ctem into the machine's own
# PostgreSQL ($PG_CONFIG, default 15; see lib.sh), starts a throwaway cluster
# as the postgres user and runs what depends on PostgreSQL: pg_regress
# (test/sql, test/expected), the isolation specs (test/specs) and the TAP
# tests (test/t).  Then what does not: the standalone C checks (test/*.c; the
# CVSS conformance check reads ../shared/corpus when it exists), the layering
# check of src/ (test/layers.py) and a fuzz smoke run of every harness
# (test/fuzz; CTEM_FUZZ_SECONDS each, default 5).  Then the PostgreSQL-
# dependent tests again on every other version of CTEM_PG_VERSIONS, each in
# a throwaway Debian chroot with that version's own packages (test/pgchroot.sh).
#
#   CTEM_PG_VERSIONS="15 17 18"   the default: the machine's version, 17, 18
#   CTEM_PG_VERSIONS=local        only the machine's own version (quick runs)
#
# Prints "PG NN: N passed, N failed" for each version and the version-
# independent checks' own line, and ends with the summed line
# "N passed, N failed".  Exit status 0 only when nothing failed.
#
# Inside a chroot, test/pgchroot.sh runs this script with
# CTEM_CHECK_SCOPE=pg: only the PostgreSQL-dependent tests, only locally.
set -u
. "$(dirname "$0")/lib.sh"
ctem_require_root
cd "$CTEM_ROOT"

versions=${CTEM_PG_VERSIONS:-"$PG_MAJOR 17 18"}
[ "$versions" = local ] && versions=$PG_MAJOR
scope=${CTEM_CHECK_SCOPE:-all}

ctem_packages
ctem_build || { echo "PG $PG_MAJOR: build failed"; echo "0 passed, 1 failed"; exit 1; }

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

# pg_regress prints "test name ... ok" up to PostgreSQL 15 and TAP lines
# ("ok 1 - name", "not ok 2 + name" in a parallel group) from 16 on
OK_RE='^(test +| +)[A-Za-z0-9_]+ +\.\.\. ok|^ok +[0-9]+ +[-+] +[A-Za-z0-9_]+ '
FAIL_RE='^(test +| +)[A-Za-z0-9_]+ +\.\.\. (FAILED|failed)|^not ok +[0-9]+ +[-+] +[A-Za-z0-9_]+ '
count() {	# count the passed / failed tests of pg_regress output in $1
	local p f
	p=$(grep -cE "$OK_RE" "$1")
	f=$(grep -cE "$FAIL_RE" "$1")
	passed=$((passed + p)); failed=$((failed + f))
}

echo "== PostgreSQL $PG_MAJOR: pg_regress and isolation tests"
rm -rf results output_iso regression.diffs regression.out
make -s PG_CONFIG=$PGC installcheck >"$D/installcheck.log" 2>&1
rc=$?
cat "$D/installcheck.log"
count "$D/installcheck.log"
if [ $rc -ne 0 ]; then
	[ -f regression.diffs ] && cat regression.diffs
	[ -f output_iso/regression.diffs ] && cat output_iso/regression.diffs
	if ! grep -qE "$FAIL_RE" "$D/installcheck.log"; then
		failed=$((failed + 1))	# a run that failed before any test counted
	fi
fi

echo "== PostgreSQL $PG_MAJOR: TAP tests"
PGXS_DIR=$(cd "$(dirname "$($PGC --pgxs)")/../.." && pwd)
mkdir -p "$D/tap"
cp -r test/t "$D/tap/"
[ -d "$CTEM_ROOT/../shared/corpus" ] && ln -s "$(cd "$CTEM_ROOT/../shared/corpus" && pwd)" "$D/tap/corpus"
cp -r test/data test/expected test/outbox_consumer.py "$D/tap/" 2>/dev/null
chown -R postgres: "$D/tap"
(cd "$D/tap" && runuser -u postgres -- env TESTDIR="$D/tap" PATH="$PGBIN:$PATH" \
	PG_REGRESS="$PGXS_DIR/src/test/regress/pg_regress" \
	prove -v -I "$PGXS_DIR/src/test/perl" t/*.pl) >"$D/tap.log" 2>&1
rc=$?
grep -vE '^ok ' "$D/tap.log" | tail -n 40
p=$(grep -cE '^ok ' "$D/tap.log"); f=$(grep -cE '^not ok ' "$D/tap.log")
passed=$((passed + p)); failed=$((failed + f))
[ $rc -ne 0 ] && [ "$f" -eq 0 ] && failed=$((failed + 1))
ctem_stop "$D"

summary="PG $PG_MAJOR: $passed passed, $failed failed"
total_passed=$passed
total_failed=$failed

if [ "$scope" = all ]; then
	passed=0
	failed=0

	echo "== any version: standalone C checks"
	mkdir -p test/bin
	for t in test/*_check.c test/cvss_conformance.c; do
		[ -f "$t" ] || continue
		name=$(basename "$t" .c)
		case "$name" in
			score_check) srcs="src/core/score_core.c" ;;
			cvss_conformance) srcs="src/core/cvss_core.c" ;;
			graph_check) srcs="src/core/graph/graph_core.c" ;;
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

	echo "== any version: layering of src/ (test/layers.py)"
	out=$(python3 test/layers.py 2>&1)
	echo "$out"
	count_summary "$out"

	echo "== any version: fuzz smoke run (each harness ${CTEM_FUZZ_SECONDS:-5} s, seeded from the corpus)"
	out=$(bash test/fuzz/run.sh smoke "${CTEM_FUZZ_SECONDS:-5}" 2>&1)
	echo "$out" | tail -n 40
	count_summary "$out"

	summary="$summary
any version (C checks, layering, fuzz): $passed passed, $failed failed"
	total_passed=$((total_passed + passed))
	total_failed=$((total_failed + failed))

	for v in $versions; do
		[ "$v" = "$PG_MAJOR" ] && continue
		echo "== PostgreSQL $v in a Debian chroot (test/pgchroot.sh $v)"
		out=$(bash test/pgchroot.sh "$v" 2>&1)
		echo "$out" | tail -n 60
		passed=0
		failed=0
		count_summary "$out"
		summary="$summary
PG $v: $passed passed, $failed failed"
		total_passed=$((total_passed + passed))
		total_failed=$((total_failed + failed))
	done
fi

echo
echo "$summary"
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
