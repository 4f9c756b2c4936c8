#!/usr/bin/env bash
# test/bench/sha256_bench.sh [N]: the exposure fingerprint's hash, ctem's
# retired hand-written SHA-256 (from commit cfadc9c) against OpenSSL's EVP
# as PostgreSQL's pg_cryptohash drives it, N fingerprints each (default 2M),
# three rounds.  The figures behind "fingerprints use pg_cryptohash"
# (docs/performance.md).  Needs libssl-dev and this repository's history.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:-2000000}
dpkg-query -W -f='${Status}' libssl-dev 2>/dev/null | grep -q "install ok installed" || \
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libssl-dev >/dev/null; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
git -C "$ROOT" show cfadc9c:src/sha256_core.c >"$W/sha256_core.c"
git -C "$ROOT" show cfadc9c:src/sha256_core.h >"$W/sha256_core.h"
gcc -std=gnu99 -O2 -I"$W" "$ROOT/test/bench/sha256_bench.c" "$W/sha256_core.c" -lcrypto -o "$W/sha256_bench"
for round in 1 2 3; do
	echo "== round $round"
	"$W/sha256_bench" "$n"
done
