"""Shared helpers of the end-to-end suites: the stand-in process wrapper
(Standin, on 127.0.0.1, over TLS with certificates generated for the run),
the small Env of the security suites (faults_test.py, secrets_test.py), a
bounded runner for the command and the suites' common main().

Environment: BUILD (build folder), SB_TEST_WRAPPER (a
command prefix such as valgrind), SB_TEST_SLOW (time-out multiplier),
SB_TEST_VERBOSE=1 (print passing tests), SB_TEST_SKIP ("NAME=WHY;..."
tests a caller leaves out on purpose, each counted and said as skipped
with its reason: make check-limits). Python 3 standard library only.
"""

import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
STANDIN = os.path.join(ROOT, "tests", "standin", "sonar_standin.py")
GEN_CERTS = os.path.join(ROOT, "tests", "standin", "gen_certs.sh")
BUILD = os.environ.get("BUILD", "build")
SB = os.path.join(ROOT, BUILD, "sonarbadge")
VERBOSE = os.environ.get("SB_TEST_VERBOSE") == "1"
SLOW = float(os.environ.get("SB_TEST_SLOW", "1"))
WRAPPER = os.environ.get("SB_TEST_WRAPPER", "").split()
SKIP = {name.strip(): why.strip() for name, why in
        (e.split("=", 1) for e in os.environ.get("SB_TEST_SKIP", "").split(";")
         if "=" in e)}

ADMIN = "squ_" + "5e" * 20
NOBODY = "squ_" + "0d" * 20


class Standin:
    """One stand-in process (TLS unless cert is None). Its request log is
    WORK/NAME.log, its stderr WORK/NAME.err."""

    def __init__(self, work, name, cert="server", mode="server", extra=()):
        self.work = work
        self.name = name
        self.tls = cert is not None
        port_file = os.path.join(work, name + ".port")
        args = [sys.executable, STANDIN, "--config", os.path.join(work, "config.json"),
                "--port", "0", "--port-file", port_file, "--mode", mode,
                "--log", os.path.join(work, name + ".log")]
        if cert:
            args += ["--cert", os.path.join(work, "certs", cert + ".pem"),
                     "--key", os.path.join(work, "certs", cert + ".key")]
        args += list(extra)
        with open(os.path.join(work, name + ".err"), "w") as err:
            self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.time() + 15
        while time.time() < deadline:
            if os.path.exists(port_file):
                with open(port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("stand-in %s did not start" % name)

    def url(self, host="localhost"):
        return "%s://%s:%d" % ("https" if self.tls else "http", host, self.port)

    def call(self, method, path, body=None, headers=None):
        """A control or API call, certificate not checked; returns
        (status, headers as a dict, body bytes). A body that is not bytes
        is sent as JSON."""
        if self.tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            c = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=10, context=ctx)
        else:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            data = None if body is None else (
                body if isinstance(body, bytes) else json.dumps(body).encode())
            c.request(method, path, body=data, headers=headers or {})
            r = c.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            c.close()

    def stats(self):
        return json.loads(self.call("GET", "/_standin/stats")[2])

    def reset(self):
        self.call("POST", "/_standin/reset", {})

    def faults(self, *faults):
        st, _, body = self.call("POST", "/_standin/faults", list(faults))
        assert st == 200, body

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def make_workdir(prefix, config):
    """A temporary folder holding certs/ (a CA and server certificates
    generated for this run) and the stand-in's config.json; returns
    (folder, path of the CA certificate). The folder is removed if this
    fails part-way."""
    work = tempfile.mkdtemp(prefix=prefix)
    try:
        subprocess.run(["bash", GEN_CERTS, os.path.join(work, "certs")], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        with open(os.path.join(work, "config.json"), "w") as f:
            json.dump(config, f)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return work, os.path.join(work, "certs", "ca.pem")


class Env:
    sb = SB  # the command under test (a test may run a copy)

    def __init__(self, servers=(("main", "server", "server"),)):
        config = {
            "users": {ADMIN: {"login": "admin", "admin_projects": ["*"],
                              "browse_projects": ["*"]},
                      NOBODY: {"login": "nobody"}},
            "projects": [{"key": "my:proj"}, {"key": "other"}],
            "force_authentication": True,
        }
        self.work, self.ca = make_workdir("sonarbadge-sec-", config)
        self.servers = {}
        try:
            for name, cert, mode in servers:
                self.servers[name] = Standin(self.work, name, cert, mode)
        except BaseException:
            self.close()
            raise
        self.main = self.servers.get("main")

    def close(self):
        for s in self.servers.values():
            s.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    def cmd(self, *args, url=None, ca=True):
        cmd = list(WRAPPER) + [self.sb]
        if url is not False:
            cmd += ["--url", url or self.main.url()]
        if ca:
            cmd += ["--cacert", self.ca]
        return cmd + list(args)

    def environ(self, token=ADMIN, env=None):
        e = {k: v for k, v in os.environ.items()
             if not k.startswith("SONAR_") and not k.startswith("SSL_CERT")}
        if token is not None:
            e["SONAR_TOKEN"] = token
        if env:
            e.update(env)
        return e

    def run(self, *args, token=ADMIN, url=None, ca=True, env=None, stdin=None, timeout=30):
        """Run sonarbadge; returns (rc, stdout, stderr, seconds)."""
        t0 = time.time()
        p = subprocess.run(self.cmd(*args, url=url, ca=ca), input=stdin, capture_output=True,
                           env=self.environ(token, env), timeout=timeout * SLOW)
        return (p.returncode, p.stdout.decode("utf-8", "replace"),
                p.stderr.decode("utf-8", "replace"), time.time() - t0)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def one_line_error(err):
    """stderr is exactly one line, "sonarbadge: ...", printable."""
    lines = [l for l in err.splitlines() if l.strip()]
    check(len(lines) == 1, "want one line on stderr, got %r" % err)
    check(lines[0].startswith("sonarbadge: "), "no 'sonarbadge: ' prefix: %r" % err)
    check(all(ord(ch) >= 0x20 and ch != "\x7f" for ch in lines[0]),
          "control character in the message: %r" % lines[0])


class SkipTest(Exception):
    """Raised by a test whose peer program is missing: counted, and said."""


def main(tests, make_env, suite=""):
    """Run tests (functions of one env) and print "N passed, N failed"
    (", N skipped" when some were). Arguments name the tests to run."""
    only = sys.argv[1:]
    passed = failed = skipped = 0
    prefix = suite + " " if suite else ""
    env = make_env()
    try:
        for t in tests:
            if only and t.__name__ not in only:
                continue
            if t.__name__ in SKIP:
                skipped += 1
                print("SKIP %s%s: %s" % (prefix, t.__name__, SKIP[t.__name__]))
                continue
            t0 = time.time()
            try:
                t(env)
                passed += 1
                if VERBOSE:
                    print("ok %s%s (%.1f s)" % (prefix, t.__name__,
                                               time.time() - t0))
            except SkipTest as e:
                skipped += 1
                print("SKIP %s%s: %s" % (prefix, t.__name__, e))
            except Exception as e:  # one failing test must not stop the rest
                failed += 1
                detail = str(e) if isinstance(e, AssertionError) else \
                    traceback.format_exc(limit=3)
                print("FAIL %s%s: %s" % (prefix, t.__name__, detail.strip()))
    finally:
        env.close()
    print("%d passed, %d failed%s" % (passed, failed,
                                      ", %d skipped" % skipped
                                      if skipped else ""))
    return 1 if failed else 0
