#!/usr/bin/env python3
"""A hostile environment: state files and user files left in the shapes a
crash, a full disk or another program leave them, and a server that
answers with what no SonarQube sends. Each test checks the exit code, the
one stderr line, the server's renewal counts and the files' bytes, in
bounded time. Python 3 standard library only."""

import os
import resource
import socket
import subprocess
import sys
import threading
import time

import safety_test
import sbtest_common as common
from safety_test import Env, one_line, renewed_once
from sbtest_common import SLOW, SkipTest, check


def wait_for(pred, secs, what):
    deadline = time.time() + secs * SLOW
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


def t_torn_state_line_then_kill(env):
    """A state file whose last record was cut short (a crash while
    writing), then a rerun killed after its renewal was sent: the next
    run still reads the file, finds that renewal and does not renew
    again."""
    d = env.fresh("torn")
    state = os.path.join(d, "S")
    env.run("token", "my:proj")
    now = int(time.time())
    with open(state, "w") as f:
        f.write("# sonarbadge rotation state v2\nrotated\t%d\tmy%%3Aproj\n"
                "pending\t17" % (now - 200 * 86400))
    os.chmod(state, 0o600)
    env.main.reset()
    env.main.faults({"path": "/api/project_badges/renew_token",
                     "kind": "delay", "seconds": 3, "count": 1})
    args = ["rotate", "my:proj", "--state", state, "--older-than", "90d"]
    p = env.popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: "sent\t" in open(state).read(), 20, "a sent record")
        wait_for(lambda: env.main.stats()["renewals"], 20, "the renewal")
    finally:
        p.kill()
        p.wait(20)
    env.main.faults()
    rc, out, err, _ = env.run(*args, timeout=120)
    check(rc == 0, "rerun: rc=%d %s" % (rc, err))
    renewed_once(env, ["my:proj"])
    check(" rotated" in out, out)


def t_echoed_token_cut_short(env):
    """A server that echoes the user token (here one of the old shape,
    40 hex digits) where the message or the -v line is cut short: not
    even the token's first four characters are shown."""
    token = "0123456789abcdef0123456789abcdef01234567"
    key = "k" * 300
    try:
        for pad in range(110, 160, 3):
            env.main.faults({"path": "/api/project_badges/token",
                             "kind": "status", "status": 400,
                             "body": {"errors": [{"msg": "y" * pad + " " + token}]}})
            rc, out, err, _ = env.run("token", key, token=token)
            check(rc == 7, "rc=%d %s" % (rc, err))
            one_line(err)
            check(token[:4] not in err, "pad %d: %r" % (pad, err))
        for pad in range(990, 1012, 3):
            env.main.faults({"path": "/api/project_badges/token",
                             "kind": "status", "status": 200,
                             "body": {"token": "sqb_0a1b2c3d4e"},
                             "headers": {"X-Echo": "y" * pad + " " + token}})
            rc, out, err, _ = env.run("-v", "token", "my:proj", token=token)
            check(rc == 0, "rc=%d %s" % (rc, err))
            check(token[:4] not in err, "pad %d: %r" % (pad, err[-200:]))
    finally:
        env.main.faults()


def t_max_time_bounds_the_command(env):
    """--max-time is the whole command's: a server that takes most of it
    for each of a command's requests (the token, then the badge) cannot
    make fetch or check run on past it. fetch writes nothing; check says
    it ran out of time and reports no badge it did not check."""
    d = env.fresh("maxtime")
    out = os.path.join(d, "badge.svg")
    env.run("token", "my:proj")
    slow = [{"path": p, "kind": "delay", "seconds": 2, "count": 10}
            for p in ("/api/project_badges/token",
                      "/api/project_badges/measure")]
    try:
        env.main.faults(*slow)
        rc, _, err, _ = env.run("--max-time", "3", "fetch", "my:proj",
                                "-o", out)
        check(rc == 3, "fetch: rc=%d %s" % (rc, err))
        check(not os.path.exists(out), "fetch wrote the badge")
        readme = os.path.join(d, "README.md")
        with open(readme, "w") as f:
            f.write("%s\n%s\n" % (env.badge("my:proj", "sqb_x1"),
                                  env.badge("my:proj", "sqb_x2")))
        env.main.faults(*slow)
        rc, outp, err, _ = env.run("--max-time", "3", "check", readme)
        check(rc == 3 and "maximum time" in err, "check: rc=%d %s" % (rc, err))
        check(outp.count("broken") == 1 and "2: " not in outp,
              "check reported what it did not check: %r" % outp)
    finally:
        env.main.faults()


def t_fetch_output_refused_first(env):
    """fetch -o with a name that cannot take the badge (empty, a folder,
    a FIFO, a device, a missing folder): exit 2 and one line, before a
    request reaches the server."""
    d = env.fresh("fetch-out")
    fifo = os.path.join(d, "fifo")
    os.mkfifo(fifo)
    for out in ("", d + "/", d, os.path.join(d, "."), fifo, "/dev/null",
                os.path.join(d, "missing", "b.svg")):
        env.main.reset()
        rc, stdout, err, _ = env.run("fetch", "my:proj", "-o", out)
        check(rc == 2, "%r: rc=%d %s" % (out, rc, err))
        one_line(err)
        check(stdout == "", "%r: wrote %r" % (out, stdout[:60]))
        check(env.main.stats()["requests"] == 0,
              "%r: the server was asked first" % out)


def t_state_swapped_after_trust_check(env):
    """Someone who may write the state file's folder swaps, over and
    over, a trusted state file (0600, nothing rotated) with one others
    may write (0666, saying my:proj was just rotated). A run either
    refuses the file or reads the trusted one: never the contents of the
    file it refused. (A race: up to 2,000 dry runs, stopping at the first
    wrong one; under a slow wrapper such as valgrind, 25 runs of each
    outcome.)"""
    d = env.fresh("swap")
    state = os.path.join(d, "S")
    now = int(time.time())
    good = "# sonarbadge rotation state v2\n"
    bad = good + "rotated\t%d\tmy%%3Aproj\n" % now
    stop = []

    def flip():
        i = 0
        while not stop:
            i += 1
            p = os.path.join(d, "t%d" % (i % 2))
            with open(p, "w") as f:
                f.write(good if i % 2 else bad)
            os.chmod(p, 0o600 if i % 2 else 0o666)
            os.rename(p, state)
    th = threading.Thread(target=flip)
    th.start()
    seen = {"refused": 0, "trusted": 0}
    try:
        for _ in range(2000):
            p = subprocess.run(env.cmd(["rotate", "my:proj", "--state", state,
                                        "--older-than", "1d", "--dry-run"]),
                               env=env.environ(), capture_output=True,
                               timeout=30 * SLOW)
            out = p.stdout.decode()
            check("skipped" not in out,
                  "the untrusted state was read after %s: %r" % (seen, out))
            if p.returncode == 2:
                seen["refused"] += 1
            else:
                check(p.returncode == 0 and "would-rotate" in out,
                      "rc=%d %r" % (p.returncode, p.stderr.decode()))
                seen["trusted"] += 1
            if min(seen.values()) >= (400 if SLOW == 1 else 25):
                break
    finally:
        stop.append(1)
        th.join(30)


def t_from_file_with_nul(env):
    """rotate --from a file holding a NUL byte (a key with one inside, or
    a UTF-16 file as Windows PowerShell writes by default): refused with
    the line, nothing renewed; the key was cut at the NUL and another
    project named."""
    d = env.fresh("from-nul")
    cases = {"nul.txt": b"other\nmy:proj\x00-old\n",
             "utf16.txt": "my:proj\nother\n".encode("utf-16")}
    for name, data in cases.items():
        path = os.path.join(d, name)
        with open(path, "wb") as f:
            f.write(data)
        env.main.reset()
        rc, out, err, _ = env.run("rotate", "--from", path)
        check(rc == 2 and "NUL" in err, "%s: rc=%d %r %s" % (name, rc, out, err))
        one_line(err)
        check(env.main.stats()["renewals"] == {}, "%s: renewed" % name)


def t_properties_value_with_nul(env):
    """sonar.projectKey=my:proj<NUL>-old in ./sonar-project.properties:
    Java's Properties (the scanners') read the whole value, NUL
    included; here it was cut at the NUL and my:proj used. Refused with
    the line; a key holding a NUL is none of ours and is skipped, as
    Java skips it."""
    d = env.fresh("props-nul")
    props = os.path.join(d, "sonar-project.properties")
    with open(props, "wb") as f:
        f.write(b"sonar.projectKey=my:proj\x00-old\n")
    env.main.reset()
    rc, out, err, _ = env.run("token", cwd=d)
    check(rc == 2 and "line 1" in err and "NUL" in err,
          "rc=%d %r %s" % (rc, out, err))
    one_line(err)
    check(env.main.stats()["requests"] == 0, "the server was asked")
    with open(props, "wb") as f:
        f.write(b"sonar.projectKey\x00x=zzz\nsonar.projectKey=other\n"
                b"other.key=a\x00b\n")
    rc, out, err, _ = env.run("token", cwd=d)
    check(rc == 0 and out.strip() == env.tokens()["other"],
          "rc=%d %r %s" % (rc, out, err))


def t_rewrite_more_files_than_descriptors(env):
    """rewrite over 300 files started with a soft limit of 128 open files
    (a hard limit above it): every file is rewritten; it stopped at the
    soft limit ("Too many open files", exit 2)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 400:
        raise SkipTest("hard limit of open files %d" % hard)
    d = env.fresh("many")
    env.run("token", "my:proj")
    paths = []
    for i in range(300):
        p = os.path.join(d, "f%03d.md" % i)
        with open(p, "w") as f:
            f.write("[![QG](%s)](x)\n" % env.badge("my:proj", "sqb_stale%d" % i))
        paths.append(p)

    def few_files():
        resource.setrlimit(resource.RLIMIT_NOFILE, (128, hard))
    p = subprocess.run(env.cmd(["rewrite", "--project", "my:proj"] + paths),
                       env=env.environ(), capture_output=True,
                       preexec_fn=few_files, timeout=120 * SLOW)
    err = p.stderr.decode()
    check(p.returncode == 0, "rc=%d %s" % (p.returncode, err[-300:]))
    tok = env.tokens()["my:proj"]
    stale = [q for q in paths if tok not in open(q).read()]
    check(not stale, "not rewritten: %s" % stale[:3])


def t_blank_user_token(env):
    """SONAR_TOKEN holding only blanks (an unset CI secret pasted as a
    space or a newline): a usage error before any request; it was sent
    as no token at all and came back as an HTTP 401 (exit 5)."""
    for blank in (" ", "\n", " \t\r\n"):
        env.main.reset()
        rc, out, err, _ = env.run("token", "my:proj", token=blank)
        check(rc == 2 and "SONAR_TOKEN" in err, "%r: rc=%d %s" % (blank, rc, err))
        one_line(err)
        check(env.main.stats()["requests"] == 0, "%r: the server was asked"
              % blank)


def t_connect_request_with_long_names(env):
    """A CONNECT with a 242-character host name and long proxy
    credentials (--proxy-user-file) reaches the proxy whole: the proxy
    (one started here, that refuses with 407) answers, and that is what
    is said. It was cut at 1,023 bytes, so the proxy waited for its end
    and the command said the proxy 'did not answer CONNECT in time'."""
    host = ".".join(["a" * 60, "b" * 60, "c" * 60, "d" * 50]) + ".example"
    d = env.fresh("connect")
    creds = os.path.join(d, "proxy-user")
    with open(creds, "w") as f:
        f.write("u" * 100 + ":" + "p" * 250 + "\n")
    os.chmod(creds, 0o600)
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    srv.settimeout(30 * SLOW)
    got = []

    def proxy():
        try:
            c, _ = srv.accept()
        except OSError:
            return
        c.settimeout(10 * SLOW)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                more = c.recv(4096)
                if not more:
                    break
                data += more
        except OSError:
            pass
        got.append(data)
        if b"\r\n\r\n" in data:
            c.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                      b"Content-Length: 0\r\n\r\n")
        c.close()
    th = threading.Thread(target=proxy)
    th.start()
    try:
        rc, out, err, _ = env.run(
            "--proxy", "http://127.0.0.1:%d" % srv.getsockname()[1],
            "--proxy-user-file", creds, "--max-time", "5", "--retry", "0",
            "token", "my:proj", url="https://%s" % host)
    finally:
        th.join(30 * SLOW)
        srv.close()
    check(got and got[0].endswith(b"\r\n\r\n"),
          "the proxy got %d bytes, not a whole request" % len(got[0] if got else b""))
    check(rc == 3 and "HTTP 407" in err, "rc=%d %s" % (rc, err))
    one_line(err)


def t_rotate_rewrite_file_that_cannot_be_replaced(env):
    """rotate --rewrite README.md where README.md cannot be replaced
    (read-only, or a second hard link): refused before any token is
    renewed (exit 9, one line); the tokens were renewed first and the
    README kept the old ones, so its badges broke."""
    d = env.fresh("unreplaceable")
    readme = os.path.join(d, "README.md")
    env.readme(readme, ["my:proj"])
    before = open(readme, "rb").read()
    for how in ("read-only", "hard link"):
        if how == "read-only":
            os.chmod(readme, 0o444)
        else:
            os.chmod(readme, 0o644)
            os.link(readme, os.path.join(d, "copy.md"))
        env.main.reset()
        rc, out, err, _ = env.run("rotate", "my:proj", "--rewrite", readme,
                                  "--state", os.path.join(d, "S"))
        check(rc == 9 and "nothing was rotated" in err,
              "%s: rc=%d %s" % (how, rc, err))
        one_line(err)
        check(env.main.stats()["renewals"] == {}, "%s: renewed" % how)
        check(open(readme, "rb").read() == before, "%s: README changed" % how)


def t_state_file_with_two_names(env):
    """A state file with a second hard link (a backup made with cp -al or
    rsnapshot): refused before anything is renewed, the other name left
    as it was. The run renewed, appended its records to both names and
    then failed to replace the file (exit 9), on every run."""
    d = env.fresh("state-links")
    state, backup = os.path.join(d, "S"), os.path.join(d, "S.bak")
    rc, _, err, _ = env.run("rotate", "my:proj", "--state", state)
    check(rc == 0, err)
    os.link(state, backup)
    before = open(backup, "rb").read()
    env.main.reset()
    rc, _, err, _ = env.run("rotate", "my:proj", "--state", state)
    check(rc == 2 and "hard links" in err, "rc=%d %s" % (rc, err))
    one_line(err)
    check(env.main.stats()["renewals"] == {}, "renewed")
    check(open(backup, "rb").read() == before, "the other name changed")


def t_rewrite_same_file_twice(env):
    """rewrite given one file under several names (a symbolic link to
    it, ./NAME; a shell glob does this): rewritten once, exit 0. The
    second name found the file replaced by the first and failed with
    'changed while sonarbadge was working' (exit 9)."""
    d = env.fresh("twice")
    readme = os.path.join(d, "README.md")
    link = os.path.join(d, "docs-README.md")
    env.readme(readme, ["my:proj"])
    env.run("rotate", "my:proj")  # README is stale now
    os.symlink("README.md", link)
    rc, out, err, _ = env.run("rewrite", "--project", "my:proj", readme, link,
                              os.path.join(d, ".", "README.md"))
    check(rc == 0, "rc=%d %s" % (rc, err))
    check(out.count("updated") == 1, out)
    check(os.path.islink(link), "the link was replaced")
    safety_test.current_in(env, readme, ["my:proj"])


TESTS = [t_torn_state_line_then_kill, t_echoed_token_cut_short,
         t_max_time_bounds_the_command, t_fetch_output_refused_first,
         t_state_swapped_after_trust_check, t_from_file_with_nul,
         t_properties_value_with_nul, t_rewrite_more_files_than_descriptors,
         t_blank_user_token, t_connect_request_with_long_names,
         t_rotate_rewrite_file_that_cannot_be_replaced,
         t_state_file_with_two_names, t_rewrite_same_file_twice]


if __name__ == "__main__":
    sys.exit(common.main(TESTS, Env, "hostile"))
