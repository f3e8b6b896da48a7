#!/bin/sh
# check-fresh.sh - README's promise on a pristine Debian 12, and the
# packages and the Dockerfile there. Run as root by `make check-fresh`.
#
# The pristine system is what `debootstrap --variant=minbase` makes, plus
# what a container or cloud image has: /etc/hosts and /etc/resolv.conf,
# apt sources for the release and its updates (the mirrors this machine's
# apt uses, read from `apt-cache policy`; DEBIAN_MIRROR overrides the main
# one). Nothing else: each check below starts from a new copy of it.
#
#   readme   a git clone of this checkout's HEAD in /root/sonarbadge (as a
#            user would clone it: /root is mode 0700), `apt-get install
#            make`, then README's two commands, `make demo` and `make
#            test`, as root; then the libsonarbadge0 and libsonarbadge-dev
#            packages installed there build examples/get_token.c with
#            pkg-config and it reads a token from the stand-in.
#   deb      `apt-get install ./…deb` of the packages of `make deb` (from
#            DEB_DIR), `sonarbadge --version`, its man page and bash
#            completion in place, and a token read and renewal against the
#            stand-in (tests/standin, run on this machine's loopback, which
#            the chroot shares).
#   docker   the build stage of examples/Dockerfile replayed as a script
#            (scripts/dockerfile-stages.py: WORKDIR, COPY . ., RUN), then
#            the final stage's files copied into an empty root, run there
#            as its USER: --version, a token read, and the CA bundle found.
#
# Every check prints "ok NAME" or "FAIL NAME: why"; the last line is
# "N passed, N failed". Exit 0 only when every check passed.
#
# The base root is cached as a tarball in FRESH_CACHE (default
# /var/cache/sonarbadge-fresh, outside the checkout so that CI's fresh
# clones reuse it), one per release and architecture, rebuilt when older
# than FRESH_MAX_AGE_DAYS (30) or with FRESH_REFRESH=1. Downloaded .deb
# files are kept in FRESH_CACHE/archives (apt checks them against the
# signed index before use). The roots live in FRESH_WORK (default
# build/fresh) and are removed at the end unless FRESH_KEEP=1.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SUITE=${FRESH_SUITE:-bookworm}
CACHE=${FRESH_CACHE:-/var/cache/sonarbadge-fresh}
WORK=${FRESH_WORK:-$ROOT/build/fresh}
DEB_DIR=${DEB_DIR:-$ROOT/build/deb}
MAX_AGE=${FRESH_MAX_AGE_DAYS:-30}
CHECKS=${FRESH_CHECKS:-readme deb docker}
TIMEOUT=${FRESH_TIMEOUT:-3600} # seconds, for each command run in a root
ARCH=$(dpkg --print-architecture)
BASE="$CACHE/debian-$SUITE-minbase-$ARCH.tar"
PATH_IN=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

die() { echo "check-fresh: $*" >&2; exit 2; }
say() { echo "== $*"; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mount)"
for tool in git python3 openssl tar chroot; do
	command -v "$tool" >/dev/null 2>&1 || die "needs $tool"
done
case "$WORK" in /*) ;; *) WORK="$ROOT/$WORK" ;; esac
case "$DEB_DIR" in /*) ;; *) DEB_DIR="$ROOT/$DEB_DIR" ;; esac

# ---- mounts, processes and clean-up --------------------------------------
STANDIN_PID=""
cleanup() {
	set +e
	[ -n "$STANDIN_PID" ] && kill "$STANDIN_PID" 2>/dev/null && wait "$STANDIN_PID" 2>/dev/null
	for r in "$WORK"/root-*; do
		[ -d "$r" ] && stop_root "$r"
	done
	if [ "${FRESH_KEEP:-0}" != 1 ]; then
		for r in "$WORK"/root-* "$WORK"/scratch; do
			[ -d "$r" ] || continue
			if grep -q " $r/" /proc/self/mounts; then
				echo "check-fresh: $r still has mounts; not removed" >&2
			else
				rm -rf "$r"
			fi
		done
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# mount_root DIR: what a container has mounted (/proc, /dev with
# /dev/pts and /dev/shm, /sys) and apt's download cache.
mount_root() {
	mount -t proc proc "$1/proc"
	mount --rbind /dev "$1/dev"
	mount --make-rslave "$1/dev"
	mount -t sysfs -o ro sysfs "$1/sys"
	mkdir -p "$CACHE/archives/partial"
	mount --bind "$CACHE/archives" "$1/var/cache/apt/archives"
}

# stop_root DIR: end the processes running in DIR (left by a test or a
# service a package started), then unmount everything under it.
stop_root() {
	[ -d "$1" ] || return 0
	_sr=$(cd "$1" && pwd -P)
	for _p in /proc/[0-9]*; do
		[ "$(readlink "$_p/root" 2>/dev/null)" = "$_sr" ] && kill -9 "${_p#/proc/}" 2>/dev/null
	done
	awk -v r="$_sr" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts |
		sort -r | while read -r m; do
			umount -R "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
		done
}

# in_root DIR COMMAND: run a shell command in DIR as root, with the clean
# environment of a container's root shell.
in_root() {
	timeout "$TIMEOUT" chroot "$1" /usr/bin/env -i HOME=/root PATH="$PATH_IN" TERM=dumb \
		/bin/sh -c "$2"
}

# ---- the cached base ------------------------------------------------------
# The mirror apt uses here for SUITE (and SUITE-updates, SUITE-security).
mirror_of() {
	apt-cache policy 2>/dev/null | awk -v s="$1/main" '$3 == s { print $2; exit }'
}

make_base() {
	sh "$ROOT/scripts/install-deps.sh" debootstrap
	main_mirror=${DEBIAN_MIRROR:-$(mirror_of "$SUITE")}
	[ -n "$main_mirror" ] || die "apt has no $SUITE/main source here; set DEBIAN_MIRROR"
	say "debootstrap --variant=minbase $SUITE $main_mirror (cached in $BASE)"
	tmp="$WORK/base.tmp"
	rm -rf "$tmp"
	mkdir -p "$tmp" "$CACHE"
	debootstrap --variant=minbase "$SUITE" "$tmp" "$main_mirror" >"$WORK/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$WORK/debootstrap.log"; die "debootstrap failed"; }
	{
		echo "deb $main_mirror $SUITE main"
		for s in "$SUITE-updates" "$SUITE-security"; do
			m=$(mirror_of "$s")
			[ -n "$m" ] && echo "deb $m $s main"
		done
	} >"$tmp/etc/apt/sources.list"
	# As an image is shipped: no package lists, no downloaded packages, no
	# host name or resolver of the machine that made it.
	rm -rf "$tmp"/var/lib/apt/lists/* "$tmp"/var/cache/apt/archives/*.deb
	rm -f "$tmp/etc/hostname" "$tmp/etc/resolv.conf"
	# Written aside and renamed: a concurrent run never reads half a file.
	tar -C "$tmp" -cf "$BASE.$$.tmp" .
	mv "$BASE.$$.tmp" "$BASE"
	rm -rf "$tmp"
}

# new_root NAME: a fresh copy of the base in WORK/root-NAME; prints its path.
new_root() {
	_nr="$WORK/root-$1"
	stop_root "$_nr"
	rm -rf "$_nr"
	mkdir -p "$_nr"
	tar -C "$_nr" -xf "$BASE"
	cp /etc/resolv.conf "$_nr/etc/resolv.conf"
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$_nr/etc/hosts"
	echo fresh >"$_nr/etc/hostname"
	mount_root "$_nr"
	echo "$_nr"
}

# ---- checks ---------------------------------------------------------------
PASSED=0
FAILED=0
ok() { echo "ok $1"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL $1: $2"; FAILED=$((FAILED + 1)); }
# check NAME LOG COMMAND...: run, log to WORK/NAME.log, count.
check() {
	name=$1
	shift
	t0=$(date +%s)
	if "$@" >"$WORK/$name.log" 2>&1; then
		ok "$name ($(($(date +%s) - t0)) s)"
	else
		fail "$name" "exit $? after $(($(date +%s) - t0)) s; last lines of $WORK/$name.log:"
		tail -n 25 "$WORK/$name.log" | sed 's/^/    /'
		return 1
	fi
}

# The stand-in on this machine's loopback, with a CA made for the run and
# one project; STANDIN_URL, STANDIN_DIR (ca.pem, token).
start_standin() {
	[ -n "$STANDIN_PID" ] && return 0
	STANDIN_DIR="$WORK/standin"
	rm -rf "$STANDIN_DIR"
	mkdir -p "$STANDIN_DIR"
	bash "$ROOT/tests/standin/gen_certs.sh" "$STANDIN_DIR/certs" >/dev/null 2>&1
	printf 'squ_fresh%s\n' "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" >"$STANDIN_DIR/token"
	chmod 600 "$STANDIN_DIR/token"
	cat >"$STANDIN_DIR/config.json" <<JSON
{"users": {"$(cat "$STANDIN_DIR/token")": {"login": "fresh", "admin_projects": ["*"],
           "browse_projects": ["*"]}},
 "projects": [{"key": "fresh:app"}], "force_authentication": true}
JSON
	python3 "$ROOT/tests/standin/sonar_standin.py" --config "$STANDIN_DIR/config.json" \
		--port 0 --port-file "$STANDIN_DIR/port" \
		--cert "$STANDIN_DIR/certs/server.pem" --key "$STANDIN_DIR/certs/server.key" \
		>"$STANDIN_DIR/log" 2>&1 &
	STANDIN_PID=$!
	i=0
	while [ ! -s "$STANDIN_DIR/port" ]; do
		i=$((i + 1))
		[ $i -gt 150 ] && die "the stand-in did not start"
		sleep 0.1
	done
	STANDIN_URL="https://localhost:$(cat "$STANDIN_DIR/port")"
}

# The token the stand-in holds for fresh:app.
standin_token() {
	python3 - "$STANDIN_DIR/port" <<'PY'
import json, ssl, sys, urllib.request
port = open(sys.argv[1]).read().strip()
ctx = ssl._create_unverified_context()
with urllib.request.urlopen("https://127.0.0.1:%s/_standin/stats" % port, context=ctx,
                            timeout=10) as r:
    print(json.load(r)["tokens"].get("fresh:app") or "")
PY
}

# token_matches FILE: the last line of FILE is the stand-in's token of
# fresh:app.
token_matches() {
	got=$(tail -n 1 "$1")
	want=$(standin_token)
	if [ -z "$want" ] || [ "$got" != "$want" ]; then
		echo "got '$got', the stand-in has '$want'"
		return 1
	fi
}

# summary_of LOG: the suite's last "N passed, N failed" line in LOG.
summary_of() {
	grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1 | grep . ||
		echo "no summary line; last line: $(tail -n 1 "$1")"
}

check_readme() {
	say "readme: git clone of HEAD, make demo, make test (as README says)"
	r=$(new_root readme)
	git clone -q --no-local "$ROOT" "$r/root/sonarbadge"
	echo "   testing commit $(git -C "$r/root/sonarbadge" rev-parse --short HEAD)"
	check readme-make in_root "$r" "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends make" || return 0
	check readme-make-demo in_root "$r" "cd /root/sonarbadge && make demo" || true
	t0=$(date +%s)
	if in_root "$r" "cd /root/sonarbadge && make test" >"$WORK/readme-make-test.log" 2>&1; then
		ok "readme-make-test ($(($(date +%s) - t0)) s): $(summary_of "$WORK/readme-make-test.log")"
	else
		fail readme-make-test "exit $? after $(($(date +%s) - t0)) s: $(summary_of "$WORK/readme-make-test.log")"
		grep -E '^(FAIL|SKIP)' "$WORK/readme-make-test.log" | head -n 20 | sed 's/^/    /'
	fi
	# The -dev package: the example builds with pkg-config against the
	# installed shared library (the root has a compiler by now).
	if ls "$DEB_DIR"/libsonarbadge0_*.deb "$DEB_DIR"/libsonarbadge-dev_*.deb >/dev/null 2>&1; then
		mkdir -p "$r/tmp/debs"
		cp "$DEB_DIR"/libsonarbadge0_*.deb "$DEB_DIR"/libsonarbadge-dev_*.deb "$r/tmp/debs/"
		start_standin
		cp "$STANDIN_DIR/certs/ca.pem" "$r/tmp/ca.pem"
		if check readme-dev-package in_root "$r" "set -e
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends /tmp/debs/*.deb pkg-config
			cd /root/sonarbadge
			cc -o /tmp/get_token examples/get_token.c \$(pkg-config --cflags --libs sonarbadge)
			SONAR_TOKEN='$(cat "$STANDIN_DIR/token")' /tmp/get_token $STANDIN_URL fresh:app /tmp/ca.pem >/tmp/get_token.out
			cat /tmp/get_token.out"; then
			check readme-dev-token token_matches "$r/tmp/get_token.out" || true
		fi
	else
		fail readme-dev-package "no libsonarbadge packages in $DEB_DIR (make deb)"
	fi
	stop_root "$r"
}

check_deb() {
	say "deb: apt-get install ./sonarbadge_*.deb, --version, a token read"
	if ! ls "$DEB_DIR"/sonarbadge_*.deb >/dev/null 2>&1; then
		fail deb-install "no sonarbadge_*.deb in $DEB_DIR (make deb)"
		return 0
	fi
	r=$(new_root deb)
	mkdir -p "$r/tmp/debs"
	cp "$DEB_DIR"/sonarbadge_*.deb "$r/tmp/debs/"
	check deb-install in_root "$r" "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends /tmp/debs/sonarbadge_*.deb" || return 0
	check deb-version in_root "$r" "sonarbadge --version | grep '^sonarbadge [0-9]'" || true
	check deb-docs in_root "$r" "test -s /usr/share/man/man1/sonarbadge.1.gz && test -s /usr/share/bash-completion/completions/sonarbadge" || true
	start_standin
	cp "$STANDIN_DIR/certs/ca.pem" "$r/tmp/ca.pem"
	install -m 600 "$STANDIN_DIR/token" "$r/tmp/token"
	sb="sonarbadge --url $STANDIN_URL --cacert /tmp/ca.pem --token-file /tmp/token"
	if check deb-token in_root "$r" "$sb token fresh:app >/tmp/token.out"; then
		check deb-token-is-the-servers token_matches "$r/tmp/token.out" || true
	fi
	if check deb-renew in_root "$r" "$sb renew fresh:app >/tmp/renew.out"; then
		check deb-renewed-token-is-the-servers token_matches "$r/tmp/renew.out" || true
	fi
	stop_root "$r"
}

check_docker() {
	say "docker: examples/Dockerfile's build stage as a script, then its final stage"
	dockerfile="$ROOT/examples/Dockerfile"
	python3 "$ROOT/scripts/dockerfile-stages.py" "$dockerfile" build >"$WORK/docker-build.sh" ||
		{ fail docker-parse "scripts/dockerfile-stages.py could not replay $dockerfile"; return 0; }
	python3 "$ROOT/scripts/dockerfile-stages.py" "$dockerfile" final >"$WORK/docker-final.txt" ||
		{ fail docker-parse "scripts/dockerfile-stages.py could not read the final stage"; return 0; }
	r=$(new_root docker)
	# The build context: the committed tree (Dockerfile.dockerignore keeps
	# .git and build folders out of it).
	mkdir -p "$r/context"
	git -C "$ROOT" archive HEAD | tar -x -C "$r/context"
	cp "$WORK/docker-build.sh" "$r/docker-build.sh"
	check docker-build-stage in_root "$r" "CONTEXT=/context sh /docker-build.sh" || return 0
	s="$WORK/scratch"
	rm -rf "$s"
	mkdir -p "$s/etc" "$s/tmp"
	user=0:0
	entry=""
	while read -r what a b c; do
		case $what in
		copy)
			mkdir -p "$s$(dirname "$c")"
			cp "$r$b" "$s$c" || { fail docker-final-stage "COPY --from=$a $b: not in the build stage"; return 0; }
			;;
		user) user=$a ;;
		entrypoint) entry=$a ;;
		esac
	done <"$WORK/docker-final.txt"
	# What Docker adds at run time.
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$s/etc/hosts"
	chmod 1777 "$s/tmp"
	[ -n "$entry" ] || { fail docker-final-stage "no ENTRYPOINT"; return 0; }
	ok "docker-final-stage (the image's files: $(cd "$s" && find . -type f | sort | tr '\n' ' '))"
	check docker-version chroot --userspec="$user" "$s" "$entry" --version || true
	start_standin
	cp "$STANDIN_DIR/certs/ca.pem" "$s/tmp/ca.pem"
	chmod 644 "$s/tmp/ca.pem"
	if check docker-token sh -c "SONAR_TOKEN='$(cat "$STANDIN_DIR/token")' chroot \
		--userspec='$user' '$s' '$entry' --url '$STANDIN_URL' --cacert /tmp/ca.pem \
		token fresh:app >'$WORK/docker-token.out'"; then
		check docker-token-is-the-servers token_matches "$WORK/docker-token.out" || true
	fi
	# Without --cacert the image's CA bundle is found and used: the
	# stand-in's CA is not in it, so verification fails (exit 4), rather
	# than a missing trust store (exit 2).
	check docker-ca-bundle sh -c "SONAR_TOKEN=x chroot --userspec='$user' '$s' '$entry' --url '$STANDIN_URL' token fresh:app; [ \$? -eq 4 ]" || true
	stop_root "$r"
}

# ---- main -----------------------------------------------------------------
mkdir -p "$WORK"
t_start=$(date +%s)
if [ "${FRESH_REFRESH:-0}" = 1 ] || [ ! -f "$BASE" ] ||
	[ -n "$(find "$BASE" -mtime +"$MAX_AGE" 2>/dev/null)" ]; then
	make_base
else
	say "base root: $BASE (cached $(date -r "$BASE" '+%Y-%m-%d %H:%M'); FRESH_REFRESH=1 rebuilds it)"
fi
if ! git -C "$ROOT" diff --quiet HEAD -- 2>/dev/null; then
	echo "check-fresh: note: uncommitted changes are not tested (git clone of HEAD)"
fi
for c in $CHECKS; do
	"check_$c"
done
echo "check-fresh: $(($(date +%s) - t_start)) s"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
