#!/usr/bin/env python3
"""Secret hygiene of the sonarbadge command, end to end against the
stand-in over TLS on 127.0.0.1:

- the user token and the badge tokens never appear in argv
  (/proc/PID/cmdline), in error messages or in -v output;
- the process is non-dumpable while it runs (prctl(PR_SET_DUMPABLE, 0):
  the kernel then makes /proc/PID owned by root, checked with the command
  running as an unprivileged user) and its core size limit is 0;
- a hostile server that echoes the credentials back cannot get them
  printed.

A slow (drip) answer keeps the process alive while /proc is read. Ends
with "N passed, N failed".
"""

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sbtest_common import ADMIN, Env, SLOW, check, main, one_line_error  # noqa: E402

TOKEN_PATH = "/api/project_badges/token"
BASIC = base64.b64encode((ADMIN + ":").encode()).decode()
SQB = re.compile(r"sqb_[0-9a-f]{40}")


def secrets_of(env):
    toks = env.main.stats()["tokens"]
    return [ADMIN, BASIC] + [t for t in toks.values() if t]


def no_secret(text, secrets, where):
    for s in secrets:
        check(s not in text, "a secret (%s...) in %s: %r" % (s[:6], where, text[:300]))


class Alive:
    """sonarbadge running against a dripping answer, so /proc can be read."""

    def __init__(self, env, args, token_file=None, user=None):
        env.main.reset()
        env.main.faults({"path": TOKEN_PATH, "kind": "drip", "interval": 0.5, "count": 1})
        e = env.environ(token=None if token_file else ADMIN)
        cmd = env.cmd("--max-time", "30", *args)
        if token_file:
            cmd[-len(args):-len(args)] = ["--token-file", token_file]
        pre = None
        if user is not None:
            def pre():
                os.setgid(user[1])
                os.setgroups([])
                os.setuid(user[0])
        self.proc = subprocess.Popen(cmd, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     preexec_fn=pre)
        # Wait until it is connected and waiting for the answer.
        deadline = time.time() + 10 * SLOW
        while time.time() < deadline and env.main.stats()["requests"] == 0:
            time.sleep(0.05)
        time.sleep(0.2)
        if self.proc.poll() is not None:
            raise AssertionError("the command ended early: %r" % (
                self.proc.communicate(timeout=5),))
        self.pid = self.proc.pid

    def read(self, name):
        with open("/proc/%d/%s" % (self.pid, name), "rb") as f:
            return f.read()

    def stop(self):
        self.proc.kill()
        out, err = self.proc.communicate(timeout=10 * SLOW)
        return out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def t_argv_has_no_token(env):
    path = os.path.join(env.work, "token.txt")
    with open(path, "w") as f:
        f.write(ADMIN + "\n")
    os.chmod(path, 0o600)
    a = Alive(env, ["token", "my:proj"], token_file=path)
    try:
        cmdline = a.read("cmdline").decode("utf-8", "replace")
        check("token" in cmdline, "not the right process: %r" % cmdline)
        no_secret(cmdline, secrets_of(env), "/proc/PID/cmdline")
    finally:
        a.stop()
    # The only ways to give the token are a file, stdin and SONAR_TOKEN.
    rc, _, err, _ = env.run("--token", ADMIN, "token", "my:proj")
    check(rc == 2, "--token accepted? rc=%d" % rc)
    no_secret(err, [ADMIN], "the --token usage error")
    rc, _, err, _ = env.run("--token=" + ADMIN, "token", "my:proj")
    check(rc == 2, "--token= accepted? rc=%d" % rc)
    no_secret(err, [ADMIN], "the --token= usage error")


def t_core_limit_zero(env):
    a = Alive(env, ["token", "my:proj"])
    try:
        limits = a.read("limits").decode()
    finally:
        a.stop()
    line = [l for l in limits.splitlines() if l.startswith("Max core file size")]
    check(line and line[0].split()[4:6] == ["0", "0"], "core limit: %r" % line)


def t_non_dumpable(env):
    """prctl(PR_SET_DUMPABLE, 0) makes the kernel give /proc/PID to root.
    Run the command as an unprivileged user (nobody when the suite runs as
    root) and check who owns its /proc entries."""
    if os.geteuid() == 0:
        user = (65534, 65534)
        # nobody must reach the CA file and the binary, which may sit in a
        # checkout it cannot enter (/root is mode 0700): it runs copies
        # from a folder of its own that every user may enter.
        shared = tempfile.mkdtemp(prefix="sb-nobody-")
        os.chmod(shared, 0o755)
        ca = os.path.join(shared, "ca.pem")
        shutil.copy(env.ca, ca)
        os.chmod(ca, 0o644)
        sb = os.path.join(shared, "sonarbadge")
        shutil.copy(env.sb, sb)
        os.chmod(sb, 0o755)
        saved = (env.ca, env.sb)
        env.ca, env.sb = ca, sb
    else:
        user, shared, saved = None, None, None
    try:
        a = Alive(env, ["token", "my:proj"], user=user)
        try:
            uid = user[0] if user else os.geteuid()
            # The files, not the folder: its owner is cached at lookup.
            st_status = os.stat("/proc/%d/status" % a.pid)
            st_environ = os.stat("/proc/%d/environ" % a.pid)
            status = a.read("status").decode()
            real_uid = int(re.search(r"^Uid:\s+(\d+)", status, re.M).group(1))
        finally:
            a.stop()
        check(real_uid == uid, "the command did not run as uid %d (%d)" % (uid, real_uid))
        check(uid != 0, "cannot tell: the command runs as root")
        check(st_status.st_uid == 0 and st_environ.st_uid == 0,
              "/proc/PID/status owned by uid %d, not root: the process is dumpable"
              % st_status.st_uid)
        # Control: an ordinary process of that user owns its /proc files,
        # so the check above can tell the difference.
        pre = None
        if user:
            def pre():
                os.setgid(user[1])
                os.setgroups([])
                os.setuid(user[0])
        ctl = subprocess.Popen(["sleep", "5"], preexec_fn=pre)
        try:
            time.sleep(0.2)
            owner = os.stat("/proc/%d/status" % ctl.pid).st_uid
        finally:
            ctl.kill()
            ctl.wait()
        check(owner == uid, "control process: /proc owned by %d, not %d" % (owner, uid))
    finally:
        if saved:
            env.ca, env.sb = saved
            shutil.rmtree(shared, ignore_errors=True)


def t_errors_have_no_secret(env):
    cases = [
        ({"kind": "status", "status": 401}, 5),
        ({"kind": "status", "status": 403,
          "body": json.dumps({"errors": [{"msg": "Insufficient privileges"}]})}, 5),
        ({"kind": "status", "status": 500}, 7),
        ({"kind": "reset"}, 3),
        ({"kind": "raw", "data": "HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n{\"token\":\"sqb_\x01\"}"}, 7),
    ]
    for fault, code in cases:
        env.main.reset()
        env.main.faults(dict(fault, path=TOKEN_PATH, count=10))
        rc, out, err, _ = env.run("--retry", "0", "token", "my:proj")
        check(rc == code, "%s: rc=%d %r" % (fault["kind"], rc, err))
        one_line_error(err)
        no_secret(err, secrets_of(env), "the error of a %s fault" % fault["kind"])
    env.main.reset()
    rc, _, err, _ = env.run("token", "my:proj", token="squ_wrong_but_secret")
    check(rc == 5, "rc=%d" % rc)
    no_secret(err, ["squ_wrong_but_secret"], "the 401 error")


def t_server_echoing_credentials(env):
    """A hostile or buggy server puts the caller's credentials and a badge
    token in its error message: they are not printed."""
    env.main.reset()
    tok = env.run("token", "my:proj")[1].strip()
    check(SQB.fullmatch(tok), "token %r" % tok)
    msg = "bad credentials %s (Basic %s) for token %s" % (ADMIN, BASIC, tok)
    for status, code in ((401, 5), (403, 5), (400, 7), (500, 7)):
        env.main.reset()
        env.main.faults({"path": TOKEN_PATH, "kind": "status", "status": status, "count": 10,
                         "body": json.dumps({"errors": [{"msg": msg}]})})
        rc, _, err, _ = env.run("--retry", "0", "token", "my:proj")
        check(rc == code, "HTTP %d: rc=%d %r" % (status, rc, err))
        no_secret(err, [ADMIN, BASIC], "the HTTP %d error" % status)
    for auth in ("basic", "bearer"):
        env.main.reset()
        env.main.faults({"path": TOKEN_PATH, "kind": "status", "status": 401, "count": 10,
                         "body": json.dumps({"errors": [{"msg": msg}]})})
        rc, _, err, _ = env.run("--retry", "0", "--auth", auth, "-v", "token", "my:proj")
        check(rc == 5, "rc=%d" % rc)
        # (With bearer the client never sends the base64 form.)
        no_secret(err, [ADMIN, BASIC] if auth == "basic" else [ADMIN],
                  "the -v output (%s)" % auth)
        check(tok not in err, "the badge token in the -v output (%s)" % auth)


def t_verbose_has_no_secret(env):
    for args in (["renew", "my:proj"], ["token", "my:proj"],
                 ["urls", "my:proj", "--format", "url"], ["--auth", "bearer", "renew", "other"]):
        env.main.reset()
        rc, out, err, _ = env.run("-v", *args)
        check(rc == 0, "%s: rc=%d %r" % (args, rc, err))
        check("> GET " in err and "Authorization: " in err, "no trace for %s" % args)
        no_secret(err, secrets_of(env), "-v output of %s" % " ".join(args))
        check(not SQB.search(err), "a badge token in -v output of %s" % args)
    # Redirects, proxies and errors add lines; none carries a secret.
    env.main.reset()
    env.main.faults({"path": TOKEN_PATH, "kind": "status", "status": 503, "count": 1,
                     "headers": {"Retry-After": "0"}})
    rc, out, err, _ = env.run("-v", "token", "my:proj")
    no_secret(err, secrets_of(env), "-v output after a retried 503")


TESTS = [t_argv_has_no_token, t_core_limit_zero, t_non_dumpable, t_errors_have_no_secret,
         t_server_echoing_credentials, t_verbose_has_no_secret]

if __name__ == "__main__":
    sys.exit(main(TESTS, Env))
