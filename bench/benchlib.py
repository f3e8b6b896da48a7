"""bench/benchlib.py - what bench/bench.py and bench/scale.py share: the
paths and knobs of the run, the user token, the peers' scripts, and the
helpers that start programs and measure them."""
import os
import re
import socket
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
OUT = os.path.join(BUILD, "bench")
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
PROJECTS = int(os.environ.get("BENCH_PROJECTS", "1000"))
ROT_RUNS = int(os.environ.get("BENCH_ROT_RUNS", "3"))
SONARBADGE = os.path.join(BUILD, "sonarbadge")
STATIC = os.path.join(BUILD, "sonarbadge-static")
# The same command built with -DSB_POSIX_NO_QUICKACK (mk/bench.mk).
NO_QUICKACK = os.path.join(BUILD, "noquickack", "sonarbadge")
PY = "/usr/bin/python3"  # Debian's, with python3-requests
TOKEN = "squ_bench0123456789abcdef0123456789abcdef"
TOKEN_RE = re.compile(r"sqb_[0-9a-f]{40}")

PY_ROTATE = r'''
import os, sys, requests
url, ca, projects = sys.argv[1:4]
s = requests.Session()
s.auth = (os.environ["SONAR_TOKEN"], "")
s.verify = ca
for p in open(projects).read().split():
    s.post(url + "/api/project_badges/renew_token", data={"project": p}).raise_for_status()
    r = s.get(url + "/api/project_badges/token", params={"project": p})
    r.raise_for_status()
    print(p, r.json()["token"])
'''

CURL_LOOP = r'''#!/bin/sh
# How users rotate with curl: one process (one TLS handshake) per call.
while read -r p; do
  curl -s -f -u "$SONAR_TOKEN:" --cacert "$CA" -X POST \
    "$URL/api/project_badges/renew_token" -d "project=$p" || exit 1
  token=$(curl -s -f -u "$SONAR_TOKEN:" --cacert "$CA" \
    "$URL/api/project_badges/token?project=$p" |
    sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
  echo "$p $token"
done < "$PROJECTS"
'''


def log(*a):
    print(*a, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, seconds=10):
    end = time.time() + seconds
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except Exception as e:  # noqa: BLE001 - only for the report
        return "unknown (%s)" % e


def run_measured(argv, env, stdout=subprocess.PIPE, timeout=600):
    """Run argv under GNU time; return (wall s, peak RSS KiB, stdout)."""
    # Peak RSS from GNU time: the child's ru_maxrss counts what its
    # parent held before exec, so it must be a small C program, not us.
    rssf = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                        "sb-bench-rss.%d" % os.getpid())
    argv = ["/usr/bin/time", "-f", "%M", "-o", rssf] + list(argv)
    # stderr goes to a file: a pipe nobody reads while stdout is read
    # would stop a child that writes much to it.
    with tempfile.TemporaryFile() as errf:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, env=env, stdout=stdout, stderr=errf)
        out = b""
        if stdout == subprocess.PIPE:
            out = p.stdout.read()
        deadline = time.time() + timeout
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.time() > deadline:
                p.kill()
            time.sleep(0.0005)
        wall = time.perf_counter() - t0
        if stdout == subprocess.PIPE:
            p.stdout.close()
        errf.seek(0)
        err = errf.read()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(argv[5:8]), p.returncode,
                                                   err.decode()[-400:]))
    with open(rssf) as f:
        rss = int(f.read().split()[-1])
    os.unlink(rssf)
    return wall, rss, out.decode()
