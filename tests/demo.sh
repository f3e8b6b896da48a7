#!/bin/sh
# make demo: start the bundled SonarQube stand-in on 127.0.0.1 over TLS
# (with a CA made for this run), then read, renew and print the badges of
# a project with sonarbadge, and stop the stand-in.
set -eu
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SB="$ROOT/$BUILD/sonarbadge"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sonarbadge-demo.XXXXXX")
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

bash "$ROOT/tests/standin/gen_certs.sh" "$WORK/certs" >/dev/null 2>&1
# A demo user token, known only to this stand-in; kept in a 0600 file.
umask 077
printf 'squ_demo%s\n' "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" >"$WORK/token"
cat >"$WORK/config.json" <<JSON
{"users": {"$(cat "$WORK/token")": {"login": "demo", "admin_projects": ["*"],
           "browse_projects": ["*"]}},
 "projects": [{"key": "demo:app", "visibility": "private"}],
 "force_authentication": true}
JSON
python3 "$ROOT/tests/standin/sonar_standin.py" --config "$WORK/config.json" \
	--port 0 --port-file "$WORK/port" \
	--cert "$WORK/certs/server.pem" --key "$WORK/certs/server.key" \
	>"$WORK/standin.log" 2>&1 &
PID=$!
i=0
while [ ! -s "$WORK/port" ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "demo: the stand-in did not start" >&2; exit 1; }
	sleep 0.1
done
URL="https://localhost:$(cat "$WORK/port")"
run() {
	echo "\$ sonarbadge $*"
	"$SB" --url "$URL" --cacert "$WORK/certs/ca.pem" \
		--token-file "$WORK/token" "$@"
}
echo "Stand-in SonarQube at $URL (CA: a throw-away one made for this demo)"
echo
run token demo:app
echo
run renew demo:app
echo
run urls demo:app --metric alert_status --metric coverage --metric quality_gate
echo
run urls demo:app --branch develop --format url --metric alert_status
echo
echo "demo: done"
