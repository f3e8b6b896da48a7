#!/usr/bin/env python3
"""End-to-end tests of rotate, rewrite, check, fetch, projects, the
sonar-project.properties defaults and the static binary, against the
SonarQube stand-in over TLS on 127.0.0.1.

Every server is started here and stopped at the end; every command runs
with a time-out. Ends with "N passed, N failed".
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import e2e_test as base  # noqa: E402  (Server, constants, GEN_CERTS)
import sbtest_common as common  # noqa: E402

ROOT = base.ROOT
SB = base.SB
ADMIN, BOB = base.ADMIN, base.BOB
VERBOSE = base.VERBOSE
SLOW = base.SLOW
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "rewrite")
BULK = 1200


def check(cond, what):
    if not cond:
        raise AssertionError(what)


class Env:
    def __init__(self):
        config = {
            "users": {
                ADMIN: {"login": "admin", "admin_projects": ["*"],
                        "browse_projects": ["*"]},
                BOB: {"login": "bob", "admin_projects": [],
                      "browse_projects": ["*"]},
            },
            "projects": [{"key": "my:proj", "visibility": "private"},
                         {"key": "other", "visibility": "private"},
                         {"key": "pub", "visibility": "public"}],
            "generate_projects": BULK,
            "force_authentication": True,
        }
        self.work, self.ca = common.make_workdir("sonarbadge-rotate-", config)
        self.servers = []
        try:
            self.main = base.Server(self.work, "main", "server")
            self.servers.append(self.main)
        except BaseException:
            self.close()
            raise

    def close(self):
        for s in self.servers:
            s.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    def path(self, *names):
        return os.path.join(self.work, *names)

    def cmd(self, args, url=None, ca=True):
        c = list(common.WRAPPER) + [SB]
        if url is not False:
            c += ["--url", url or self.main.url()]
        if ca:
            c += ["--cacert", self.ca]
        return c + list(args)

    def environ(self, token=ADMIN):
        e = {k: v for k, v in os.environ.items()
             if not k.startswith("SONAR_") and not k.startswith("SSL_CERT")}
        if token is not None:
            e["SONAR_TOKEN"] = token
        return e

    def run(self, *args, token=ADMIN, url=None, ca=True, cwd=None,
            timeout=60):
        t0 = time.time()
        p = subprocess.run(self.cmd(args, url, ca), capture_output=True,
                           env=self.environ(token), cwd=cwd,
                           timeout=timeout * SLOW)
        return (p.returncode, p.stdout.decode("utf-8", "replace"),
                p.stderr.decode("utf-8", "replace"), time.time() - t0)


def one_line_error(err):
    lines = [l for l in err.splitlines() if l.strip()]
    check(lines and lines[-1].startswith("sonarbadge: "), "error: %r" % err)


def read_state(path):
    """Replay the state journal strictly (cli_journal.h):
    {project: {"rotated": t} or {"pending": t, ...}}, and the files still
    waiting for tokens under the key None: {path: set(keys)}."""
    out, waiting = {}, {}
    with open(path, encoding="utf-8") as f:
        text = f.read()
    check(text.endswith("\n"), "state file not complete")
    lines = text.splitlines()
    check(lines and lines[0] == "# sonarbadge rotation state v2",
          "not a version 2 state file: %r" % lines[:1])
    unq = urllib.parse.unquote
    for line in lines[1:]:
        p = line.split("\t")
        check(len(p) >= 3 and p[1].isdigit(), "bad %r" % line)
        if p[0] == "rotated" and len(p) == 3:
            out[unq(p[2])] = {"rotated": int(p[1])}
        elif p[0] == "pending" and len(p) == 5:
            check(p[2].isdigit() and len(p[3]) == 64, "bad %r" % line)
            out.setdefault(unq(p[4]), {})["pending"] = int(p[1])
        elif p[0] == "cleared" and len(p) == 3:
            out.setdefault(unq(p[2]), {}).pop("pending", None)
        elif p[0] == "sent" and len(p) == 4:
            check(p[2].isdigit(), "bad %r" % line)
            out.setdefault(unq(p[3]), {})["sent"] = int(p[1])
        elif p[0] == "boot" and len(p) == 3:
            pass
        elif p[0] == "rewrite" and len(p) == 4:
            waiting.setdefault(unq(p[2]), set()).add(unq(p[3]))
        elif p[0] == "rewritten" and len(p) == 3:
            waiting.pop(unq(p[2]), None)
        else:
            raise AssertionError("unknown record %r" % line)
    out[None] = waiting
    return out


def json_lines(out):
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def bulk_keys(n):
    return ["bulk-%04d" % i for i in range(1, n + 1)]


# ---------------------------------------------------------------- tests

def t_bulk_rotate_one_connection(env):
    env.main.call("POST", "/_standin/reset", {"tokens": True})
    before = env.main.stats()["tokens"]
    state = env.path("bulk.state")
    rc, out, err, secs = env.run("rotate", "--all", "--json", "--state",
                                 state, timeout=240)
    check(rc == 0, "rc=%d err=%s" % (rc, err[-500:]))
    rows = json_lines(out)
    keys = ["my:proj", "other", "pub"] + bulk_keys(BULK)
    check([r["project"] for r in rows] == keys, "projects/order differ")
    st = env.main.stats()
    check(st["connections"] == 1, "connections=%d" % st["connections"])
    check(sorted(st["renewals"]) == sorted(keys), "renewed set differs")
    check(all(v == 1 for v in st["renewals"].values()), "renewed twice")
    searches = [l for l in st["request_lines"] if "projects/search" in l]
    check(len(searches) == 3, "search pages: %d" % len(searches))
    for r in rows:
        check(r["status"] == "rotated" and r["error"] is None, repr(r))
        check(r["new"] == st["tokens"][r["project"]], "new token " + repr(r))
        old = before.get(r["project"])
        if old:
            check(r["old"] == "sqb_\u2026" + old[-4:], "old " + repr(r))
    check("rotated 1203 of 1203" in err, err)
    s = read_state(state)
    check(s.pop(None) == {}, "files waiting")
    check(sorted(s) == sorted(keys), "state keys")
    check(all("rotated" in v and "pending" not in v for v in s.values()),
          "state records")
    check(os.stat(state).st_mode & 0o777 == 0o600, "state mode")
    for tok in st["tokens"].values():
        check(tok not in err, "token on stderr")
    if VERBOSE:
        print("   bulk rotation of %d projects: %.1f s" % (len(keys), secs))
    # --older-than: everything was just rotated, nothing to do.
    env.main.reset()
    rc, out, err, _ = env.run("rotate", "--all", "--state", state,
                              "--older-than", "90d", timeout=120)
    check(rc == 0, err)
    check(env.main.stats()["renewals"] == {}, "rotated again")
    check(out.count("skipped") == len(keys), out[:300])
    # a 1 s threshold: they are due again (after a second has passed).
    time.sleep(1.1)
    rc, out, err, _ = env.run("rotate", "my:proj", "--state", state,
                              "--older-than", "1s")
    check(rc == 0 and env.main.stats()["renewals"] == {"my:proj": 1}, err)


def t_crash_safety(env):
    """SIGKILL at several points; rerun; every project exactly once."""
    env.main.reset()
    state = env.path("crash.state")
    keys = ["bulk-%04d" % i for i in range(1, 100)]   # --query bulk-00
    # The scheduled command: the same --older-than on every run.
    args = env.cmd(["rotate", "--all", "--query", "bulk-00", "--state",
                    state, "--older-than", "1d"])
    # A slow renew (30 ms) keeps every run long enough to be killed in,
    # whatever the machine's speed; the kills still land at any point.
    env.main.faults({"path": "/api/project_badges/renew_token",
                     "kind": "delay", "seconds": 0.03, "count": 100000})
    kills = 0
    # Kill after some lines; then at moments not tied to the output.
    for plan in (("lines", 5), ("time", 0.15), ("lines", 30),
                 ("time", 0.4), ("lines", 55), ("time", 0.05)):
        p = subprocess.Popen(args, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL,
                             env=env.environ())
        try:
            if plan[0] == "lines":
                for _ in range(plan[1]):
                    if not p.stdout.readline():
                        break
            else:
                time.sleep(plan[1])
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                kills += 1
        finally:
            p.wait(30)
            p.stdout.close()
        check(os.path.exists(state) is False or read_state(state) is not None,
              "state unreadable")
    check(kills >= 3, "the run finished before it could be killed")
    rc, out, err, _ = env.run("rotate", "--all", "--query", "bulk-00",
                              "--state", state, "--older-than", "1d",
                              timeout=120)
    check(rc == 0, "rerun rc=%d %s" % (rc, err[-300:]))
    st = env.main.stats()
    check(sorted(st["renewals"]) == keys,
          "missing: %s" % sorted(set(keys) - set(st["renewals"]))[:5])
    twice = [k for k, v in st["renewals"].items() if v != 1]
    check(not twice, "rotated more than once: %s" % twice[:5])
    s = read_state(state)
    check(all("rotated" in s[k] and "pending" not in s[k] for k in keys),
          "state incomplete")
    check(s[None] == {}, "files still waiting: %r" % s[None])
    # a third run with --older-than rotates nothing
    env.main.reset()
    rc, _, err, _ = env.run("rotate", "--all", "--query", "bulk-00",
                            "--state", state, "--older-than", "1d")
    check(rc == 0 and env.main.stats()["renewals"] == {}, err)


def t_dry_run(env):
    env.main.reset()
    state = env.path("dry.state")
    rc, out, err, _ = env.run("rotate", "--all", "--query", "bulk-000",
                              "--state", state, "--dry-run", "--json")
    check(rc == 0, err)
    rows = json_lines(out)
    check([r["project"] for r in rows] == bulk_keys(9), out[:200])
    check(all(r["status"] == "would-rotate" for r in rows), out[:200])
    st = env.main.stats()
    check(st["renewals"] == {}, "renewed in a dry run")
    check(all("projects/search" in l for l in st["request_lines"]),
          "dry run read or changed tokens: %s" % st["request_lines"][:3])
    check(not os.path.exists(state), "state file written in a dry run")
    check("nothing was changed" in err, err)


def t_from_file_partial_failure(env):
    env.main.reset()
    lst = env.path("list.txt")
    with open(lst, "w") as f:
        f.write("# projects to rotate\n\nmy:proj\n  other  \nno-such\n"
                "my:proj\n")
    rc, out, err, _ = env.run("rotate", "--from", lst, "--json")
    check(rc == 1, "rc=%d %s" % (rc, err))
    rows = json_lines(out)
    check([r["project"] for r in rows] == ["my:proj", "other", "no-such"],
          out)
    check(rows[2]["status"] == "failed" and "not found" in rows[2]["error"],
          repr(rows[2]))
    check(rows[2]["new"] is None, repr(rows[2]))
    st = env.main.stats()
    check(st["renewals"] == {"my:proj": 1, "other": 1}, st["renewals"])
    check("1 failed" in err, err)
    # the table form
    rc, out, err, _ = env.run("rotate", "other")
    check(rc == 0 and out.startswith("other ") and "rotated" in out, out)
    check(env.main.stats()["tokens"]["other"] in out, "new token not shown")


def t_split_writes_server(env):
    """A server that writes each answer's head and body separately with
    Nagle on (the stand-in's --split-writes, as Python's http.server):
    every answer is read whole, on one connection per job, each project
    renewed once. (How long it takes is measured by make bench, never
    judged here.)"""
    srv = base.Server(env.work, "split", "server", extra=["--split-writes"])
    try:
        for jobs, keys in (("1", bulk_keys(20)), ("4", bulk_keys(60)[20:])):
            srv.reset()
            lst = env.path("split-%s.txt" % jobs)
            with open(lst, "w") as f:
                f.write("\n".join(keys) + "\n")
            rc, out, err, _ = env.run("rotate", "--from", lst, "--json", "--jobs", jobs,
                                      "--state", env.path("split.state"),
                                      url=srv.url(), timeout=120)
            check(rc == 0, "--jobs %s: rc=%d %s" % (jobs, rc, err[-300:]))
            rows = json_lines(out)
            check([r["project"] for r in rows] == keys, "--jobs %s: order" % jobs)
            st = srv.stats()
            check(st["split_writes"] and st["nodelay_connections"] == 0, repr(st)[:200])
            check(all(r["status"] == "rotated" and r["new"] == st["tokens"][r["project"]]
                      for r in rows), "--jobs %s: %r" % (jobs, rows[:2]))
            check(st["renewals"] == {k: 1 for k in keys}, "--jobs %s: renewals" % jobs)
            gets = sum(1 for l in st["request_lines"] if l.startswith("GET "))
            posts = len(st["request_lines"]) - gets
            check(posts == len(keys) and st["response_writes"] == 2 * gets + posts,
                  "--jobs %s: %d writes for %d GETs and %d POSTs" % (
                      jobs, st["response_writes"], gets, posts))
            check(1 <= st["connections"] <= int(jobs),
                  "--jobs %s: %d connections" % (jobs, st["connections"]))
    finally:
        srv.stop()


def t_rotate_usage_errors(env):
    cases = [("rotate",), ("rotate", "--older-than", "90d", "x"),
             ("rotate", "--state", "s", "--older-than", "90", "x"),
             ("rotate", "--bogus"), ("rotate", "--from", env.path("nope"))]
    for args in cases:
        rc, out, err, _ = env.run(*args)
        check(rc == 2, "%s: rc=%d" % (args, rc))
        one_line_error(err)
    bad = env.path("bad.state")
    with open(bad, "w") as f:
        f.write("# sonarbadge rotation state v1\nrotated\tyesterday\tx\n")
    rc, _, err, _ = env.run("rotate", "my:proj", "--state", bad)
    check(rc == 2 and "line 2" in err, err)
    check(env.main.stats()["renewals"].get("my:proj", 0) <= 3, "ran")


def t_projects(env):
    env.main.reset()
    rc, out, err, _ = env.run("projects", "--query", "bulk-000")
    check(rc == 0 and out.splitlines() == [k + "\tTRK" for k in bulk_keys(9)],
          out + err)
    env.main.reset()
    rc, out, err, _ = env.run("projects")
    check(rc == 0 and len(out.splitlines()) == BULK + 3, err)
    check(env.main.stats()["connections"] == 1, "one connection")
    rc, out, err, _ = env.run("projects", token=BOB)
    check(rc == 5 and "Administer System" in err, "rc=%d %s" % (rc, err))
    one_line_error(err)
    rc, _, err, _ = env.run("rotate", "--all", token=BOB)
    check(rc == 5 and "Administer System" in err, err)


def materialise(env, name, base_url, new_token, old_token):
    """Fixture with the live base URL; returns (input path, expected)."""
    fb = "https://sonar.example.com/sonarqube"
    with open(os.path.join(FIXTURES, name + ".in"), newline="") as f:
        text = f.read()
    with open(os.path.join(FIXTURES, name + ".expected"), newline="") as f:
        exp = f.read()
    old = "sqb_" + "0" * 40
    new = "sqb_" + "1" * 40

    def live(s):
        host, path = base_url.rsplit("/", 1)   # .../sonarqube
        s = s.replace(fb, base_url).replace(
            "HTTPS://SONAR.EXAMPLE.COM/sonarqube", host.upper() + "/" + path)
        return s.replace(old, old_token).replace(new, new_token)
    path = env.path("rw", name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="") as f:
        f.write(live(text))
    return path, live(exp).encode()


def t_rewrite_files(env):
    ctx = base.Server(env.work, "ctx", "server",
                      extra=("--context", "/sonarqube"))
    env.servers.append(ctx)
    url = ctx.url() + "/sonarqube"
    old = "sqb_" + "ab" * 20
    ctx.call("POST", "/_standin/tokens", {"my:proj": "sqb_" + "1" * 40})
    cur = "sqb_" + "1" * 40
    files = {}
    for name in ("README.md", "index.html", "docs.rst", "nomatch.txt"):
        files[name] = materialise(env, name, url, cur, old)
    # --check: stale URLs found, nothing changed
    paths = [files[n][0] for n in files]
    before = {p: (open(p, "rb").read(), os.stat(p).st_mtime_ns)
              for p in paths}
    os.chmod(files["index.html"][0], 0o640)
    rc, out, err, _ = env.run("rewrite", "--check", "--project", "my:proj",
                              *paths, url=url)
    check(rc == 1 and "stale" in out, "rc=%d %s %s" % (rc, out, err))
    for p in paths:
        check(open(p, "rb").read() == before[p][0], "--check changed " + p)
    time.sleep(0.02)
    rc, out, err, _ = env.run("rewrite", "--project", "my:proj", *paths,
                              url=url)
    check(rc == 0, "rc=%d %s" % (rc, err))
    for name, (p, exp) in files.items():
        got = open(p, "rb").read()
        if got != exp and VERBOSE:
            import difflib
            print("".join(difflib.unified_diff(
                exp.decode().splitlines(True), got.decode().splitlines(True))))
        check(got == exp, "%s differs from the expected file" % name)
    nm = files["nomatch.txt"][0]
    check(os.stat(nm).st_mtime_ns == before[nm][1], "untouched file's mtime")
    check(os.stat(files["index.html"][0]).st_mode & 0o777 == 0o640,
          "mode not kept")
    check(not [f for f in os.listdir(env.path("rw")) if "sbtmp" in f],
          "temporary file left")
    rc, out, err, _ = env.run("rewrite", "--check", "--project", "my:proj",
                              *paths, url=url)
    check(rc == 0, "after rewrite --check: %s" % out)
    check(cur not in out + err and old not in out + err, "token printed")


def t_check_rotate_rewrite(env):
    env.main.reset()
    rc, tok, err, _ = env.run("token", "my:proj")
    tok = tok.strip()
    check(rc == 0, err)
    u = env.main.url()
    readme = env.path("check", "README.md")
    os.makedirs(os.path.dirname(readme), exist_ok=True)
    with open(readme, "w") as f:
        f.write("[![QG](%s/api/project_badges/measure?project=my%%3Aproj"
                "&metric=alert_status&token=%s)](%s/dashboard?id=my%%3Aproj)\n"
                '<img src="%s/api/project_badges/quality_gate?project=my%%3Aproj'
                '&amp;token=%s">\n' % (u, tok, u, u, tok))
    rc, out, err, _ = env.run("check", readme)
    check(rc == 0 and out.count(" ok ") == 2, "rc=%d %s %s" % (rc, out, err))
    env.main.reset()
    rc, out, err, _ = env.run("rotate", "my:proj")
    check(rc == 0, err)
    rc, out, err, _ = env.run("check", readme)
    check(rc == 1 and out.count("broken") == 2 and
          "Project has not been found" in out, "rc=%d %s" % (rc, out))
    check(tok not in out + err, "token printed by check")
    # rotate --rewrite brings the file up to date in the same run
    rc, out, err, _ = env.run("rotate", "my:proj", "--rewrite", readme)
    check(rc == 0 and "rewrote 2 badge URLs" in err, err)
    rc, out, err, _ = env.run("check", readme)
    check(rc == 0, "after rewrite: %s" % out)
    new = env.main.stats()["tokens"]["my:proj"]
    check(new in open(readme).read(), "file has the new token")


def t_fetch(env):
    out_svg = env.path("qg.svg")
    rc, out, err, _ = env.run("fetch", "my:proj", "-o", out_svg)
    check(rc == 0, err)
    svg = open(out_svg).read()
    check(svg.startswith("<svg") and "quality gate" in svg, svg[:100])
    rc, out, err, _ = env.run("fetch", "my:proj", "--metric", "coverage")
    check(rc == 0 and "87.5%" in out, out[:200] + err)
    rc, out, err, _ = env.run("fetch", "my:proj", "--quality-gate",
                              "--branch", "develop")
    check(rc == 0 and "<svg" in out, err)
    rc, out, err, _ = env.run("fetch", "my:proj", "--branch", "nope")
    check(rc == 6 and "has no branch 'nope'" in err and out == "",
          "rc=%d %s" % (rc, err))
    one_line_error(err)
    rc, out, err, _ = env.run("fetch", "my:proj", "--metric", "bogus")
    check(rc == 2, err)


def t_properties_defaults(env):
    d = env.path("props")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "sonar-project.properties"), "w") as f:
        f.write("# scanner settings\nsonar.projectKey = my:proj\n"
                "sonar.host.url=%s\nsonar.sources=.\n" % env.main.url())
    rc, out, err, _ = env.run("fetch", url=False, cwd=d)
    check(rc == 0 and "<svg" in out, "rc=%d %s" % (rc, err))
    env.main.reset()
    rc, out, err, _ = env.run("rotate", "--json", url=False, cwd=d)
    check(rc == 0 and json_lines(out)[0]["project"] == "my:proj", err)
    check(env.main.stats()["renewals"] == {"my:proj": 1}, "renewals")


def t_static_chroot(env):
    build = os.environ.get("BUILD", "build")
    p = subprocess.run(["make", "--no-print-directory", "static",
                        "BUILD=" + build], cwd=ROOT, capture_output=True,
                       timeout=300)
    check(p.returncode == 0, p.stderr.decode()[-500:])
    binary = os.path.join(ROOT, build, "sonarbadge-static")
    p = subprocess.run(["file", binary], capture_output=True)
    check(b"statically linked" in p.stdout or b"static-pie" in p.stdout,
          p.stdout)
    root = env.path("chroot")
    os.makedirs(os.path.join(root, "etc"))
    shutil.copy(binary, os.path.join(root, "sonarbadge"))
    shutil.copy(env.ca, os.path.join(root, "ca.pem"))
    with open(os.path.join(root, "etc", "hosts"), "w") as f:
        f.write("127.0.0.1 localhost\n")
    if os.geteuid() != 0:
        # The build check above still ran; chroot needs root.
        raise common.SkipTest("chroot needs root (the static build was checked)")
    env.main.reset()
    e = env.environ()
    p = subprocess.run(["chroot", root, "/sonarbadge", "--url",
                        env.main.url(), "--cacert", "/ca.pem", "renew",
                        "my:proj"], capture_output=True, env=e,
                       timeout=60 * SLOW)
    check(p.returncode == 0, p.stderr.decode())
    check(p.stdout.decode().strip() == env.main.stats()["tokens"]["my:proj"],
          "static binary's token")


TESTS = [t_bulk_rotate_one_connection, t_crash_safety, t_dry_run,
         t_from_file_partial_failure, t_split_writes_server, t_rotate_usage_errors, t_projects,
         t_rewrite_files, t_check_rotate_rewrite, t_fetch,
         t_properties_defaults, t_static_chroot]



def main():
    return common.main(TESTS, Env, 'rotate')


if __name__ == "__main__":
    sys.exit(main())
