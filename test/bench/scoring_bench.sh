#!/usr/bin/env bash
# test/bench/scoring_bench.sh: prioritization costs, as ratios measured in
# one run.  Run as root:
#   bash test/bench/scoring_bench.sh [ROWS]
#
# 1. ROWS exposures (default 1000000) scored by the C function
#    ctem.risk_score(e, a), against the same formula in PL/pgSQL (default
#    policy weights written into the function, which only favours it), both
#    over the same join; the two must agree on every row.  (Over the tables
#    ctem.risk_score(e, a) is planned as ctem.risk_score_inputs over the ten
#    columns it reads, its planner support; the script checks that it was.)
#    The same for
#    ctem.risk_score_inputs(...) (the inputs as ten arguments) against a
#    PL/pgSQL function with the same ten arguments.  And both (e, a)
#    functions on rows that are values (a subquery's columns), where
#    ctem.risk_score cannot be planned over the columns it reads.  All
#    these queries run once per round, interleaved, best of SCORE_ROUNDS.
# 2. A threat-intel refresh that changes 1% of the CVEs (so re-scores 1% of
#    the exposures) through ctem.load_epss and ctem.load_kev, against a full
#    re-score (ctem.rescore()) of every exposure.
# SCORE_PARTS="1" runs part 1 only (default "1 2").
set -eu
. "$(dirname "$0")/lib_bench.sh"
ROWS=${1:-1000000}
CVES=$(( ROWS / 10 ))
bench_setup
W=$BENCH_DIR/work
mkdir -p "$W"
chown postgres: "$W"

echo "== loading $ROWS exposures over 10000 assets and $CVES CVEs"
bench_sql <<SQL
INSERT INTO ctem.asset (kind, natural_key, criticality, internet_facing, crown_jewel)
SELECT 'host', 'host-' || g || '.example.com',
       CASE WHEN g % 6 = 0 THEN NULL ELSE 1 + g % 5 END,
       CASE WHEN g % 7 = 0 THEN NULL ELSE g % 4 = 0 END, g % 50 = 0
FROM generate_series(1, 10000) g;
-- EPSS for every CVE, before the exposures arrive
COPY (SELECT 'CVE-2020-' || (10000 + g), round((g % 1000) / 1000.0, 3), 0.5
      FROM generate_series(0, $CVES - 1) g) TO '$W/epss.csv' (FORMAT csv);
SQL
{ echo "cve,epss,percentile"; cat "$W/epss.csv"; } > "$W/epss_full.csv"
chown postgres: "$W/epss_full.csv"
bench_sql -c "SELECT * FROM ctem.load_epss(pg_read_file('$W/epss_full.csv'))" >/dev/null
bench_sql <<SQL
INSERT INTO ctem.exposure (asset_id, rule_id, component, severity, cvss, exploit_maturity)
SELECT 1 + g % 10000, 'CVE-2020-' || (10000 + g % $CVES), 'pkg' || (g / 10000),
       (ARRAY['low','medium','high','critical','unknown'])[1 + g % 5]::ctem.severity,
       CASE WHEN g % 3 = 0 THEN NULL
            ELSE ('CVSS:3.1/AV:' || (ARRAY['N','A','L','P'])[1 + g % 4] || '/AC:L/PR:N/UI:N/S:U/C:'
                  || (ARRAY['H','L','N'])[1 + g % 3] || '/I:H/A:' || (ARRAY['N','L','H'])[1 + (g / 3) % 3])::ctem.cvss END,
       (ARRAY['unknown','unproven','poc','functional','high'])[1 + (g / 7) % 5]::ctem.exploit_maturity
FROM generate_series(1, $ROWS) g;
INSERT INTO ctem.control (asset_id, kind, effectiveness)
SELECT g * 10, 'waf', 0.3 FROM generate_series(1, 1000) g;
VACUUM ANALYZE;

-- the model in PL/pgSQL, default weights
CREATE FUNCTION plpgsql_score(cvss numeric, severity text, kev boolean, validation text,
                              maturity text, epss double precision, criticality int,
                              internet_facing boolean, crown_jewel boolean,
                              controls double precision)
RETURNS numeric LANGUAGE plpgsql IMMUTABLE AS \$\$
DECLARE
	s double precision; l double precision; a double precision; x double precision;
	c double precision; v double precision; score double precision;
BEGIN
	IF cvss IS NOT NULL THEN s := cvss;
	ELSE s := CASE severity WHEN 'critical' THEN 9.5 WHEN 'high' THEN 8.0 WHEN 'medium' THEN 5.5
	                        WHEN 'low' THEN 2.5 WHEN 'info' THEN 0.0 ELSE 5.0 END;
	END IF;
	l := CASE WHEN epss IS NULL THEN 0.7 WHEN epss >= 0.5 THEN 0.95 WHEN epss >= 0.1 THEN 0.85
	          WHEN epss >= 0.01 THEN 0.7 WHEN epss >= 0 THEN 0.55 ELSE 0.5 END;
	IF kev THEN l := greatest(l, 1.0); END IF;
	IF validation = 'exploitable' THEN l := greatest(l, 1.0); END IF;
	l := greatest(l, CASE maturity WHEN 'high' THEN 0.95 WHEN 'functional' THEN 0.9
	                               WHEN 'poc' THEN 0.8 WHEN 'unproven' THEN 0.6 ELSE 0 END);
	l := least(greatest(l, 0.5), 1.0);
	a := CASE criticality WHEN 1 THEN 0.6 WHEN 2 THEN 0.7 WHEN 3 THEN 0.8 WHEN 4 THEN 0.9
	                      WHEN 5 THEN 1.0 ELSE 0.8 END;
	IF internet_facing THEN x := 1.0;
	ELSIF crown_jewel THEN x := CASE WHEN internet_facing IS NULL THEN greatest(0.7, 0.8) ELSE 0.8 END;
	ELSIF internet_facing IS NULL THEN x := 0.7;
	ELSE x := 0.5;
	END IF;
	c := least(coalesce(controls, 0), 0.4);
	v := CASE WHEN validation = 'blocked' THEN 0.6 ELSE 1.0 END;
	score := 100 * s / 10 * l * a * x * (1 - c) * v;
	score := least(greatest(score, 0), 100);
	RETURN floor(score * 10 + 0.5 + 1e-9) / 10;
END
\$\$;
-- the same formula in PL/pgSQL with the same signature as ctem.risk_score_inputs
CREATE FUNCTION plpgsql_score_inputs(cvss ctem.cvss, severity ctem.severity, kev boolean,
                                     epss double precision, maturity ctem.exploit_maturity,
                                     validation ctem.validation_outcome, criticality smallint,
                                     internet_facing boolean, crown_jewel boolean,
                                     controls double precision)
RETURNS numeric LANGUAGE plpgsql STABLE AS \$\$
BEGIN
	RETURN plpgsql_score(ctem.cvss_score(cvss), severity::text, kev, validation::text,
	                     maturity::text, epss, criticality, internet_facing, crown_jewel, controls);
END
\$\$;
-- the same formula in PL/pgSQL with the same signature as ctem.risk_score
CREATE FUNCTION plpgsql_score_rows(e ctem.exposure, a ctem.asset) RETURNS numeric
LANGUAGE plpgsql STABLE AS \$\$
BEGIN
	RETURN plpgsql_score(ctem.cvss_score(e.cvss), e.severity::text, e.kev, e.validation::text,
	                     e.exploit_maturity::text, e.epss, a.criticality, a.internet_facing,
	                     a.crown_jewel, e.controls_effectiveness);
END
\$\$;
SQL

JOIN="FROM ctem.exposure e JOIN ctem.asset a ON a.tenant_id = e.tenant_id AND a.id = e.asset_id"
# the same join with e and a as values (a subquery's columns), the way the
# rows reach a function that cannot be planned over the columns
ROWS_Q="FROM (SELECT e, a $JOIN OFFSET 0) x"
ARGS="e.cvss, e.severity, e.kev, e.epss, e.exploit_maturity, e.validation, a.criticality, a.internet_facing, a.crown_jewel, e.controls_effectiveness"
disagree=$(bench_sql -At -c "SELECT count(*) $JOIN WHERE ctem.risk_score(e, a) <> plpgsql_score(ctem.cvss_score(e.cvss), e.severity::text, e.kev, e.validation::text, e.exploit_maturity::text, e.epss, a.criticality, a.internet_facing, a.crown_jewel, e.controls_effectiveness)")
disagree_rows=$(bench_sql -At -c "SELECT count(*) $ROWS_Q WHERE ctem.risk_score(x.e, x.a) IS DISTINCT FROM plpgsql_score_rows(x.e, x.a) OR ctem.risk_score(x.e, x.a) IS DISTINCT FROM (x.e).risk_score")
disagree_i=$(bench_sql -At -c "SELECT count(*) $JOIN WHERE ctem.risk_score_inputs($ARGS) <> plpgsql_score_inputs($ARGS) OR ctem.risk_score_inputs($ARGS) <> ctem.risk_score(e, a)")
planned=$(bench_sql -At -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT sum(ctem.risk_score(e, a)) $JOIN" | grep -c 'risk_score_inputs(e.cvss' || true)
echo "== 1. scoring $ROWS rows (C and PL/pgSQL disagree on $disagree rows; on rows as values: $disagree_rows; ctem.risk_score(e, a) planned over the columns: $([ "$planned" -gt 0 ] && echo yes || echo no))"
# every query once per round, ${SCORE_ROUNDS:-5} rounds, best of each: the
# baselines and the scored queries meet the same drift of the machine.
# Each baseline fetches the same values and hands them to a trivial builtin
# of the same arity (num_nulls), so "over the scan" is the function's own
# work: the ten inputs sit at both ends of the exposure row, and fetching
# them (walking score_explain and details) costs more than scoring them.
read -r base c_ms r_ms p_ms ci_ms ri_ms rbase cr_ms rr_ms <<<"$(bench_rounds "${SCORE_ROUNDS:-5}" \
	"SELECT sum(num_nulls($ARGS)) $JOIN" \
	"SELECT sum(ctem.risk_score(e, a)) $JOIN" \
	"SELECT sum(plpgsql_score_rows(e, a)) $JOIN" \
	"SELECT sum(plpgsql_score(ctem.cvss_score(e.cvss), e.severity::text, e.kev, e.validation::text, e.exploit_maturity::text, e.epss, a.criticality, a.internet_facing, a.crown_jewel, e.controls_effectiveness)) $JOIN" \
	"SELECT sum(ctem.risk_score_inputs($ARGS)) $JOIN" \
	"SELECT sum(plpgsql_score_inputs($ARGS)) $JOIN" \
	"SELECT sum(num_nulls(x.e, x.a)) $ROWS_Q" \
	"SELECT sum(ctem.risk_score(x.e, x.a)) $ROWS_Q" \
	"SELECT sum(plpgsql_score_rows(x.e, x.a)) $ROWS_Q")"
awk -v n="$ROWS" -v b="$base" -v c="$c_ms" -v p="$p_ms" -v r="$r_ms" -v ci="$ci_ms" -v ri="$ri_ms" \
	-v d="$disagree_i" -v rb="$rbase" -v cr="$cr_ms" -v rr="$rr_ms" 'BEGIN {
	printf "%-56s %9.1f ms\n", "scan + join + the ten inputs to num_nulls()", b
	printf "%-56s %9.1f ms  %6.3f us/row over the scan\n", "C ctem.risk_score(e, a)", c, (c - b) * 1000 / n
	printf "%-56s %9.1f ms  %6.3f us/row over the scan\n", "PL/pgSQL, same formula, same (e, a) signature", r, (r - b) * 1000 / n
	printf "%-56s %9.1f ms  %6.3f us/row over the scan\n", "PL/pgSQL, same formula, scalar arguments", p, (p - b) * 1000 / n
	printf "C vs PL/pgSQL (e, a): %.1fx faster (whole query), %.1fx on the scoring itself\n", r / c, (r - b) / (c - b)
	printf "C vs PL/pgSQL (scalars): %.1fx faster (whole query), %.1fx on the scoring itself\n", p / c, (p - b) / (c - b)
	printf "-- inputs as arguments (ctem.risk_score_inputs; disagreements with PL/pgSQL or risk_score(e, a): %d)\n", d
	printf "%-56s %9.1f ms  %6.3f us/row over the scan\n", "C ctem.risk_score_inputs(...)", ci, (ci - b) * 1000 / n
	printf "%-56s %9.1f ms  %6.3f us/row over the scan\n", "PL/pgSQL, same formula, same signature", ri, (ri - b) * 1000 / n
	printf "C vs PL/pgSQL (same 10 arguments): %.1fx faster (whole query), %.1fx on the scoring itself\n", ri / ci, (ri - b) / (ci - b)
	printf "-- rows as values (subquery columns: both functions get built rows, no plan-time rewrite)\n"
	printf "%-56s %9.1f ms\n", "subquery of (e, a) rows + num_nulls(x.e, x.a)", rb
	printf "%-56s %9.1f ms  %6.3f us/row over the scan\n", "C ctem.risk_score(x.e, x.a)", cr, (cr - rb) * 1000 / n
	printf "%-56s %9.1f ms  %6.3f us/row over the scan\n", "PL/pgSQL, same formula, same signature", rr, (rr - rb) * 1000 / n
	printf "C vs PL/pgSQL (rows as values): %.1fx faster (whole query), %.1fx on the scoring itself\n", rr / cr, (rr - rb) / (cr - rb)
}'

case " ${SCORE_PARTS:-1 2} " in *" 2 "*) ;; *) exit 0 ;; esac
echo "== 2. threat-intel refresh touching 1% of exposures vs a full re-score"
CH=$(( CVES / 100 ))
bench_sql -c "COPY (SELECT 'CVE-2020-' || (10000 + g * 100), 0.97, 0.99 FROM generate_series(0, $CH - 1) g) TO '$W/epss_delta.csv' (FORMAT csv)"
{ echo "cve,epss,percentile"; cat "$W/epss_delta.csv"; } > "$W/epss_refresh.csv"
# a KEV catalog already loaded (one CVE in 1000), and the same catalog
# with 1% of the CVEs added
python3 - "$W/kev_base.json" "$W/kev.json" "$CH" "$CVES" <<'PY'
import json, sys
base_path, path, n, cves = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def entry(num):
    return {"cveID": "CVE-2020-%d" % num, "vendorProject": "Example", "product": "P",
            "vulnerabilityName": "x", "dateAdded": "2026-01-01", "shortDescription": "x",
            "requiredAction": "Patch.", "dueDate": "2026-01-22",
            "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": []}
base = [entry(10077 + g * 1000) for g in range(cves // 1000)]
added = [entry(10050 + g * 100) for g in range(n)]
json.dump({"catalogVersion": "2026.01.01", "count": len(base), "vulnerabilities": base}, open(base_path, "w"))
json.dump({"catalogVersion": "2026.01.02", "count": len(base) + n, "vulnerabilities": base + added}, open(path, "w"))
PY
chown postgres: "$W"/*
touched_epss=$(bench_sql -At -c "SELECT count(*) FROM ctem.exposure WHERE rule_id IN (SELECT 'CVE-2020-' || (10000 + g * 100) FROM generate_series(0, $CH - 1) g)")
# each timed run starts from the same state: the refresh is undone first
e_ms=$(bench_ms "SELECT * FROM ctem.load_epss(pg_read_file('$W/epss_full.csv')); SELECT * FROM ctem.load_epss(pg_read_file('$W/epss_refresh.csv'))")
bench_sql -c "SELECT * FROM ctem.load_kev(pg_read_file('$W/kev_base.json'))" >/dev/null
k_ms=$(bench_ms "SELECT * FROM ctem.load_kev(pg_read_file('$W/kev_base.json')); SELECT * FROM ctem.load_kev(pg_read_file('$W/kev.json'))")
f_ms=$(bench_ms "SELECT ctem.rescore()")
events=$(bench_sql -At -c "SELECT count(*) FROM ctem.exposure_event WHERE event = 'priority_changed'")
awk -v n="$ROWS" -v t="$touched_epss" -v e="$e_ms" -v k="$k_ms" -v f="$f_ms" -v ev="$events" 'BEGIN {
	printf "exposures of the changed CVEs: %d (%.2f%% of %d)\n", t, 100 * t / n, n
	printf "%-44s %9.1f ms\n", "full re-score, ctem.rescore()", f
	printf "%-44s %9.1f ms  = %.2f%% of the full re-score\n", "EPSS refresh (1% of CVEs changed)", e, 100 * e / f
	printf "%-44s %9.1f ms  = %.2f%% of the full re-score\n", "KEV refresh (1% of CVEs added to a catalog)", k, 100 * k / f
	printf "priority_changed events written over the run: %d\n", ev
}'
