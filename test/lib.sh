# test/lib.sh: shared steps of test/check.sh and test/demo.sh (sourced).
#
# ctem_packages   installs the Debian packages ctem needs (apt-get, as root)
# ctem_build      builds and installs the extension into PostgreSQL 15
# ctem_start DIR  initdb + start a throwaway cluster in DIR as user postgres,
#                 socket in DIR, TCP off; exports PGHOST PGPORT PGUSER;
#                 $CTEM_PG_OPTS adds server options ("-c name=value ...")
# ctem_stop DIR   stops it

CTEM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGC=/usr/lib/postgresql/15/bin/pg_config
PGBIN=/usr/lib/postgresql/15/bin
CTEM_CFLAGS="-Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers"
CTEM_PACKAGES="postgresql-15 postgresql-server-dev-15 postgresql-client-15 libjansson-dev libipc-run-perl pkg-config make gcc clang-14 llvm-14 libclang-rt-14-dev python3"

ctem_require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "ctem: run this as root (it installs Debian packages and runs PostgreSQL as the postgres user)" >&2
		exit 2
	fi
}

ctem_packages() {
	local need=() p
	for p in $CTEM_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
	done
	if [ ${#need[@]} -gt 0 ]; then
		echo "== installing Debian packages: ${need[*]}"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
	fi
}

ctem_build() {
	echo "== building and installing ctem"
	make -C "$CTEM_ROOT" -s -j2 PG_CONFIG=$PGC PG_CFLAGS="$CTEM_CFLAGS" >/dev/null
	make -C "$CTEM_ROOT" -s PG_CONFIG=$PGC install >/dev/null
}

ctem_start() {
	local d=$1
	mkdir -p "$d"
	chown postgres: "$d"
	if [ ! -d "$d/data" ]; then
		runuser -u postgres -- $PGBIN/initdb -D "$d/data" -A trust -U postgres -E UTF8 \
			--locale=C.UTF-8 --no-sync >"$d/initdb.log" 2>&1 \
			|| { cat "$d/initdb.log"; return 1; }
	fi
	if ! runuser -u postgres -- $PGBIN/pg_ctl -D "$d/data" status >/dev/null 2>&1; then
		runuser -u postgres -- $PGBIN/pg_ctl -D "$d/data" -l "$d/server.log" -w \
		-o "-c listen_addresses='' -k $d -p 5432 -c fsync=off ${CTEM_PG_OPTS:-}" start >/dev/null \
		|| { cat "$d/server.log"; return 1; }
	fi
	export PGHOST=$d PGPORT=5432 PGUSER=postgres
}

ctem_stop() {
	local d=$1
	[ -f "$d/data/postmaster.pid" ] && \
		runuser -u postgres -- $PGBIN/pg_ctl -D "$d/data" -m fast stop >/dev/null 2>&1
	return 0
}
