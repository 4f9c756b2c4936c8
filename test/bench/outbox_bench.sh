#!/usr/bin/env bash
# test/bench/outbox_bench.sh: ticketing outbox claim throughput.  Run as root:
#   bash test/bench/outbox_bench.sh [ROWS] [BATCH]
#
# Fills ctem.outbox with ROWS rows (default 200000; a ready ticket each,
# written by ctem.outbox_write from ROWS new P1 exposures), then drains it
# with 1 consumer and, after resetting the rows, with 2 concurrent
# consumers.  Each consumer loops: ctem.outbox_claim(BATCH) in one
# transaction, ctem.outbox_ack of those ids in the next (default BATCH 100),
# as a real consumer does around its deliveries; each run builds the tickets
# (payloads are reset with the claims).  Prints rows/s for both
# and checks that no row was handed out twice (attempts = 1 everywhere).
set -eu
. "$(dirname "$0")/lib_bench.sh"
ROWS=${1:-200000}
BATCH=${2:-100}
bench_setup

echo "== writing $ROWS outbox rows"
bench_sql <<SQL
INSERT INTO ctem.team (name, ticket_project) VALUES ('web', 'WEB');
INSERT INTO ctem.asset (kind, natural_key, owner, criticality, internet_facing, crown_jewel)
VALUES ('host', 'shop.example.com', 'web', 5, true, true);
\timing on
INSERT INTO ctem.exposure (asset_id, rule_id, title, severity, cvss, exploit_maturity)
SELECT a.id, 'CVE-2026-' || g, 'finding ' || g, 'critical', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'high'
FROM ctem.asset a, generate_series(1, $ROWS) g;
\timing off
SELECT count(*) AS outbox_rows FROM ctem.outbox;
SQL

# one consumer: claim, commit, ack, commit, until empty
consumer() {
	bench_sql -At <<SQL
DO \$\$
DECLARE ids bigint[];
BEGIN
	LOOP
		SELECT array_agg(id) INTO ids FROM ctem.outbox_claim($BATCH, '$1');
		EXIT WHEN ids IS NULL;
		COMMIT;
		PERFORM ctem.outbox_ack(ids);
		COMMIT;
	END LOOP;
END
\$\$;
SQL
}

reset_rows() {
	bench_sql -c "UPDATE ctem.outbox SET claimed_at = NULL, claimed_by = NULL, delivered_at = NULL, attempts = 0, payload = NULL" \
		-c "VACUUM ANALYZE ctem.outbox"
}

for n in 1 2; do
	reset_rows
	start=$(date +%s.%N)
	for c in $(seq "$n"); do consumer "c$c" & done
	wait
	end=$(date +%s.%N)
	read -r delivered twice <<<"$(bench_sql -At -F ' ' -c "SELECT count(*) FILTER (WHERE delivered_at IS NOT NULL), count(*) FILTER (WHERE attempts > 1) FROM ctem.outbox")"
	awk -v n="$n" -v r="$delivered" -v t="$(echo "$end - $start" | bc)" -v tw="$twice" -v b="$BATCH" 'BEGIN {
		printf "%d consumer(s), batch %d: %d rows in %.2f s = %.0f rows/s; rows claimed more than once: %d\n", n, b, r, t, r / t, tw }'
	bench_sql -At -c "SELECT 'per consumer: ' || string_agg(claimed_by || ' ' || c, ', ' ORDER BY claimed_by) FROM (SELECT claimed_by, count(*) c FROM ctem.outbox GROUP BY 1) x"
done
