# test/lib.sh: shared steps of test/check.sh and test/demo.sh (sourced).
#
# The PostgreSQL used is the one $PG_CONFIG names (default: the machine's own,
# /usr/lib/postgresql/15/bin/pg_config on Debian 12); Debian's layout,
# /usr/lib/postgresql/NN/bin/pg_config, names the packages to install before
# pg_config exists.
#
# ctem_packages   installs the Debian packages ctem needs (apt-get, as root)
# ctem_build      builds and installs the extension into that PostgreSQL
# ctem_start DIR  initdb + start a throwaway cluster in DIR as user postgres,
#                 socket in DIR, TCP off; exports PGHOST PGPORT PGUSER;
#                 $CTEM_PG_OPTS adds server options ("-c name=value ...")
# ctem_stop DIR   stops it

CTEM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGC=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PG_MAJOR=$(echo "$PGC" | sed -n 's|^.*/postgresql/\([0-9][0-9]*\)/bin/pg_config$|\1|p')
if [ -z "$PG_MAJOR" ]; then
	PG_MAJOR=$("$PGC" --version | sed 's/^PostgreSQL \([0-9]*\).*/\1/')
fi
PGBIN=$(dirname "$PGC")
CTEM_CFLAGS="-Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers"
CTEM_PACKAGES="postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR postgresql-client-$PG_MAJOR libjansson-dev libipc-run-perl pkg-config make gcc python3"
# test/fuzz/run.sh's toolchain, packaged under these names on Debian 12
if grep -q '^VERSION_CODENAME=bookworm$' /etc/os-release 2>/dev/null; then
	CTEM_PACKAGES="$CTEM_PACKAGES clang-14 llvm-14 libclang-rt-14-dev"
fi

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
	# a warning fails the build, and the install must not rebuild without it
	make -C "$CTEM_ROOT" -s -j2 PG_CONFIG=$PGC PG_CFLAGS="$CTEM_CFLAGS" >/dev/null &&
		make -C "$CTEM_ROOT" -s PG_CONFIG=$PGC PG_CFLAGS="$CTEM_CFLAGS" install >/dev/null
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
