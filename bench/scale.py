"""bench/scale.py - the rows of `make bench` that measure sonarbadge at
scale and against slow or awkward servers (bench.py calls them and puts
their tables and chart panels into its report):

  (g) a server that writes an answer's head and body in two segments with
      Nagle on (the stand-in's --split-writes) vs the same server with
      TCP_NODELAY (--split-writes --nodelay): rotating PROJECTS projects;
      sonarbadge, sonarbadge built without TCP_QUICKACK, the curl loop and
      requests.Session;
  (h) rotate --jobs 1, 2, 4, 8, 16 with 20 ms of server time per call (the
      stand-in's delay fault on every API request), 300 projects; the curl
      loop under xargs -P N and requests in N threads;
  (i) the state file: rotate 1,000 and 10,000 projects without --state,
      with a new state file, and with the file the run before left (nginx);
  (j) check on files of 5,000, 20,000 and 100,000 badge lines, one
      distinct URL (nginx); a Python script and grep | sort -u | curl;
  (k) peak RSS of rotate --all at 1,000 and 10,000 projects (nginx serves
      the listing from page files, bench/locations.conf); requests does
      the same.
Each measurement checks what the client printed (every project rotated,
every line checked) before its time is kept. The stand-in is
tests/standin/sonar_standin.py on 127.0.0.1 with the ECDSA certificate.
"""
import http.client
import json
import os
import signal
import ssl
import statistics
import subprocess
import sys
import time

from benchlib import (CURL_LOOP, NO_QUICKACK, PROJECTS, PY, PY_ROTATE, ROOT,
                      ROT_RUNS, SONARBADGE, TOKEN, TOKEN_RE, log,
                      run_measured)

JOBS = [1, 2, 4, 8, 16]
JOBS_PROJECTS = int(os.environ.get("BENCH_JOBS_PROJECTS", "300"))
JOBS_RUNS = int(os.environ.get("BENCH_JOBS_RUNS", "1"))
LATENCY_S = 0.020
STATE_COUNTS = [1000, 10000]
CHECK_LINES = [5000, 20000, 100000]
RSS_COUNTS = [1000, 10000]
# The peers' runs take seconds to minutes: once each; sonarbadge's
# ROT_RUNS times.
PEER_RUNS = int(os.environ.get("BENCH_PEER_RUNS", "1"))
# (g): the clients that wait for a delayed ACK on every answer rotate this
# many projects (at 40 ms an answer, 1,000 would take minutes each).
SLOW_PROJECTS = int(os.environ.get("BENCH_SLOW_PROJECTS", "200"))
# (g): sonarbadge's runs against each server (a second each; the ratio of
# two short runs needs more of them on a shared machine).
SPLIT_RUNS = int(os.environ.get("BENCH_SPLIT_RUNS", "7"))
STANDIN = os.path.join(ROOT, "tests", "standin", "sonar_standin.py")

PY_ROTATE_JOBS = r'''
import os, sys, threading, requests
from concurrent.futures import ThreadPoolExecutor
url, ca, projects, jobs = sys.argv[1:5]
local = threading.local()
def session():
    if not hasattr(local, "s"):
        local.s = requests.Session()
        local.s.auth = (os.environ["SONAR_TOKEN"], "")
        local.s.verify = ca
    return local.s
def rotate(p):
    s = session()
    s.post(url + "/api/project_badges/renew_token", data={"project": p}).raise_for_status()
    r = s.get(url + "/api/project_badges/token", params={"project": p})
    r.raise_for_status()
    return p, r.json()["token"]
with ThreadPoolExecutor(int(jobs)) as ex:
    for p, t in ex.map(rotate, open(projects).read().split()):
        print(p, t)
'''

CURL_JOBS = r'''#!/bin/sh
# The curl loop, JOBS projects at a time (xargs -P): per project one
# renew and one read, each its own curl process and TLS handshake.
xargs -P "$JOBS" -n 1 sh -c '
  curl -s -f -u "$SONAR_TOKEN:" --cacert "$CA" -X POST \
    "$URL/api/project_badges/renew_token" -d "project=$1" || exit 255
  token=$(curl -s -f -u "$SONAR_TOKEN:" --cacert "$CA" \
    "$URL/api/project_badges/token?project=$1" |
    sed -n "s/.*\"token\":\"\([^\"]*\)\".*/\1/p")
  echo "$1 $token"' sh < "$PROJECTS"
'''

PY_ROTATE_ALL = r'''
import os, sys, requests
url, ca = sys.argv[1:3]
s = requests.Session()
s.auth = (os.environ["SONAR_TOKEN"], "")
s.verify = ca
keys, page = [], 1
while True:
    r = s.get(url + "/api/projects/search", params={"p": page, "ps": 500})
    r.raise_for_status()
    j = r.json()
    keys += [c["key"] for c in j["components"]]
    if page * 500 >= j["paging"]["total"]:
        break
    page += 1
for p in keys:
    s.post(url + "/api/project_badges/renew_token", data={"project": p}).raise_for_status()
    r = s.get(url + "/api/project_badges/token", params={"project": p})
    r.raise_for_status()
    print(p, r.json()["token"])
'''

PY_CHECK = r'''
import re, sys, requests
base, ca, path = sys.argv[1:4]
badge = re.compile(re.escape(base) +
                   r"/api/project_badges/(?:measure|quality_gate)\?[^\s)\"'<>]*")
s = requests.Session()
s.verify = ca
seen, broken = {}, 0
with open(path, encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        for m in badge.finditer(line):
            u = m.group(0).replace("&amp;", "&")
            if u not in seen:
                r = s.get(u)
                seen[u] = r.status_code == 200 and "not been found" not in r.text
            broken += not seen[u]
            print("%s:%d: %s" % (path, n, "ok" if seen[u] else "broken"))
sys.exit(1 if broken else 0)
'''

GREP_CURL_CHECK = r'''#!/bin/sh
# What a shell user writes: every distinct badge URL in FILE, fetched once.
grep -o "$URL/api/project_badges/[a-z_]*?[^)\"' ]*" "$FILE" | sort -u |
while read -r u; do
  if body=$(curl -s -f --cacert "$CA" "$u") &&
     ! printf '%s' "$body" | grep -q 'not been found'; then
    echo "ok $u"
  else
    echo "broken $u"
  fi
done
'''

BADGE_LINE = ("- service %d: [![Quality Gate Status](%s/api/project_badges/"
              "measure?project=bench-project&metric=alert_status&token=sqb_"
              "0123456789abcdef0123456789abcdef01234567)](%s/dashboard?id="
              "bench-project)\n")


def median(xs):
    return statistics.median(xs) if xs else None


class Standin:
    """The SonarQube stand-in over TLS (ECDSA certificate) on 127.0.0.1."""

    def __init__(self, work, name, certs, projects, flags=()):
        self.ca = os.path.join(certs, "ec", "ca.pem")
        cfg = os.path.join(work, name + ".json")
        with open(cfg, "w") as f:
            json.dump({"users": {TOKEN: {"login": "bench",
                                         "admin_projects": ["*"],
                                         "browse_projects": ["*"]}},
                       "generate_projects": projects,
                       "force_authentication": True}, f)
        port_file = os.path.join(work, name + ".port")
        self.proc = subprocess.Popen(
            [PY, STANDIN, "--config", cfg, "--port", "0", "--port-file",
             port_file, "--cert", os.path.join(certs, "ec", "server.pem"),
             "--key", os.path.join(certs, "ec", "server.key")] + list(flags),
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(work, name + ".err"), "w"))
        deadline = time.time() + 15
        while not (os.path.exists(port_file) and open(port_file).read()):
            if time.time() > deadline or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("stand-in %s did not start" % name)
            time.sleep(0.05)
        self.port = int(open(port_file).read())
        self.url = "https://localhost:%d" % self.port

    def call(self, method, path, body=None):
        ctx = ssl.create_default_context(cafile=self.ca)
        c = http.client.HTTPSConnection("localhost", self.port, timeout=30,
                                        context=ctx)
        try:
            c.request(method, path, body=None if body is None
                      else json.dumps(body))
            r = c.getresponse()
            data = r.read()
            if r.status != 200:
                raise RuntimeError("stand-in %s: %d" % (path, r.status))
            return json.loads(data)
        finally:
            c.close()

    def reset(self, latency=0.0):
        self.call("POST", "/_standin/reset", {})
        if latency:
            self.call("POST", "/_standin/faults",
                      [{"path": "/api/", "kind": "delay",
                        "seconds": latency, "count": 1000000}])

    def stats(self):
        return self.call("GET", "/_standin/stats")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def key_file(work, name, keys):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write("\n".join(keys) + "\n")
    return path


def bulk_keys(n):
    return ["bulk-%04d" % i for i in range(1, n + 1)]


def rotated_lines(out, n, who):
    lines = [ln for ln in out.splitlines() if TOKEN_RE.search(ln)]
    if len(lines) != n:
        raise RuntimeError("%s rotated %d of %d projects" % (who, len(lines), n))


def timed_runs(argv, env, runs, check, timeout=900, before=None):
    walls, rss = [], []
    for _ in range(runs):
        if before:
            before()
        w, r, out = run_measured(argv, env, timeout=timeout)
        check(out)
        walls.append(w)
        rss.append(r)
    return {"median_s": median(walls), "runs_s": walls, "runs": runs,
            "rss_kib": median(rss), "rss_max_kib": max(rss)}


# ---------------------------------------------------------------- (g)

def two_segment(certs, env, work):
    """Each client against both servers, one run on each in turn (so a
    busy moment of the machine weighs on both sides alike). The runs that
    stall on every answer (sonarbadge without TCP_QUICKACK, curl,
    requests) rotate SLOW_PROJECTS projects, sonarbadge PROJECTS: compare
    per project."""
    fast = key_file(work, "standin-projects.txt", bulk_keys(PROJECTS))
    slow = key_file(work, "standin-projects-slow.txt",
                    bulk_keys(SLOW_PROJECTS))
    loop = key_file(work, "curl_loop.sh", [CURL_LOOP])
    servers = {}
    res = {"projects": PROJECTS, "slow_projects": SLOW_PROJECTS}
    try:
        big = max(PROJECTS, SLOW_PROJECTS)
        servers["split"] = Standin(work, "split", certs, big,
                                   ["--split-writes"])
        servers["nodelay"] = Standin(work, "nodelay", certs, big,
                                     ["--split-writes", "--nodelay"])
        clients = [("sonarbadge", lambda s: [SONARBADGE, "--url", s.url,
                                             "--cacert", s.ca, "rotate",
                                             "--from", fast],
                    PROJECTS, SPLIT_RUNS)]
        if os.path.exists(NO_QUICKACK):
            clients.append(("sonarbadge without TCP_QUICKACK",
                            lambda s: [NO_QUICKACK, "--url", s.url, "--cacert",
                                       s.ca, "rotate", "--from", slow],
                            SLOW_PROJECTS, PEER_RUNS))
        clients += [("curl", lambda s: ["sh", loop], SLOW_PROJECTS, PEER_RUNS),
                    ("python-requests", lambda s: [PY, "-c", PY_ROTATE, s.url,
                                                   s.ca, slow],
                     SLOW_PROJECTS, PEER_RUNS)]
        for name, argv_of, n, runs in clients:
            walls = {k: [] for k in servers}
            for s in servers.values():
                s.reset()
            for _ in range(runs):
                for server, s in servers.items():
                    e = dict(env, CA=s.ca, URL=s.url,
                             PROJECTS=fast if n == PROJECTS else slow)
                    w, _, out = run_measured(argv_of(s), e, timeout=900)
                    rotated_lines(out, n, name)
                    walls[server].append(w)
            for server, s in servers.items():
                st = s.stats()
                if sum(st["renewals"].values()) != n * runs:
                    raise RuntimeError("%s: %d renewals for %d projects x %d"
                                       % (name, sum(st["renewals"].values()),
                                          n, runs))
                # Answers with a body (the ones split in two writes, the
                # ones that can stall) per run, from the stand-in's count.
                res.setdefault(name, {})[server] = {
                    "median_s": median(walls[server]),
                    "runs_s": walls[server], "runs": runs, "projects": n,
                    "requests": st["requests"] // runs,
                    "split_answers": (st["response_writes"] -
                                      st["requests"]) // runs,
                    "nodelay_connections": st["nodelay_connections"]}
            log("  (g) %-32s %d projects: two segments %.2f s, "
                "TCP_NODELAY %.2f s (%d run%s each)" % (
                    name, n, res[name]["split"]["median_s"],
                    res[name]["nodelay"]["median_s"], runs,
                    "" if runs == 1 else "s"))
    finally:
        for s in servers.values():
            s.stop()
    return res


# ---------------------------------------------------------------- (h)

def jobs_scaling(certs, env, work):
    n = JOBS_PROJECTS
    keys = key_file(work, "jobs-projects.txt", bulk_keys(n))
    script = key_file(work, "curl_jobs.sh", [CURL_JOBS])
    res = {"projects": n, "latency_ms": LATENCY_S * 1000, "runs": JOBS_RUNS}
    s = Standin(work, "latency", certs, n)
    try:
        e = dict(env, CA=s.ca, URL=s.url, PROJECTS=keys)
        for jobs in JOBS:
            clients = {
                "sonarbadge": [SONARBADGE, "--url", s.url, "--cacert", s.ca,
                               "rotate", "--jobs", str(jobs), "--from", keys],
                "curl": ["sh", script],
                "python-requests": [PY, "-c", PY_ROTATE_JOBS, s.url, s.ca,
                                    keys, str(jobs)],
            }
            for name, argv in clients.items():
                s.reset(latency=LATENCY_S)
                r = timed_runs(argv, dict(e, JOBS=str(jobs)), JOBS_RUNS,
                               lambda out, name=name: rotated_lines(out, n, name))
                st = s.stats()
                r["connections"] = st["connections"]
                if sum(st["renewals"].values()) != n * JOBS_RUNS:
                    raise RuntimeError("%s --jobs %d: renewals %d" % (
                        name, jobs, sum(st["renewals"].values())))
                res.setdefault(name, {})[str(jobs)] = r
                log("  (h) jobs %2d %-16s %7.2f s (%d connections)" % (
                    jobs, name, r["median_s"], st["connections"]))
    finally:
        s.stop()
    return res


# ---------------------------------------------------------------- (i)

def state_overhead(nginx, certs, env, work):
    ca = os.path.join(certs, "ec", "ca.pem")
    url = nginx.url("ec")
    res = {}
    for n in STATE_COUNTS:
        keys = key_file(work, "state-projects-%d.txt" % n,
                        ["bench-project-%05d" % i for i in range(1, n + 1)])
        state = os.path.join(work, "state-%d" % n)
        base = [SONARBADGE, "--url", url, "--cacert", ca, "rotate", "--from",
                keys]
        variants = {"none": [], "new": ["--state", state],
                    "existing": ["--state", state]}
        walls = {v: [] for v in variants}
        for _ in range(ROT_RUNS):
            for v, extra in variants.items():
                if v == "new":
                    remove(state, state + ".lock")
                w, _, out = run_measured(base + extra, env)
                rotated_lines(out, n, "sonarbadge --state")
                walls[v].append(w)
        size = os.path.getsize(state)
        res[str(n)] = {v: {"median_s": median(w), "runs_s": w}
                       for v, w in walls.items()}
        res[str(n)]["state_bytes"] = size
        log("  (i) %5d projects: no state %.2f s, new state %.2f s, "
            "existing state %.2f s" % (n, res[str(n)]["none"]["median_s"],
                                       res[str(n)]["new"]["median_s"],
                                       res[str(n)]["existing"]["median_s"]))
    return res


# ---------------------------------------------------------------- (j)

def check_lines(nginx, certs, env, work):
    ca = os.path.join(certs, "ec", "ca.pem")
    url = nginx.url("ec")
    script = key_file(work, "grep_curl_check.sh", [GREP_CURL_CHECK])
    res = {}
    for n in CHECK_LINES:
        path = os.path.join(work, "badges-%d.md" % n)
        with open(path, "w") as f:
            for i in range(n):
                f.write(BADGE_LINE % (i, url, url))
        e = dict(env, CA=ca, URL=url, FILE=path)

        def lines_ok(out, want=n):
            got = sum(1 for ln in out.splitlines() if ": ok" in ln)
            if got != want:
                raise RuntimeError("check: %d of %d lines ok" % (got, want))

        def one_ok(out):
            if out.split() != ["ok", url + "/api/project_badges/measure?project="
                               "bench-project&metric=alert_status&token=sqb_"
                               "0123456789abcdef0123456789abcdef01234567"]:
                raise RuntimeError("grep | curl: %r" % out[:200])

        clients = [("sonarbadge", [SONARBADGE, "--url", url, "--cacert", ca,
                                   "check", path], ROT_RUNS, lines_ok),
                   ("python-requests", [PY, "-c", PY_CHECK, url, ca, path],
                    ROT_RUNS, lines_ok),
                   ("grep | sort -u | curl", ["sh", script], ROT_RUNS, one_ok)]
        res[str(n)] = {"bytes": os.path.getsize(path)}
        for name, argv, runs, ok in clients:
            r = timed_runs(argv, e, runs, ok)
            res[str(n)][name] = r
            log("  (j) %6d lines %-22s %7.3f s  peak RSS %6d KiB" % (
                n, name, r["median_s"], r["rss_kib"]))
    return res


# ---------------------------------------------------------------- (k)

def write_pages(nginx_dir, counts):
    """The listing of each server size, one file a page (500 components),
    as api/projects/search answers it."""
    for n in counts:
        d = os.path.join(nginx_dir, "pages", str(n))
        os.makedirs(d, exist_ok=True)
        for p in range(1, (n + 499) // 500 + 1):
            comps = [{"key": "bench-project-%05d" % i,
                      "name": "Bench project %05d" % i, "qualifier": "TRK",
                      "visibility": "private"}
                     for i in range((p - 1) * 500 + 1, min(n, p * 500) + 1)]
            with open(os.path.join(d, "%d.json" % p), "w") as f:
                json.dump({"paging": {"pageIndex": p, "pageSize": 500,
                                      "total": n}, "components": comps}, f)


def remove(*paths):
    for p in paths:
        if os.path.exists(p):
            os.unlink(p)


def rss_by_count(nginx, certs, env, work):
    ca = os.path.join(certs, "ec", "ca.pem")
    write_pages(nginx.dir, RSS_COUNTS)
    res = {}
    for n in RSS_COUNTS:
        url = nginx.url("ec") + "/list%d" % n
        state = os.path.join(work, "rss-state-%d" % n)
        clients = [("sonarbadge", [SONARBADGE, "--url", url, "--cacert", ca,
                                   "rotate", "--all"], ROT_RUNS),
                   ("sonarbadge --state", [SONARBADGE, "--url", url,
                                           "--cacert", ca, "rotate", "--all",
                                           "--state", state], ROT_RUNS),
                   ("python-requests", [PY, "-c", PY_ROTATE_ALL, url, ca],
                    PEER_RUNS)]
        res[str(n)] = {}
        for name, argv, runs in clients:
            # --state: a new file each time
            r = timed_runs(argv, env, runs,
                           lambda out, name=name: rotated_lines(out, n, name),
                           before=lambda state=state: remove(state,
                                                             state + ".lock"))
            res[str(n)][name] = r
            log("  (k) %5d projects %-20s peak RSS %6d KiB (max %d)  %.2f s"
                % (n, name, r["rss_kib"], r["rss_max_kib"], r["median_s"]))
    return res


# ---------------------------------------------------------------- report

def report(res):
    """The Markdown sections of (g) to (k)."""
    out = []
    w = out.append
    g = res.get("two_segment")
    if g:
        w("\n### (g) A server that sends head and body in two segments "
          "(stand-in, ECDSA)\n")
        w("`sonarbadge --url https://localhost:PORT --cacert ca.pem rotate "
          "--from projects.txt` against `tests/standin/sonar_standin.py "
          "--split-writes` (Nagle on) and against `--split-writes --nodelay`; "
          "`build/noquickack/sonarbadge` is the same command built with "
          "`-DSB_POSIX_NO_QUICKACK`; the curl loop and `requests.Session` as "
          "in (b). sonarbadge rotates %d projects; the clients that stall on "
          "every answer rotate %d (`BENCH_SLOW_PROJECTS`), so compare per "
          "project. Each run against one server is followed by one against "
          "the other; median of the runs; \"stall per answer\": the extra "
          "time divided by the answers that had a body (the split ones).\n"
          % (g["projects"], g["slow_projects"]))
        w("| client | projects | two segments, Nagle on | TCP_NODELAY | "
          "ratio | per project (two segments / TCP_NODELAY) | stall per "
          "answer | runs |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|")
        for name, v in g.items():
            if not isinstance(v, dict) or "split" not in v:
                continue
            a, b = v["split"], v["nodelay"]
            n = a["projects"]
            w("| %s | %d | %.2f s | %.2f s | %.2f× | %.2f / %.2f ms | "
              "%.1f ms | %d |" % (
                  name, n, a["median_s"], b["median_s"],
                  a["median_s"] / b["median_s"],
                  a["median_s"] * 1000 / n, b["median_s"] * 1000 / n,
                  round((a["median_s"] - b["median_s"]) * 1000 /
                        max(1, a["split_answers"]), 1) + 0.0, a["runs"]))
    h = res.get("jobs")
    if h:
        w("\n### (h) rotate --jobs N, %d ms of server time per call (%d "
          "projects, %d run%s each)\n" % (
              h["latency_ms"], h["projects"], h["runs"],
              "" if h["runs"] == 1 else "s"))
        w("`sonarbadge … rotate --jobs N --from projects.txt` against the "
          "stand-in with `{\"path\": \"/api/\", \"kind\": \"delay\", "
          "\"seconds\": 0.02}` on every call; curl: the loop of (b) under "
          "`xargs -P N`; requests: a `ThreadPoolExecutor(N)` with a Session "
          "per thread.\n")
        names = [k for k in ("sonarbadge", "curl", "python-requests") if k in h]
        w("| N | " + " | ".join(names) + " | sonarbadge vs --jobs 1 |")
        w("|---:|" + "---:|" * len(names) + "---:|")
        one = h["sonarbadge"]["1"]["median_s"]
        for jobs in JOBS:
            j = str(jobs)
            w("| %d | %s | %.2f× |" % (jobs, " | ".join(
                "%.2f s" % h[k][j]["median_s"] for k in names),
                h["sonarbadge"][j]["median_s"] / one))
    s = res.get("state")
    if s:
        w("\n### (i) The state file (nginx, ECDSA; median of %d runs)\n"
          % ROT_RUNS)
        w("`sonarbadge … rotate --from projects.txt` without `--state`, with "
          "`--state FILE` where FILE does not exist, and again with the FILE "
          "that run left (it holds every project). Not applicable to curl or "
          "requests (no state).\n")
        w("| projects | no --state | --state, new file | ratio | --state, "
          "existing file | ratio | state file |")
        w("|---:|---:|---:|---:|---:|---:|---:|")
        for n in STATE_COUNTS:
            v = s[str(n)]
            base = v["none"]["median_s"]
            w("| %d | %.2f s | %.2f s | %.2f× | %.2f s | %.2f× | %d B |" % (
                n, base, v["new"]["median_s"], v["new"]["median_s"] / base,
                v["existing"]["median_s"], v["existing"]["median_s"] / base,
                v["state_bytes"]))
    c = res.get("check")
    if c:
        w("\n### (j) check: badge lines, one distinct URL (nginx, ECDSA; "
          "median of %d runs)\n" % ROT_RUNS)
        w("`sonarbadge --url https://localhost:PORT --cacert ca.pem check "
          "badges.md`; the Python script (a regex per line, a set of URLs, "
          "`requests` for each new one, a line per badge) and `grep -o | sort "
          "-u | curl` (one line per distinct URL, no line numbers).\n")
        names = ["sonarbadge", "python-requests", "grep | sort -u | curl"]
        w("| lines | file | " + " | ".join(n.replace("|", "\\|")
                                          for n in names) +
          " | sonarbadge peak RSS |")
        w("|---:|---:|" + "---:|" * len(names) + "---:|")
        for n in CHECK_LINES:
            v = c[str(n)]
            w("| %d | %.1f MB | %s | %d KiB |" % (
                n, v["bytes"] / 1e6, " | ".join(
                    "%.3f s" % v[k]["median_s"] for k in names),
                v["sonarbadge"]["rss_kib"]))
    k = res.get("rss")
    if k:
        w("\n### (k) Peak RSS of rotate --all by project count (nginx, ECDSA; "
          "GNU time's %M)\n")
        w("`sonarbadge --url https://localhost:PORT/listN --cacert ca.pem "
          "rotate --all` (the listing in pages of 500 from files); `--state` "
          "for comparison (the journal keeps a record per project); "
          "requests: the script users write, all pages into a list, then "
          "one Session.\n")
        names = list(k[str(RSS_COUNTS[0])])
        w("| client | " + " | ".join("%d projects" % n for n in RSS_COUNTS) +
          " | difference | wall (%s) | runs |" % " / ".join(
              str(n) for n in RSS_COUNTS))
        w("|---|" + "---:|" * (len(RSS_COUNTS) + 3))
        for name in names:
            vals = [k[str(n)][name] for n in RSS_COUNTS]
            w("| %s | %s | %d KiB | %s | %d |" % (
                name, " | ".join("%d KiB (max %d)" % (v["rss_kib"],
                                                      v["rss_max_kib"])
                                 for v in vals),
                vals[-1]["rss_kib"] - vals[0]["rss_kib"],
                " / ".join("%.2f s" % v["median_s"] for v in vals),
                vals[0]["runs"]))
    return "\n".join(out) + "\n"


def goals(res):
    """The issue's goals, as (goal, measured, met) rows."""
    rows = []
    g = res.get("two_segment", {}).get("sonarbadge")
    if g:
        r = g["split"]["median_s"] / g["nodelay"]["median_s"]
        rows.append(("(g) two-segment server within 1.2× of a TCP_NODELAY one",
                     "%.2f vs %.2f s = **%.2f×**" % (
                         g["split"]["median_s"], g["nodelay"]["median_s"], r),
                     r <= 1.2))
    h = res.get("jobs", {}).get("sonarbadge")
    if h:
        r = h["8"]["median_s"] / h["1"]["median_s"]
        rows.append(("(h) --jobs 8 at most ¼ of --jobs 1 (20 ms a call)",
                     "%.2f vs %.2f s = **%.2f×**" % (
                         h["8"]["median_s"], h["1"]["median_s"], r),
                     r <= 0.25))
    s = res.get("state", {}).get("10000")
    if s:
        r = s["new"]["median_s"] / s["none"]["median_s"]
        r2 = s["existing"]["median_s"] / s["none"]["median_s"]
        rows.append(("(i) --state within 1.5× at 10,000 projects",
                     "new file %.2f vs %.2f s = **%.2f×**; existing file "
                     "**%.2f×**" % (s["new"]["median_s"],
                                    s["none"]["median_s"], r, r2),
                     max(r, r2) <= 1.5))
    c = res.get("check", {}).get("20000")
    if c:
        t = c["sonarbadge"]["median_s"]
        rows.append(("(j) check: 20,000 badge lines under a second",
                     "**%.3f s**" % t, t < 1.0))
    k = res.get("rss")
    if k:
        a = k[str(RSS_COUNTS[0])]["sonarbadge"]
        b = k[str(RSS_COUNTS[-1])]["sonarbadge"]
        d = b["rss_kib"] - a["rss_kib"]
        rows.append(("(k) rotate --all peak RSS: 1,000 vs 10,000 projects "
                     "differ by < 1 MiB",
                     "%d vs %d KiB: **%d KiB**" % (a["rss_kib"], b["rss_kib"],
                                                   d), d < 1024))
    return rows


# ---------------------------------------------------------------- chart

def chart(res, work):
    """gnuplot commands for the panels of (g) to (k), their data files
    written to work."""
    gp = ["set termoption noenhanced\n"]  # TCP_NODELAY, not a subscript
    g = res.get("two_segment")
    if g:
        dat = os.path.join(work, "chart-g.dat")
        with open(dat, "w") as f:
            f.write("# client split_ms nodelay_ms (per project)\n")
            for name, v in g.items():
                if isinstance(v, dict) and "split" in v:
                    label = {"sonarbadge without TCP_QUICKACK":
                             "no-QUICKACK",
                             "python-requests": "requests"}.get(name, name)
                    n = v["split"]["projects"]
                    f.write('"%s" %.4f %.4f\n' % (
                        label, v["split"]["median_s"] * 1000 / n,
                        v["nodelay"]["median_s"] * 1000 / n))
        gp.append("""
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set xtics rotate by -20 font ",9"
set title "(g) rotating: two segments vs TCP_NODELAY"
set ylabel "ms per project (log scale)"
set logscale y
set yrange [*:*]
plot '{dat}' using 2:xtic(1) title "two segments, Nagle on" lc rgb "#cc0000", \\
     '' using 3 title "TCP_NODELAY" lc rgb "#4e9a06"
unset logscale y
set xtics norotate font ""
""".format(dat=dat))
    h = res.get("jobs")
    if h:
        dat = os.path.join(work, "chart-h.dat")
        with open(dat, "w") as f:
            f.write("# jobs sonarbadge curl requests\n")
            for jobs in JOBS:
                f.write("%d %.3f %.3f %.3f\n" % (jobs, *(
                    h[k][str(jobs)]["median_s"]
                    for k in ("sonarbadge", "curl", "python-requests"))))
        gp.append("""
set style data linespoints
set title "(h) {n} projects, 20 ms a call: --jobs N"
set xlabel "N (connections / processes / threads)"
set ylabel "seconds (log scale)"
set logscale xy 2
set xrange [0.8:20]
set yrange [*:*]
plot '{dat}' using 1:2 title "sonarbadge --jobs N" lw 2 lc rgb "#3465a4", \\
     '' using 1:3 title "curl loop, xargs -P N" lw 2 lc rgb "#f57900", \\
     '' using 1:4 title "requests, N threads" lw 2 lc rgb "#75507b"
unset logscale xy
unset xlabel
set xrange [*:*]
""".format(n=h["projects"], dat=dat))
    s = res.get("state")
    if s:
        dat = os.path.join(work, "chart-i.dat")
        with open(dat, "w") as f:
            f.write("# projects none new existing\n")
            for n in STATE_COUNTS:
                v = s[str(n)]
                f.write("%d %.3f %.3f %.3f\n" % (
                    n, v["none"]["median_s"], v["new"]["median_s"],
                    v["existing"]["median_s"]))
        gp.append("""
set style data histograms
set style histogram clustered gap 1
set title "(i) rotate --from: the state file's cost"
set ylabel "seconds"
set yrange [0:*]
plot '{dat}' using 2:xtic(1) title "no --state" lc rgb "#4e9a06", \\
     '' using 3 title "--state, new file" lc rgb "#3465a4", \\
     '' using 4 title "--state, existing file" lc rgb "#729fcf"
""".format(dat=dat))
    c = res.get("check")
    if c:
        dat = os.path.join(work, "chart-j.dat")
        with open(dat, "w") as f:
            f.write("# lines sonarbadge requests grepcurl\n")
            for n in CHECK_LINES:
                v = c[str(n)]
                f.write("%d %.4f %.4f %.4f\n" % (
                    n, v["sonarbadge"]["median_s"],
                    v["python-requests"]["median_s"],
                    v["grep | sort -u | curl"]["median_s"]))
        gp.append("""
set style data linespoints
set title "(j) check: badge lines, one distinct URL"
set xlabel "badge lines (log scale)"
set ylabel "seconds (log scale)"
set logscale xy
set yrange [*:*]
plot '{dat}' using 1:2 title "sonarbadge check" lw 2 lc rgb "#3465a4", \\
     '' using 1:3 title "Python + requests" lw 2 lc rgb "#75507b", \\
     '' using 1:4 title "grep | sort -u | curl" lw 2 lc rgb "#f57900"
unset logscale xy
unset xlabel
""".format(dat=dat))
    k = res.get("rss")
    if k:
        dat = os.path.join(work, "chart-k.dat")
        names = list(k[str(RSS_COUNTS[0])])
        with open(dat, "w") as f:
            f.write("# client " + " ".join("n%d" % n for n in RSS_COUNTS) + "\n")
            for name in names:
                label = {"sonarbadge --state": "with--state",
                         "python-requests": "requests"}.get(name, name)
                f.write('"%s" %s\n' % (label, " ".join(
                    "%.2f" % (k[str(n)][name]["rss_kib"] / 1024)
                    for n in RSS_COUNTS)))
        gp.append("""
set style data histograms
set style histogram clustered gap 1
set title "(k) rotate --all: peak RSS by project count"
set ylabel "MiB"
set yrange [0:*]
plot '{dat}' using 2:xtic(1) title "{a:,} projects" lc rgb "#729fcf", \\
     '' using 3 title "{b:,} projects" lc rgb "#204a87"
""".format(dat=dat, a=RSS_COUNTS[0], b=RSS_COUNTS[-1]))
    return gp


def run_nginx_rows(nginx, certs, env, work):
    """(i), (j), (k): against nginx, while bench.py has it running."""
    return {"state": state_overhead(nginx, certs, env, work),
            "check": check_lines(nginx, certs, env, work),
            "rss": rss_by_count(nginx, certs, env, work)}


def run_standin_rows(certs, env, work):
    """(g), (h): against the stand-in."""
    return {"two_segment": two_segment(certs, env, work),
            "jobs": jobs_scaling(certs, env, work)}


if __name__ == "__main__":
    sys.exit("bench/scale.py is run by bench/bench.py (make bench)")
