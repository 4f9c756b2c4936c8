#!/usr/bin/env python3
# test/bench/gen_graph.py: a deterministic enterprise-shaped attack graph for
# test/bench/graph_bench.sh, written as CSV files for COPY.
#
#   python3 test/bench/gen_graph.py -n ASSETS -m EDGES -o DIR [--seed S]
#
# Writes DIR/assets.csv    (id, kind, natural_key, internet_facing,
#                           crown_jewel, tags, criticality)
#        DIR/edges.csv     (id, source_asset_id, target_asset_id, kind,
#                           probability, exploit_required)
#        DIR/intel.csv     (cve_id, kev, epss)
#        DIR/exposures.csv (asset_id, rule_id, component, severity,
#                           exploit_maturity, status)
#        DIR/summary.txt   what was generated, one "name value" a line
#
# The shape (fractions of ASSETS):
#   - tiers: DMZ 3% (internet_facing, the entry points), application
#     servers 20%, databases 6%, domain controllers (N/5000, at least 2),
#     jump hosts (N/1000, at least 2: hubs), the rest workstations; one
#     workstation in 500 is tagged entry_point (phishable);
#   - segments of about 500 assets; every asset but the DCs belongs to
#     one, and about 88% of the edges stay inside their source's segment;
#   - crown jewels: every 50th database and every domain controller;
#   - edges by rule (share of EDGES): DMZ -> app (network, exploit), app
#     -> app (network, exploit), app -> DB (network with exploit, or
#     credential without), DB -> DB (trust, replication), app -> app host
#     (runs_on), workstation -> workstation (lateral, half need an
#     exploit), workstation -> app, workstation -> jump host (credential),
#     jump host -> servers anywhere (credential: a hub), app -> DC (a
#     service account), DC -> servers (trust: a hub), DMZ -> workstation
#     (phishing foothold), other;
#   - exposures: about 1.8 per asset on average (90% of the servers
#     with 1-6, half the workstations with 1-4), on a pool of 5000 CVEs,
#     3% of them in KEV and 85% with an EPSS score (skewed low); exploit
#     maturity mixed; 8% fixed, 5% in_progress, the rest open.
# Random numbers come from Python's Mersenne Twister with a fixed seed, so
# the same arguments always give the same files.
import argparse
import os
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, required=True, help="assets")
    ap.add_argument("-m", type=int, required=True, help="edges")
    ap.add_argument("-o", required=True, help="output directory")
    ap.add_argument("--seed", type=int, default=23)
    a = ap.parse_args()
    n, m = a.n, a.m
    rng = random.Random(a.seed)
    rnd = rng.random
    rint = rng.randrange
    os.makedirs(a.o, exist_ok=True)

    ndmz = max(2, n * 3 // 100)
    napp = max(2, n * 20 // 100)
    ndb = max(2, n * 6 // 100)
    ndc = max(2, n // 5000)
    njump = max(2, n // 1000)
    nws = n - ndmz - napp - ndb - ndc - njump
    assert nws > 0
    # ids 1..n, tier by tier
    dmz0 = 1
    app0 = dmz0 + ndmz
    db0 = app0 + napp
    dc0 = db0 + ndb
    jump0 = dc0 + ndc
    ws0 = jump0 + njump
    nseg = max(1, n // 500)

    # the segment of each non-DC asset: tiers spread round robin, so a
    # segment holds DMZ, app, DB, jump and workstation assets alike
    def seg_of(i, first):
        return (i - first) % nseg

    # the members of each tier in a segment: tier first + seg + k * nseg
    def pick_in(first, count, seg):
        per = (count - seg + nseg - 1) // nseg
        if per <= 0:
            return first + rint(count)
        return first + seg + nseg * rint(per)

    def pick(first, count):
        return first + rint(count)

    def local(first, count, seg, share=0.88):
        return pick_in(first, count, seg) if rnd() < share else pick(first, count)

    jewels = 0
    with open(os.path.join(a.o, "assets.csv"), "w") as f:
        for i in range(1, n + 1):
            tags = "{}"
            crit = 3
            inet = "f"
            jewel = "f"
            if i < app0:
                kind, key, inet, crit = "web_app", "https://dmz-%d.acme.example" % i, "t", 3
            elif i < db0:
                kind, key, crit = "host", "app-%d.acme.internal" % i, 3
            elif i < dc0:
                kind, key, crit = "database", "db-%d.acme.internal" % i, 4
                if (i - db0) % 50 == 0:
                    jewel, crit = "t", 5
            elif i < jump0:
                kind, key, jewel, crit = "host", "dc-%d.acme.internal" % i, "t", 5
            elif i < ws0:
                kind, key, crit = "host", "jump-%d.acme.internal" % i, 4
                tags = "{jump_host}"
            else:
                kind, key, crit = "host", "ws-%d.acme.internal" % i, 2
                if (i - ws0) % 500 == 250:
                    tags = "{entry_point}"
            if jewel == "t":
                jewels += 1
            f.write("%d,%s,%s,%s,%s,%s,%d\n" % (i, kind, key, inet, jewel, tags, crit))

    # edge rules: (share, generator returning (src, dst, kind, p, exploit))
    def dmz_app():
        s = pick(dmz0, ndmz)
        return s, local(app0, napp, seg_of(s, dmz0)), "network", 0.5 + 0.5 * rnd(), rnd() < 0.9

    def app_app():
        s = pick(app0, napp)
        return s, local(app0, napp, seg_of(s, app0)), "network", 0.3 + 0.6 * rnd(), rnd() < 0.8

    def app_db():
        s = pick(app0, napp)
        d = local(db0, ndb, seg_of(s, app0))
        if rnd() < 0.6:
            return s, d, "network", 0.4 + 0.5 * rnd(), True
        return s, d, "credential", 0.2 + 0.6 * rnd(), False

    def db_db():
        s = pick(db0, ndb)
        return s, local(db0, ndb, seg_of(s, db0)), "trust", 0.3 + 0.5 * rnd(), False

    def runs_on():
        s = pick(app0, napp)
        return s, pick_in(app0, napp, seg_of(s, app0)), "runs_on", 1.0, False

    def ws_ws():
        s = pick(ws0, nws)
        return s, local(ws0, nws, seg_of(s, ws0), 0.95), "lateral", 0.1 + 0.4 * rnd(), rnd() < 0.5

    def ws_app():
        s = pick(ws0, nws)
        return s, local(app0, napp, seg_of(s, ws0)), "network", 0.1 + 0.5 * rnd(), rnd() < 0.85

    def ws_jump():
        s = pick(ws0, nws)
        return s, local(jump0, njump, seg_of(s, ws0)), "credential", 0.05 + 0.3 * rnd(), False

    def jump_srv():
        s = pick(jump0, njump)
        return s, pick(app0, napp + ndb), "credential", 0.5 + 0.4 * rnd(), False

    def app_dc():
        return pick(app0, napp), pick(dc0, ndc), "credential", 0.02 + 0.2 * rnd(), False

    def dc_srv():
        return pick(dc0, ndc), pick(app0, napp + ndb + njump), "trust", 0.9, False

    def dmz_ws():
        s = pick(dmz0, ndmz)
        return s, pick(ws0, nws), "network", 0.1 + 0.2 * rnd(), True

    def other():
        s = pick(app0, n - app0 + 1)
        return s, pick(app0, n - app0 + 1), "other", 0.05 + 0.3 * rnd(), rnd() < 0.5

    rules = [(0.05, dmz_app), (0.22, app_app), (0.10, app_db), (0.04, db_db),
             (0.03, runs_on), (0.30, ws_ws), (0.12, ws_app), (0.03, ws_jump),
             (0.04, jump_srv), (0.004, app_dc), (0.02, dc_srv), (0.002, dmz_ws)]
    rules.append((1.0 - sum(s for s, _ in rules), other))
    kinds = ["network", "credential", "trust", "lateral", "runs_on", "other"]
    seen = set()
    eid = 0
    exploit_edges = 0
    with open(os.path.join(a.o, "edges.csv"), "w") as f:
        for r, (share, gen) in enumerate(rules):
            want = m - eid if r == len(rules) - 1 else int(round(share * m))
            got = 0
            tries = 0
            while got < want and tries < want * 20:
                tries += 1
                s, d, kind, p, ex = gen()
                if s == d:
                    continue
                key = (s * (n + 1) + d) * 8 + kinds.index(kind)
                if key in seen:
                    continue
                seen.add(key)
                eid += 1
                got += 1
                exploit_edges += ex
                f.write("%d,%d,%d,%s,%.6f,%s\n" % (eid, s, d, kind, p, "t" if ex else "f"))

    ncve = 5000
    with open(os.path.join(a.o, "intel.csv"), "w") as f:
        for c in range(ncve):
            kev = "t" if rnd() < 0.03 else "f"
            epss = "" if rnd() < 0.15 else "%.5f" % (rnd() ** 6)
            f.write("CVE-2024-%d,%s,%s\n" % (10000 + c, kev, epss))

    nexp = 0
    maturities = ["unknown"] * 50 + ["unproven"] * 15 + ["poc"] * 20 + ["functional"] * 10 + ["high"] * 5
    severities = ["low"] * 25 + ["medium"] * 40 + ["high"] * 25 + ["critical"] * 10
    with open(os.path.join(a.o, "exposures.csv"), "w") as f:
        for i in range(1, n + 1):
            server = app0 <= i < ws0 or i < app0
            share = 0.9 if server else 0.5
            if rnd() >= share:
                continue
            k = 1 + rint(6 if server else 4)
            for j in range(k):
                st = rnd()
                status = "fixed" if st < 0.08 else "in_progress" if st < 0.13 else "open"
                f.write("%d,CVE-2024-%d,pkg%d,%s,%s,%s\n" % (
                    i, 10000 + rint(ncve), j, severities[rint(100)],
                    maturities[rint(100)], status))
                nexp += 1

    with open(os.path.join(a.o, "summary.txt"), "w") as f:
        f.write("assets %d\nedges %d\nexploit_edges %d\nexposures %d\nentries %d\njewels %d\n"
                "segments %d\ndmz %d\napp %d\ndb %d\ndc %d\njump %d\nworkstations %d\n"
                % (n, eid, exploit_edges, nexp, ndmz + len(range(250, nws, 500)), jewels,
                   nseg, ndmz, napp, ndb, ndc, njump, nws))


if __name__ == "__main__":
    main()
