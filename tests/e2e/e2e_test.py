#!/usr/bin/env python3
"""End-to-end tests of the sonarbadge command against the SonarQube
stand-in, over TLS on 127.0.0.1 with certificates generated for the run.

Every server is started here, on loopback, and stopped at the end; every
command runs with a time-out. Prints one line per failure and ends with
"N passed, N failed". Python 3 standard library only.
"""

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import time

import sbtest_common as common

from sbtest_common import (  # noqa: F401  (re-exported to the other suites)
    BUILD, GEN_CERTS, HERE, ROOT, SB, SLOW, STANDIN, VERBOSE, WRAPPER)

ADMIN = "squ_" + "a1" * 20
BOB = "squ_" + "b2" * 20       # Browse only
NOBODY = "squ_" + "c3" * 20    # no permission on anything
TOKEN_RE = re.compile(r"^sqb_[0-9a-f]{40}$")

# What the UI of the default stand-in (a 2025 server whose instance mode
# cannot be read: MQR, the default of new instances) offers, in its
# order; versions_test.py checks every profile.
METRIC_ORDER = [
    "coverage", "duplicated_lines_density", "ncloc", "alert_status",
    "security_hotspots",
    "software_quality_reliability_issues",
    "software_quality_maintainability_issues",
    "software_quality_security_issues",
    "software_quality_maintainability_rating",
    "software_quality_reliability_rating",
    "software_quality_security_rating",
    "software_quality_maintainability_remediation_effort",
]


# The stand-in process wrapper (one per server of an Env).
Server = common.Standin


class Env:
    def __init__(self):
        config = {
            "users": {
                ADMIN: {"login": "admin", "admin_projects": ["*"],
                        "browse_projects": ["*"]},
                BOB: {"login": "bob", "admin_projects": [],
                      "browse_projects": ["*"]},
                NOBODY: {"login": "nobody", "admin_projects": [],
                         "browse_projects": []},
            },
            "projects": [{"key": "my:proj", "visibility": "private"},
                         {"key": "other", "visibility": "private"},
                         {"key": "pub", "visibility": "public"}],
            "force_authentication": True,
        }
        self.work, self.ca = common.make_workdir("sonarbadge-e2e-", config)
        self.servers = []
        try:
            self.start_all()
        except BaseException:
            self.close()
            raise

    def start_all(self):
        self.main = self.start("main", "server")
        self.cloud = self.start("cloud", "server", mode="cloud")
        self.plain = self.start("plain", None)
        self.wronghost = self.start("wronghost", "wronghost")
        self.rogue = self.start("rogue", "rogue_server")
        self.ctx = self.start("ctx", "server", extra=("--context",
                                                      "/sonarqube"))

    def start(self, name, cert, mode="server", extra=()):
        s = Server(self.work, name, cert, mode, extra)
        self.servers.append(s)
        return s

    def close(self):
        for s in self.servers:
            s.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    def run(self, *args, token=ADMIN, url=None, ca=True, env=None,
            stdin=None, timeout=30):
        """Run sonarbadge; returns (rc, stdout, stderr, seconds)."""
        e = {k: v for k, v in os.environ.items()
             if not k.startswith("SONAR_") and not k.startswith("SSL_CERT")}
        if token is not None:
            e["SONAR_TOKEN"] = token
        if env:
            e.update(env)
        cmd = list(WRAPPER) + [SB]
        if url is not False:
            cmd += ["--url", url or self.main.url()]
        if ca:
            cmd += ["--cacert", self.ca]
        cmd += list(args)
        t0 = time.time()
        p = subprocess.run(cmd, input=stdin, capture_output=True, env=e,
                           timeout=timeout * SLOW)
        return (p.returncode, p.stdout.decode("utf-8", "replace"),
                p.stderr.decode("utf-8", "replace"), time.time() - t0)


def fetch(server, path):
    st, headers, body = server.call("GET", path)
    return st, headers, body.decode("utf-8", "replace")


# ---------------------------------------------------------------- tests

def check(cond, what):
    if not cond:
        raise AssertionError(what)


def one_line_error(err, code_hint=""):
    lines = [l for l in err.splitlines() if l.strip()]
    check(len(lines) >= 1, "no error message " + code_hint)
    check(lines[-1].startswith("sonarbadge: "),
          "error does not start with 'sonarbadge: ': %r" % err)


def t_token(env):
    rc, out, err, _ = env.run("token", "my:proj")
    check(rc == 0, "rc=%d err=%s" % (rc, err))
    check(out.endswith("\n") and out.count("\n") == 1, repr(out))
    tok = out.strip()
    check(TOKEN_RE.match(tok), "token %r" % tok)
    check(env.main.stats()["tokens"]["my:proj"] == tok, "not the server's")
    rc, out2, _, _ = env.run("token", "my:proj")
    check(rc == 0 and out2 == out, "token not stable")


def t_token_bearer_and_browse_only(env):
    rc, out, err, _ = env.run("--auth", "bearer", "token", "my:proj")
    check(rc == 0 and TOKEN_RE.match(out.strip()), err)
    rc, out, err, _ = env.run("token", "my:proj", token=BOB)
    check(rc == 0 and TOKEN_RE.match(out.strip()), "Browse reads: " + err)


def t_renew(env):
    rc, out, _, _ = env.run("token", "my:proj")
    old = out.strip()
    before = env.main.stats()["renewals"].get("my:proj", 0)
    rc, out, err, _ = env.run("renew", "my:proj")
    check(rc == 0, "rc=%d err=%s" % (rc, err))
    new = out.strip()
    check(TOKEN_RE.match(new) and new != old, "new %r old %r" % (new, old))
    check(out == new + "\n", "stdout is not the token alone")
    lines = err.strip().splitlines()
    check(len(lines) == 1 and "my:proj" in lines[0]
          and ("sqb_\u2026" + old[-4:]) in lines[0]
          and ("sqb_\u2026" + new[-4:]) in lines[0], "stderr %r" % err)
    check(old not in err and new not in err, "full token on stderr")
    st = env.main.stats()
    check(st["renewals"]["my:proj"] == before + 1, "renewals")
    check(st["tokens"]["my:proj"] == new, "server token differs")
    # The old badge URL now fails (HTTP 200 error SVG); the new one renders.
    q = "/api/project_badges/measure?project=my%3Aproj&metric=alert_status"
    s1, h1, b1 = fetch(env.main, q + "&token=" + old)
    check(s1 == 200 and "Project has not been found" in b1, "old badge")
    s2, h2, b2 = fetch(env.main, q + "&token=" + new)
    check(s2 == 200 and "Project has not been found" not in b2
          and "<svg" in b2, "new badge")


def t_renew_one_connection(env):
    env.main.reset()
    rc, _, err, _ = env.run("renew", "other")
    check(rc == 0, err)
    st = env.main.stats()
    check(st["request_lines"] == [
        "GET /api/project_badges/token",
        "POST /api/project_badges/renew_token",
        "GET /api/project_badges/token"], str(st["request_lines"]))
    check(st["connections"] == 1, "connections=%d" % st["connections"])


def urls_lines(env, *extra, url=None):
    rc, out, err, _ = env.run("urls", *extra, url=url)
    check(rc == 0, "rc=%d err=%s" % (rc, err))
    return out.splitlines()


def t_urls_markdown(env):
    tok = env.run("token", "my:proj")[1].strip()
    base = env.main.url()
    lines = urls_lines(env, "my:proj")
    check(len(lines) == len(METRIC_ORDER) + 1, "%d lines" % len(lines))
    check(lines[3] ==
          "[![Quality Gate Status](%s/api/project_badges/measure?project="
          "my%%3Aproj&metric=alert_status&token=%s)](%s/dashboard?id="
          "my%%3Aproj)" % (base, tok, base), lines[3])
    check(lines[-1] ==
          "[![Quality gate](%s/api/project_badges/quality_gate?project="
          "my%%3Aproj&token=%s)](%s/dashboard?id=my%%3Aproj)"
          % (base, tok, base), lines[-1])
    for line, metric in zip(lines, METRIC_ORDER):
        check("&metric=%s&" % metric in line, "order: " + line)
    check("[![Coverage](" in lines[0] and "[![Lines of Code](" in lines[2]
          and "[![Reliability Issues](" in lines[5], "labels")


def t_urls_formats_branch(env):
    tok = env.run("token", "my:proj")[1].strip()
    base = env.main.url()
    lines = urls_lines(env, "my:proj", "--format", "url", "--branch",
                       "feature/x", "--metric", "coverage", "--metric",
                       "quality_gate")
    check(lines == [
        "%s/api/project_badges/measure?branch=feature%%2Fx&project="
        "my%%3Aproj&metric=coverage&token=%s" % (base, tok),
        "%s/api/project_badges/quality_gate?branch=feature%%2Fx&project="
        "my%%3Aproj&token=%s" % (base, tok)], str(lines))
    lines = urls_lines(env, "my:proj", "--format", "json", "--branch",
                       "develop")
    objs = [json.loads(l) for l in lines]
    check(len(objs) == len(METRIC_ORDER) + 1, "json count")
    check(objs[3]["metric"] == "alert_status"
          and objs[3]["label"] == "Quality Gate Status"
          and objs[3]["link"] == base + "/dashboard?id=my%3Aproj&branch="
          "develop" and objs[-1]["badge"] == "quality_gate"
          and objs[-1]["metric"] is None, str(objs[3]))
    # The URLs it prints really render on the stand-in.
    for o in objs:
        path = o["url"][len(base):]
        st, _, body = fetch(env.main, path)
        check(st == 200 and "not been found" not in body, o["url"])
    rc, _, err, _ = env.run("urls", "my:proj", "--metric", "nope")
    check(rc == 2 and "unknown metric" in err and "coverage" in err, err)
    common.one_line_error(err)
    # An argument echoed in a message cannot break it into two lines.
    rc, _, err, _ = env.run("urls", "my:proj", "--metric", "no\npe\x1b[2J")
    check(rc == 2 and "'no?pe?[2J'" in err, err)
    common.one_line_error(err)
    for key, text in (("", "empty project key"),
                      ("k" * 401, "longer than 400")):
        rc, _, err, _ = env.run("token", key)
        check(rc == 2 and text in err, "key %r: %s" % (key[:5], err))


def t_urls_base_path(env):
    for base in (env.ctx.url() + "/sonarqube", env.ctx.url() + "/sonarqube/"):
        rc, out, err, _ = env.run("urls", "my:proj", "--format", "url",
                                  "--metric", "alert_status", url=base)
        check(rc == 0, "rc=%d err=%s" % (rc, err))
        check(out.startswith(env.ctx.url() + "/sonarqube/api/project_badges/"
                             "measure?project=my%3Aproj&metric=alert_status"
                             "&token=sqb_"), out)
    rc, out, err, _ = env.run("renew", "my:proj",
                              url=env.ctx.url() + "/sonarqube")
    check(rc == 0, err)


def t_no_token(env):
    rc, out, err, _ = env.run("token", "my:proj", token=None)
    check(rc == 2 and out == "", "rc=%d" % rc)
    one_line_error(err)
    check("SONAR_TOKEN" in err, err)


def t_bad_token(env):
    rc, _, err, _ = env.run("token", "my:proj", token="squ_wrong")
    check(rc == 5, "rc=%d %s" % (rc, err))
    one_line_error(err)
    check("squ_wrong" not in err, "token in error")


def t_renew_without_admin(env):
    before = env.main.stats()["renewals"].get("my:proj", 0)
    rc, out, err, _ = env.run("renew", "my:proj", token=BOB)
    check(rc == 5 and out == "", "rc=%d %s" % (rc, err))
    check("Insufficient privileges" in err and "Administer" in err, err)
    check(env.main.stats()["renewals"].get("my:proj", 0) == before,
          "renewed anyway")
    rc, _, err, _ = env.run("token", "my:proj", token=NOBODY)
    check(rc == 5, "no Browse: rc=%d" % rc)


def t_unknown_project(env):
    rc, out, err, _ = env.run("token", "does-not-exist")
    check(rc == 6 and out == "", "rc=%d" % rc)
    one_line_error(err)
    check("does-not-exist" in err and "not found" in err, err)


def t_untrusted_ca(env):
    env.rogue.reset()
    rc, out, err, _ = env.run("token", "my:proj", url=env.rogue.url())
    check(rc == 4 and out == "", "rc=%d %s" % (rc, err))
    one_line_error(err)
    st = env.rogue.stats()
    check(st["requests"] == 0 and st["request_lines"] == [],
          "request reached the server: %s" % st)


def t_wrong_hostname(env):
    env.wronghost.reset()
    rc, out, err, _ = env.run("renew", "my:proj", url=env.wronghost.url())
    check(rc == 4 and out == "", "rc=%d %s" % (rc, err))
    one_line_error(err)
    # Both sides are named: the certificate's name and the one asked for.
    check("it is for other.example, not localhost" in err, err)
    # The same through a DER CA file (verified inside the handshake).
    der = os.path.join(env.work, "ca.der")
    subprocess.run(["openssl", "x509", "-in", env.ca, "-outform", "DER",
                    "-out", der], check=True)
    rc, out, err, _ = env.run("token", "my:proj", url=env.wronghost.url(),
                              ca=False, env={"SSL_CERT_FILE": der})
    check(rc == 4 and "it is for other.example, not localhost" in err,
          "rc=%d %s" % (rc, err))
    st = env.wronghost.stats()
    check(st["requests"] == 0 and st["request_lines"] == [],
          "request reached the server: %s" % st)


def t_hostile_trust_files(env):
    """A FIFO without a writer, /dev/zero or a folder as the CA file is a
    configuration error at once (never a hang or an endless read); a FIFO
    inside a --capath folder is skipped."""
    fifo = os.path.join(env.work, "ca.fifo")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    for bad in (fifo, "/dev/zero", env.work):
        rc, out, err, secs = env.run("--cacert", bad, "token", "my:proj",
                                     ca=False, timeout=10)
        check(rc == 2 and out == "", "--cacert %s: rc=%d %s" % (bad, rc, err))
        one_line_error(err)
        check("CA file" in err and "regular file" in err, err)
    folder = os.path.join(env.work, "capath")
    os.makedirs(folder, exist_ok=True)
    shutil.copy(env.ca, os.path.join(folder, "ca.pem"))
    if not os.path.exists(os.path.join(folder, "x.pem")):
        os.mkfifo(os.path.join(folder, "x.pem"))
    rc, out, err, _ = env.run("--capath", folder, "token", "my:proj",
                              ca=False, timeout=10)
    check(rc == 0 and out.startswith("sqb_"), "--capath: rc=%d %s" % (rc, err))


def t_sonarcloud_fallback(env):
    rc, out, err, _ = env.run("token", "my:proj", url=env.cloud.url())
    check(rc == 0, "rc=%d %s" % (rc, err))
    tok = out.strip()
    check(re.match(r"^[0-9a-f]{40}$", tok), tok)
    check(env.cloud.stats()["tokens"]["my:proj"] == tok, "cloud token")
    env.cloud.reset()
    rc, out, err, _ = env.run("renew", "my:proj", url=env.cloud.url())
    check(rc == 7 and out == "", "rc=%d %s" % (rc, err))
    check("SonarQube Cloud (SonarCloud) has no documented API" in err, err)
    posts = [l for l in env.cloud.stats()["request_lines"]
             if l.startswith("POST")]
    check(len(posts) == 1, str(posts))


def t_drop_after_renew(env):
    """The connection breaks after the POST was applied: one renewal."""
    env.main.reset()
    old = env.run("token", "my:proj")[1].strip()
    env.main.faults({"path": "/api/project_badges/renew_token",
                     "kind": "drop_after", "count": 1})
    before = env.main.stats()["renewals"].get("my:proj", 0)
    rc, out, err, _ = env.run("renew", "my:proj")
    check(rc == 0, "rc=%d %s" % (rc, err))
    st = env.main.stats()
    check(st["renewals"]["my:proj"] == before + 1, "renewals %s" % st)
    check(out.strip() == st["tokens"]["my:proj"] and out.strip() != old,
          "printed token is not the server's")
    posts = [l for l in st["request_lines"] if l.startswith("POST")]
    check(len(posts) == 1, "POST repeated: %s" % posts)


def t_drop_before_renew(env):
    """The POST never reached the handler: read, compare, post once more."""
    env.main.reset()
    old = env.run("token", "my:proj")[1].strip()
    env.main.faults({"path": "/api/project_badges/renew_token",
                     "kind": "drop_before", "count": 1})
    before = env.main.stats()["renewals"].get("my:proj", 0)
    rc, out, err, _ = env.run("renew", "my:proj")
    check(rc == 0, "rc=%d %s" % (rc, err))
    st = env.main.stats()
    check(st["renewals"]["my:proj"] == before + 1, "renewals %s" % st)
    check(out.strip() == st["tokens"]["my:proj"] != old, "token")
    posts = [l for l in st["request_lines"] if l.startswith("POST")]
    check(len(posts) == 2, "POSTs: %s" % posts)


def t_idle_close_reconnects(env):
    env.main.reset()
    env.main.faults({"path": "/api/project_badges/token",
                     "kind": "idle_close", "count": 1})
    rc, out, err, _ = env.run("renew", "other")
    check(rc == 0, "rc=%d %s" % (rc, err))
    st = env.main.stats()
    # 2 when the close is seen before the POST goes out; 3 when the POST
    # meets it (then the token is read, and the POST sent again on a new
    # connection). Either way exactly one renewal.
    check(st["connections"] in (2, 3), "connections %d" % st["connections"])
    check(st["renewals"]["other"] == 1, "renewals %r" % st["renewals"])


def t_bytes_past_answer_inside_tls(env):
    """An answer that fills the client's 1 KiB reads exactly, with more
    bytes behind it in the same TLS record: those bytes stay inside
    mbedTLS, where no socket poll sees them. The connection must not be
    reused, or they would be read as the answer to the renew POST."""
    env.main.reset()
    rc, out, err, _ = env.run("token", "other")
    check(rc == 0, err)
    old = out.strip()
    head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "Content-Length: %d\r\n\r\n")
    body = '{"token":"%s"}' % old
    pad = 1024 - len(head % 0) - len(body)
    for _ in range(3):  # the length digits change the head's size
        n = len(body) + pad
        pad = 1024 - len(head % n) - len(body)
    answer = (head % (len(body) + pad)) + body + " " * pad
    check(len(answer) == 1024, "answer is %d bytes" % len(answer))
    env.main.faults({"path": "/api/project_badges/token", "kind": "raw",
                     "data": answer + "HTTP/1.1 204 No Content\r\n\r\n",
                     "close": False, "count": 1})
    rc, out, err, _ = env.run("-v", "renew", "other")
    check(rc == 0 and TOKEN_RE.match(out.strip().splitlines()[-1]) and
          out.strip() != old, "rc=%d %s" % (rc, err[-600:]))
    check("kept-alive connection was closed" in err, "not dropped: " + err[-600:])
    st = env.main.stats()
    check(st["renewals"]["other"] == 1, "renewals %r" % st["renewals"])


def t_chunked_and_continue(env):
    env.main.faults({"path": "/api/project_badges/token", "kind": "chunked",
                     "chunk_size": 3, "count": 1},
                    {"path": "/api/project_badges/token",
                     "kind": "continue", "count": 1})
    for _ in range(2):
        rc, out, err, _ = env.run("token", "my:proj")
        check(rc == 0 and TOKEN_RE.match(out.strip()), err)


def t_server_errors(env):
    cases = [
        ({"kind": "status", "status": 500, "body":
          '{"errors":[{"msg":"An error has occurred. Please contact your '
          'administrator"}]}'}, 7, "HTTP 500"),
        ({"kind": "status", "status": 503, "body": "<html>down</html>"}, 7,
         "HTTP 503"),
        ({"kind": "status", "status": 429, "headers": {"Retry-After": "1"}},
         7, "429"),
        ({"kind": "garbage"}, 7, ""),
        ({"kind": "raw", "data": "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
          "\r\nhello"}, 7, "JSON"),
        ({"kind": "raw", "data": "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
          "\r\nshort"}, 3, "closed"),
        ({"kind": "drop_before"}, 3, "closed"),
    ]
    for fault, code, text in cases:
        env.main.reset()
        fault = dict(fault, path="/api/project_badges/token", count=1)
        env.main.faults(fault)
        rc, out, err, _ = env.run("--retry", "0", "token", "my:proj")
        check(rc == code and out == "",
              "%s: rc=%d want %d: %s" % (fault["kind"], rc, code, err))
        one_line_error(err)
        check(len(err.strip().splitlines()) == 1, "one line: %r" % err)
        check(text in err, "%s: %r" % (fault["kind"], err))


def t_max_time(env):
    env.main.reset()
    env.main.faults({"path": "/api/project_badges/token", "kind": "drip",
                     "interval": 1.0, "count": 1})
    rc, out, err, secs = env.run("--max-time", "2", "token", "my:proj")
    check(rc == 3 and "timed out" in err, "rc=%d %s" % (rc, err))
    check(secs < 8 * SLOW, "took %.1fs" % secs)


def t_connection_refused(env):
    rc, _, err, secs = env.run("token", "my:proj",
                               url="https://127.0.0.1:1")
    check(rc == 3, "rc=%d %s" % (rc, err))
    one_line_error(err)


def t_verbose_redacts(env):
    rc, out, err, _ = env.run("-v", "renew", "my:proj")
    check(rc == 0, err)
    new = out.strip()
    basic = base64.b64encode((ADMIN + ":").encode()).decode()
    check("> GET /api/project_badges/token?project=my%3Aproj HTTP/1.1" in err,
          "request line missing")
    check("Authorization: Basic [redacted]" in err, "auth not shown")
    check("< HTTP/1.1 204" in err, "status line missing")
    for secret in (ADMIN, basic, new):
        check(secret not in err, "secret in verbose output")


def t_token_file(env):
    path = os.path.join(env.work, "token.txt")
    with open(path, "w") as f:
        f.write(ADMIN + "\n")
    os.chmod(path, 0o600)
    rc, out, err, _ = env.run("--token-file", path, "token", "my:proj",
                              token=None)
    check(rc == 0 and TOKEN_RE.match(out.strip()), err)
    check(err == "", "unexpected stderr %r" % err)
    rc, out, err, _ = env.run("--token-file", "-", "token", "my:proj",
                              token=None, stdin=(ADMIN + "\n").encode())
    check(rc == 0 and TOKEN_RE.match(out.strip()), err)
    rc, out, err, _ = env.run("--token-file", path + ".missing", "token",
                              "my:proj", token=None)
    check(rc == 2, "missing file rc=%d" % rc)


def t_usage(env):
    rc, out, err, _ = env.run("--help", url=False, ca=False)
    check(rc == 0 and "Usage: sonarbadge" in out, "help")
    rc, out, err, _ = env.run("--version", url=False, ca=False)
    check(rc == 0 and re.match(r"sonarbadge \d+\.\d+\.\d+ \(mbedTLS \d+\.\d+\.\d+\)$",
                               out.strip()), "version: " + out)
    rc, out, err, _ = env.run("--token", ADMIN, "token", "x")
    check(rc == 2 and ADMIN not in err, "--token rejected without echo")
    rc, out, err, _ = env.run("urls", "my:proj", "--format", "xml",
                              token=None)
    check(rc == 2 and "--format" in err, "usage before token: " + err)
    rc, out, err, _ = env.run("token", "my:proj", "--branch", "x")
    check(rc == 2 and "--branch" in err, "option of another command")
    rc, out, err, _ = env.run("token", "-v", "--", "my:proj")
    check(rc == 0 and "> GET" in err, "global option after the command")
    rc, out, err, _ = env.run("frobnicate", "x")
    check(rc == 2, "unknown command")
    rc, out, err, _ = env.run("token")
    check(rc == 2, "missing project")
    rc, out, err, _ = env.run("token", "x", url="ftp://x")
    check(rc == 2, "bad URL scheme")
    rc, out, err, _ = env.run("token", "x",
                              url="https://user:pw@localhost:1")
    check(rc == 2 and "pw" not in err, "user info rejected")
    rc, _, err, _ = env.run("token", "my:proj", ca=False,
                            env={"SSL_CERT_FILE": env.ca})
    check(rc == 0, "SSL_CERT_FILE: " + err)
    rc, _, err, _ = env.run("--cacert", "/nonexistent", "token", "my:proj",
                            ca=False)
    check(rc == 2 and "/nonexistent" in err, "missing CA file: " + err)


def t_brackets_only_for_ipv6(env):
    """https://[ab.be]/ is no IPv6 literal: refused as a usage error with a
    clear message, as are such brackets in --proxy and --resolve."""
    rc, out, err, _ = env.run("token", "my:proj", url="https://[ab.be]/")
    check(rc == 2 and "'[ab.be]' is not an IPv6 address" in err, "url: %d %r" % (rc, err))
    rc, out, err, _ = env.run("--proxy", "http://[ab.be]:3128", "token", "my:proj")
    check(rc == 2 and "brackets hold IPv6 addresses only" in err, "proxy: %d %r" % (rc, err))
    for entry in ("[ab.be]:443:127.0.0.1", "localhost:%d:[127.0.0.1]" % env.main.port):
        rc, out, err, _ = env.run("--resolve", entry, "token", "my:proj")
        check(rc == 2 and "brackets hold IPv6 addresses only" in err,
              "resolve %s: %d %r" % (entry, rc, err))
    check(out == "", "stdout %r" % out)


def t_plain_http_warns(env):
    rc, out, err, _ = env.run("token", "my:proj", url=env.plain.url(),
                              ca=False)
    check(rc == 0 and TOKEN_RE.match(out.strip()), err)
    check("warning" in err and "clear" in err, err)


def t_insecure_warns(env):
    rc, out, err, _ = env.run("-k", "token", "my:proj",
                              url=env.wronghost.url(), ca=False)
    check(rc == 0, err)
    check("warning" in err and "insecure" in err, err)


TESTS = [t_token, t_token_bearer_and_browse_only, t_renew,
         t_renew_one_connection, t_urls_markdown, t_urls_formats_branch,
         t_urls_base_path, t_no_token, t_bad_token, t_renew_without_admin,
         t_unknown_project, t_untrusted_ca, t_wrong_hostname,
         t_hostile_trust_files,
         t_sonarcloud_fallback, t_drop_after_renew, t_drop_before_renew,
         t_idle_close_reconnects, t_bytes_past_answer_inside_tls,
         t_chunked_and_continue, t_server_errors,
         t_max_time, t_connection_refused, t_verbose_redacts, t_token_file,
         t_usage, t_brackets_only_for_ipv6, t_plain_http_warns, t_insecure_warns]



def main():
    return common.main(TESTS, Env, 'e2e')


if __name__ == "__main__":
    sys.exit(main())
