#!/usr/bin/env bash
# test/pgchroot.sh NN [demo]: ctem's PostgreSQL-dependent tests (pg_regress,
# isolation, TAP) on PostgreSQL NN, in a throwaway Debian chroot that has
# that version's own packages: 17 from Debian 13 (trixie), 18 from Debian 14
# (forky).  As root; test/check.sh calls it for every version of
# CTEM_PG_VERSIONS other than the machine's own.  With "demo", the main job
# (test/demo.sh) runs there instead, and its cluster is stopped after it.
#
# The chroot is made with debootstrap (minbase) from the machine's own
# Debian mirror under $CTEM_CHROOT_DIR (default /var/tmp/ctem-chroot/SUITE)
# and kept for the next run: it is made again when it is older than
# CTEM_CHROOT_DAYS days (default 7; forky moves) or its package list
# changed.  No service starts in it.  Each run copies the repository (and
# ../shared/corpus) into it, mounts /proc and a tmpfs on /dev/shm, runs
# test/check.sh there with CTEM_CHECK_SCOPE=pg, and unmounts again, ending
# whatever still runs inside.  The last line of output is
# "N passed, N failed".
set -u
v=${1:?usage: pgchroot.sh 17|18 [demo]}
what=${2:-check}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case "$v" in
	17) suite=trixie ;;
	18) suite=forky ;;
	*)
		echo "pgchroot.sh: no Debian suite this script knows ships PostgreSQL $v (17: trixie, 18: forky)"
		echo "0 passed, 1 failed"
		exit 1 ;;
esac
base=${CTEM_CHROOT_DIR:-/var/tmp/ctem-chroot}
C=$base/$suite
log=$base/$suite.log
packages="postgresql-$v postgresql-server-dev-$v postgresql-client-$v libjansson-dev libipc-run-perl pkg-config make gcc perl python3"
mkdir -p "$base"

fail() {
	echo "pgchroot.sh: $1 (log: $log)"
	[ -f "$log" ] && tail -n 20 "$log"
	echo "0 passed, 1 failed"
	exit 1
}

# the machine's Debian mirror (deb822 sources first, then sources.list)
mirror() {
	local m
	m=$(sed -n 's|^URIs: *\([^ ]*debian\)/*$|\1|p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
	[ -z "$m" ] && m=$(sed -n 's|^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*debian\)/* .*|\2|p' /etc/apt/sources.list 2>/dev/null | head -n 1)
	echo "${m:-http://deb.debian.org/debian}"
}

# end what still runs inside the chroot, then unmount
release() {
	local p mnt
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$C" ] && kill -TERM "${p#/proc/}" 2>/dev/null
	done
	sleep 1
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$C" ] && kill -KILL "${p#/proc/}" 2>/dev/null
	done
	for mnt in dev/shm proc; do
		mountpoint -q "$C/$mnt" 2>/dev/null && umount "$C/$mnt"
	done
	return 0
}

fresh() {
	[ -f "$C/.ctem-ready" ] && [ "$(cat "$C/.ctem-ready")" = "$packages" ] &&
		[ -z "$(find "$C/.ctem-ready" -mtime +"${CTEM_CHROOT_DAYS:-7}")" ]
}

make_chroot() {
	local m script
	m=$(mirror)
	if ! command -v debootstrap >/dev/null; then
		apt-get update -qq >>"$log" 2>&1
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >>"$log" 2>&1 ||
			return 1
	fi
	release
	rm -rf "$C"
	# Debian 12's debootstrap has no script for forky: sid's fits any suite
	script=/usr/share/debootstrap/scripts/$suite
	[ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
	echo "== debootstrap $suite from $m" >>"$log"
	debootstrap --variant=minbase "$suite" "$C" "$m" "$script" >>"$log" 2>&1 || return 1
	echo "deb $m $suite main" >"$C/etc/apt/sources.list"
	# a frozen mirror's testing Release files may be past their Valid-Until
	echo 'Acquire::Check-Valid-Until "false";' >"$C/etc/apt/apt.conf.d/99ctem"
	# no service starts in the chroot, and no cluster is made by the packages
	printf '#!/bin/sh\nexit 101\n' >"$C/usr/sbin/policy-rc.d"
	chmod +x "$C/usr/sbin/policy-rc.d"
	mkdir -p "$C/etc/postgresql-common"
	echo "create_main_cluster = false" >"$C/etc/postgresql-common/createcluster.conf"
	mount -t proc proc "$C/proc" || return 1
	chroot "$C" apt-get update -qq >>"$log" 2>&1 &&
		chroot "$C" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $packages >>"$log" 2>&1 &&
		chroot "$C" apt-get clean >>"$log" 2>&1
	local rc=$?
	umount "$C/proc"
	[ $rc -eq 0 ] || return 1
	echo "$packages" >"$C/.ctem-ready"
}

: >"$log"
if ! fresh; then
	echo "== making the $suite chroot for PostgreSQL $v in $C"
	start=$(date +%s)
	make_chroot || { release; fail "could not make the $suite chroot"; }
	echo "   made in $(($(date +%s) - start)) s"
fi

trap release EXIT
rm -rf "$C/build"
mkdir -p "$C/build/ctem"
tar -C "$ROOT" --exclude=./.git --exclude='*.o' --exclude='*.bc' --exclude='*.so' \
	--exclude=./results --exclude=./output_iso --exclude=./test/bin \
	--exclude=./test/fuzz/bin --exclude=./test/fuzz/work -cf - . | tar -C "$C/build/ctem" -xf -
if [ -d "$ROOT/../shared/corpus" ]; then
	mkdir -p "$C/build/shared"
	cp -r "$ROOT/../shared/corpus" "$C/build/shared/"
fi
mount -t proc proc "$C/proc" || fail "could not mount /proc in $C"
mount -t tmpfs -o mode=1777,nosuid,nodev,size=1g shm "$C/dev/shm" || fail "could not mount /dev/shm in $C"
chroot "$C" make -s -C /build/ctem clean PG_CONFIG=/usr/lib/postgresql/$v/bin/pg_config >/dev/null 2>&1
run() {
	chroot "$C" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
		PG_CONFIG=/usr/lib/postgresql/$v/bin/pg_config CTEM_CHECK_SCOPE=pg "$@" 2>&1
}
if [ "$what" = demo ]; then
	run bash /build/ctem/test/demo.sh
	rc=$?
	run bash /build/ctem/test/demo.sh stop >/dev/null
	exit $rc
fi
run bash /build/ctem/test/check.sh
