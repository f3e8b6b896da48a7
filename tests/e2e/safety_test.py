#!/usr/bin/env python3
"""A scheduled rotation loses nothing: runs killed at any moment, a full
disk, a closed pipe, overlapping runs, a renewal still queued in the
server, files swapped or edited while the command works, files that are
not files, a state file others could have written, a key that cannot be
rotated, gates that check nothing, and the smaller leaks. Each test
checks the files' bytes, the server's renewal counts, the exit code and
the one stderr line, in bounded time. Python 3 standard library only."""

import json
import os
import pwd
import random
import resource
import signal
import stat
import subprocess
import sys
import tempfile
import time

import rotate_test
import sbtest_common as common
from sbtest_common import SB, SLOW, SkipTest, check

ADMIN = rotate_test.ADMIN

QUERY = "bulk-00"  # bulk-0001 .. bulk-0099
KEYS = ["bulk-%04d" % i for i in range(1, 100)]


class Env(rotate_test.Env):
    def __init__(self):
        super().__init__()
        self.n = 0

    def fresh(self, name):
        """A new empty folder for one test."""
        self.n += 1
        d = self.path("%s-%d" % (name, self.n))
        os.makedirs(d)
        return d

    def tokens(self):
        return self.main.stats()["tokens"]

    def badge(self, key, token, metric="alert_status"):
        return ("%s/api/project_badges/measure?project=%s&metric=%s&token=%s"
                % (self.main.url(), key, metric, token))

    def readme(self, path, keys, pad=0):
        """A README with a badge of each key, carrying its current token."""
        toks = self.tokens()
        for k in keys:
            if k not in toks:  # create it on the server
                self.run("token", k)
        toks = self.tokens()
        lines = ["# A project with %d badges\n" % len(keys)]
        for k in keys:
            lines.append("[![QG](%s)](x) text\n" % self.badge(k, toks[k]))
        lines.append("x" * pad + "\n" if pad else "")
        with open(path, "w") as f:
            f.write("".join(lines))

    def popen(self, args, **kw):
        return subprocess.Popen(self.cmd(args), env=self.environ(), **kw)


def current_in(env, path, keys):
    """Every key's badge in the file carries the server's token now."""
    text = open(path).read()
    toks = env.tokens()
    stale = [k for k in keys if "project=%s&metric=alert_status&token=%s)"
             % (k, toks[k]) not in text]
    check(not stale, "stale badges in %s: %s" % (path, stale[:5]))


def renewed_once(env, keys):
    r = env.main.stats()["renewals"]
    missing = [k for k in keys if k not in r]
    twice = [k for k, v in r.items() if v != 1]
    check(not missing, "not renewed: %s" % missing[:5])
    check(not twice, "renewed more than once: %s" % twice[:5])


def no_temporaries(folder):
    left = [f for f in os.listdir(folder) if ".sbtmp" in f]
    check(not left, "temporary files left: %s" % left)


def one_line(err):
    common.one_line_error(err)


def t_killed_runs_finish_rewrites(env):
    """SIGKILL, SIGTERM, SIGINT after some renewals; the rerun under the
    same policy renews each project once and leaves README current."""
    for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT):
        d = env.fresh("kill")
        readme, state = os.path.join(d, "README.md"), os.path.join(d, "S")
        env.readme(readme, KEYS[:60])
        env.main.reset()
        env.main.faults({"path": "/api/project_badges/renew_token",
                         "kind": "delay", "seconds": 0.02, "count": 100000})
        # A renewal in flight when the run dies is waited for on the
        # rerun until it can no longer apply: --max-time bounds that.
        args = ["--max-time", "5", "rotate", "--all", "--query", QUERY,
                "--state", state, "--older-than", "1d", "--rewrite", readme]
        p = env.popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            got = 0
            while got < 20 and p.stdout.readline():
                got += 1
            time.sleep(random.random() * 0.2)
            if p.poll() is None:
                p.send_signal(sig)
        finally:
            p.wait(30)
            p.stdout.close()
        env.main.reset()  # keeps the tokens; counts anew
        rc, out, err, _ = env.run(*args, timeout=120)
        check(rc == 0, "%s rerun: rc=%d %s" % (sig, rc, err[-300:]))
        current_in(env, readme, KEYS[:60])
        st = rotate_test.read_state(state)
        check(st[None] == {}, "files still waiting: %r" % st[None])
        rotated_before = set(KEYS) - set(env.main.stats()["renewals"])
        check(all("rotated" in st[k] for k in KEYS), "state incomplete")
        del rotated_before
        no_temporaries(d)
        env.main.faults()


def t_counts_exactly_once(env):
    """Renewals across a killed run and its rerun: one per project."""
    d = env.fresh("once")
    state = os.path.join(d, "S")
    env.main.reset()
    env.main.faults({"path": "/api/project_badges/renew_token",
                     "kind": "delay", "seconds": 0.02, "count": 100000})
    args = ["rotate", "--all", "--query", QUERY, "--state", state,
            "--older-than", "1d"]
    p = env.popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        for _ in range(10):
            p.stdout.readline()
        p.send_signal(signal.SIGKILL)
    finally:
        p.wait(30)
        p.stdout.close()
    env.main.faults()
    rc, _, err, _ = env.run(*args, timeout=120)
    check(rc == 0, err)
    renewed_once(env, KEYS)


def t_full_disk_rewrite(env):
    """The README cannot be written (RLIMIT_FSIZE): exit 9, README as it
    was, the state keeps it waiting, and the next run finishes it."""
    d = env.fresh("full")
    readme, state = os.path.join(d, "README.md"), os.path.join(d, "S")
    keys = ["my:proj", "other"]
    env.readme(readme, keys, pad=400000)
    before = open(readme, "rb").read()
    env.main.reset()

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (300000, 300000))
    p = subprocess.run(env.cmd(["rotate", *keys, "--state", state,
                                "--rewrite", readme]),
                       env=env.environ(), capture_output=True,
                       preexec_fn=small_files, timeout=60 * SLOW)
    err = p.stderr.decode()
    check(p.returncode == 9, "rc=%d %s" % (p.returncode, err))
    check(open(readme, "rb").read() == before, "README changed")
    no_temporaries(d)
    st = rotate_test.read_state(state)
    check(list(st[None].values()) == [set(keys)], "not waiting: %r" % st[None])
    renewed_once(env, keys)
    # The next run, with room: nothing renewed again, README current.
    env.main.reset()
    rc, _, err, _ = env.run("rotate", *keys, "--state", state,
                            "--older-than", "1d", "--rewrite", readme)
    check(rc == 0, err)
    check(env.main.stats()["renewals"] == {}, "renewed again")
    current_in(env, readme, keys)
    check(rotate_test.read_state(state)[None] == {}, "still waiting")


def t_closed_stdout(env):
    """rotate ... | head -2: the run stops after the batch it was in,
    records it, rewrites the files, says so in one line, exit 9; the
    rerun finishes the rest."""
    d = env.fresh("pipe")
    readme, state = os.path.join(d, "README.md"), os.path.join(d, "S")
    keys = ["bulk-%04d" % i for i in range(1, 1000)]  # --query bulk-0
    env.readme(readme, keys[:5] + keys[-5:])
    env.main.reset()
    args = ["rotate", "--all", "--query", "bulk-0", "--state", state,
            "--older-than", "1d", "--rewrite", readme]
    p = env.popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = [p.stdout.readline(), p.stdout.readline()]
    p.stdout.close()  # as head -2 does
    err = p.stderr.read().decode()
    p.wait(120)
    p.stderr.close()
    check(all(first), "no output")
    check(p.returncode == 9, "rc=%d %s" % (p.returncode, err))
    one_line(err)
    check("standard output" in err, err)
    done = set(env.main.stats()["renewals"])
    check(keys[0] in done and len(done) < len(keys), "stopped at once?")
    current_in(env, readme, [k for k in keys[:5] + keys[-5:] if k in done])
    env.main.reset()
    rc, _, err, _ = env.run(*args, timeout=180)
    check(rc == 0, err)
    again = set(env.main.stats()["renewals"])
    check(not (again & done), "renewed twice: %s" % sorted(again & done)[:5])
    check(again | done == set(keys), "not all renewed")
    current_in(env, readme, keys[:5] + keys[-5:])


def t_overlapping_runs(env):
    """A second run on the same state file is refused at once (exit 8,
    the other run's pid); one that waits for the lock finds the work
    done."""
    d = env.fresh("lock")
    state = os.path.join(d, "S")
    env.main.reset()
    env.main.faults({"path": "/api/project_badges/renew_token",
                     "kind": "delay", "seconds": 0.03, "count": 100000})
    args = ["rotate", "--all", "--query", QUERY, "--state", state,
            "--older-than", "90d"]
    a = env.popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        a.stdout.readline()  # it holds the lock now
        rc, out, err, _ = env.run(*args)
        check(rc == 8 and out == "", "rc=%d %s" % (rc, err))
        one_line(err)
        check("(pid %d)" % a.pid in err, err)
        rc, out, err, _ = env.run(*args, "--lock-timeout", "60", timeout=120)
        check(rc == 0, "waiting run: rc=%d %s" % (rc, err))
        check(out.count("skipped") == len(KEYS), "the waiting run renewed")
    finally:
        a.wait(120)
        a.stdout.close()
        env.main.faults()
    check(a.returncode == 0, "first run rc=%d" % a.returncode)
    renewed_once(env, KEYS)


def t_queued_renewal(env):
    """A run killed while its renewal waits in the server's queue: the
    rerun waits until that renewal can no longer apply, sees that it did,
    and does not renew again."""
    d = env.fresh("queued")
    state = os.path.join(d, "S")
    env.main.reset()
    env.main.faults({"path": "/api/project_badges/renew_token",
                     "kind": "queue", "seconds": 2.5, "count": 1})
    args = ["--max-time", "4", "rotate", "my:proj", "--state", state]
    p = env.popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # the POST is in the server's queue now
    p.kill()
    p.wait(30)
    check(env.main.stats()["renewals"] == {}, "applied before the kill")
    t0 = time.time()
    rc, out, err, _ = env.run(*args, timeout=60)
    check(rc == 0, "rerun: rc=%d %s" % (rc, err))
    check("may still be queued" in err, "no wait said: %r" % err)
    check(time.time() - t0 >= 1.5, "did not wait")
    check(env.main.stats()["renewals"] == {"my:proj": 1},
          "renewals: %r" % env.main.stats()["renewals"])
    check(out.strip().endswith("rotated"), out)


def slow_token(env, seconds):
    env.main.faults({"path": "/api/project_badges/token", "kind": "delay",
                     "seconds": seconds, "count": 1})


def t_symlink_swapped_during_wait(env):
    """rewrite read README.md, waits for the server; a symlink to a file
    of root's is put in its place: nothing is written through it."""
    d = env.fresh("swap")
    readme = os.path.join(d, "README.md")
    victim = os.path.join(d, "victim")
    with open(victim, "w") as f:
        f.write("root's secret\n")
    os.chmod(victim, 0o600)
    env.readme(readme, ["my:proj"])
    env.run("rotate", "my:proj")  # README is stale now
    slow_token(env, 1.5)
    p = env.popen(["rewrite", "--project", "my:proj", readme],
                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.7)
    os.rename(readme, readme + ".orig")
    os.symlink(victim, readme)
    out, err = p.communicate(timeout=30)
    err = err.decode()
    check(p.returncode == 9, "rc=%d %s" % (p.returncode, err))
    one_line(err)
    check("changed while" in err, err)
    check(open(victim).read() == "root's secret\n", "victim written")
    check(os.path.islink(readme), "the link was replaced")
    no_temporaries(d)
    env.main.faults()


def t_symlink_of_another_user(env):
    """A symbolic link owned by another user is not followed; one owned
    by the user running the command is (its target is rewritten)."""
    if os.geteuid() != 0:
        raise SkipTest("needs root to own a link as another user")
    d = env.fresh("links")
    os.chmod(d, 0o1777)
    target = os.path.join(d, "real.md")
    env.readme(target, ["my:proj"])
    env.run("rotate", "my:proj")
    nobody = pwd.getpwnam("nobody")
    theirs = os.path.join(d, "theirs.md")
    os.symlink(target, theirs)
    os.lchown(theirs, nobody.pw_uid, nobody.pw_gid)
    before = open(target).read()
    rc, _, err, _ = env.run("rewrite", "--project", "my:proj", theirs)
    check(rc != 0 and "owned by another user" in err, "rc=%d %s" % (rc, err))
    check(open(target).read() == before, "written through a foreign link")
    mine = os.path.join(d, "mine.md")
    os.symlink(target, mine)
    rc, _, err, _ = env.run("rewrite", "--project", "my:proj", mine)
    check(rc == 0 and os.path.islink(mine), "rc=%d %s" % (rc, err))
    current_in(env, target, ["my:proj"])


def t_concurrent_edit_kept(env):
    """A line appended while rewrite waits for the token is not lost: the
    run says the file changed (exit 9); the rerun updates it."""
    d = env.fresh("edit")
    readme = os.path.join(d, "README.md")
    env.readme(readme, ["my:proj"])
    env.run("rotate", "my:proj")
    slow_token(env, 1.5)
    p = env.popen(["rewrite", "--project", "my:proj", readme],
                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.7)
    with open(readme, "a") as f:
        f.write("an edit made meanwhile\n")
    out, err = p.communicate(timeout=30)
    err = err.decode()
    check(p.returncode == 9 and "changed while" in err,
          "rc=%d %s" % (p.returncode, err))
    check(open(readme).read().endswith("an edit made meanwhile\n"), "edit lost")
    env.main.faults()
    rc, _, err, _ = env.run("rewrite", "--project", "my:proj", readme)
    check(rc == 0, err)
    text = open(readme).read()
    check(text.endswith("an edit made meanwhile\n"), "edit lost on rerun")
    current_in(env, readme, ["my:proj"])


def t_files_that_are_not_files(env):
    """A FIFO, a folder or a device in every file slot: a one-line error,
    exit 2, at once."""
    d = env.fresh("notfiles")
    fifo = os.path.join(d, "fifo")
    os.mkfifo(fifo)
    cases = []
    for bad in (fifo, d, "/dev/zero"):
        cases += [
            (["rewrite", "--project", "my:proj", bad], None),
            (["check", bad], None),
            (["rotate", "--from", bad], None),
            (["rotate", "my:proj", "--state", bad], None),
            (["--token-file", bad, "token", "my:proj"], None),
            (["--key-passphrase-file", bad, "token", "my:proj"], None),
            (["--proxy-user-file", bad, "token", "my:proj"], None),
            (["token", "my:proj"], {"SONAR_ROOT_CERT": bad}),
            (["--cacert", bad, "token", "my:proj"], None),
        ]
    for args, extra in cases:
        e = env.environ()
        if extra:
            e.update(extra)
        argv = [SB, "--url", env.main.url()]
        if "--cacert" not in args:
            argv += ["--cacert", env.ca]
        t0 = time.time()
        p = subprocess.run(argv + args, env=e, capture_output=True,
                           timeout=20 * SLOW)
        err = p.stderr.decode()
        check(p.returncode == 2, "%s %s: rc=%d %s" % (args, extra, p.returncode,
                                                      err))
        one_line(err)
        check(time.time() - t0 < 10 * SLOW, "%s took too long" % args)
    # sonar-project.properties that is a FIFO, in the working folder.
    os.mkfifo(os.path.join(d, "sonar-project.properties"))
    p = subprocess.run([SB, "--cacert", env.ca, "--url", env.main.url(),
                        "token", "my:proj"], env=env.environ(), cwd=d,
                       capture_output=True, timeout=20 * SLOW)
    check(p.returncode == 2, "properties FIFO: rc=%d" % p.returncode)
    one_line(p.stderr.decode())


def t_untrusted_state(env):
    """A state file others may write, or another user's, is refused; a
    record dated in the future is ignored with a warning."""
    d = env.fresh("trust")
    state = os.path.join(d, "S")
    env.main.reset()
    rc, _, err, _ = env.run("rotate", "my:proj", "--state", state)
    check(rc == 0, err)
    os.chmod(state, 0o666)
    env.main.reset()
    rc, _, err, _ = env.run("rotate", "my:proj", "--state", state)
    check(rc == 2 and "may be written by other users" in err, err)
    one_line(err)
    check(env.main.stats()["renewals"] == {}, "renewed anyway")
    os.chmod(state, 0o600)
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(state, nobody.pw_uid, nobody.pw_gid)
        rc, _, err, _ = env.run("rotate", "my:proj", "--state", state)
        check(rc == 2 and "belongs to another user" in err, err)
        os.chown(state, 0, 0)
    future = int(time.time()) + 10 * 86400
    with open(state, "w") as f:
        f.write("# sonarbadge rotation state v2\nrotated\t%d\tmy%%3Aproj\n"
                "rotated\t%d\tmy:proj\n" % (future, future))
    os.chmod(state, 0o600)
    env.main.reset()
    rc, out, err, _ = env.run("rotate", "my:proj", "--state", state,
                              "--older-than", "1d")
    check(rc == 0 and "in the future" in err, "rc=%d %s" % (rc, err))
    check(env.main.stats()["renewals"] == {"my:proj": 1}, "not rotated")


def t_old_state_files_read(env):
    """A state file of the first format (rotated and four-field pending
    records) is read and turned into the second."""
    d = env.fresh("v1")
    state = os.path.join(d, "S")
    now = int(time.time())
    toks = env.tokens()
    if "other" not in toks:
        env.run("token", "other")
        toks = env.tokens()
    import hashlib
    fp = hashlib.sha256(toks["other"].encode()).hexdigest()
    with open(state, "w") as f:
        f.write("# sonarbadge rotation state v1\nrotated\t%d\tmy:proj\n"
                "pending\t%d\t%s\tother\n" % (now - 100, now - 1000, fp))
    os.chmod(state, 0o600)
    env.main.reset()
    rc, out, err, _ = env.run("rotate", "my:proj", "other", "--state", state,
                              "--older-than", "1d")
    check(rc == 0, err)
    check(env.main.stats()["renewals"] == {"other": 1}, "renewals")
    st = rotate_test.read_state(state)
    check(st["my:proj"] == {"rotated": now - 100}, "my:proj lost")


def t_odd_key_fails_alone(env):
    """A listed key with a control character fails alone; every other
    project is rotated, on every run."""
    config = {"users": {ADMIN: {"login": "admin", "admin_projects": ["*"],
                                "browse_projects": ["*"]}},
              "projects": ["a-1", "odd\u0007key", "a-2"],
              "force_authentication": True}
    with open(os.path.join(env.work, "odd.json"), "w") as f:
        json.dump(config, f)
    srv = common.Standin(env.work, "odd", "server",
                         extra=("--config", os.path.join(env.work, "odd.json")))
    env.servers.append(srv)
    d = env.fresh("odd")
    state = os.path.join(d, "S")
    for run in (1, 2):
        rc, out, err, _ = env.run("rotate", "--all", "--state", state,
                                  "--older-than", "1d", url=srv.url())
        check(rc == 1, "run %d: rc=%d %s" % (run, rc, err))
        check("odd?key" in out and "control character" in out, out)
        st = srv.stats()["renewals"]
        check(st == {"a-1": 1, "a-2": 1}, "run %d: %r" % (run, st))


def t_no_silent_gates(env):
    """check and rewrite --check on files without a badge URL of the
    server (another host, UTF-16) fail with a message."""
    d = env.fresh("gates")
    other = os.path.join(d, "other.md")
    with open(other, "w") as f:
        f.write("[![QG](https://sonar.elsewhere.test/api/project_badges/"
                "measure?project=my%3Aproj&metric=alert_status&token=sqb_"
                + "0" * 40 + ")](x)\n")
    utf16 = os.path.join(d, "utf16.md")
    with open(utf16, "wb") as f:
        f.write(("[![QG](%s)](x)\n" % env.badge("my:proj", "sqb_" + "1" * 40))
                .encode("utf-16"))
    for path in (other, utf16):
        rc, out, err, _ = env.run("check", path, token=None)
        check(rc == 1 and "no badge URL" in err, "check %s: %d %s"
              % (path, rc, err))
        one_line(err)
        rc, out, err, _ = env.run("rewrite", "--check", "--project", "my:proj",
                                  path)
        check(rc == 1 and "no badge URL" in err, "rewrite --check %s: %d %s"
              % (path, rc, err))


def t_punctuation_after_token(env):
    """A token at the end of a sentence: rewrite updates it, check agrees
    it renders, the punctuation stays."""
    d = env.fresh("punct")
    path = os.path.join(d, "README.md")
    toks = env.tokens()
    with open(path, "w") as f:
        for p in ".,!:*":
            f.write("See %s%s Then.\n" % (env.badge("my:proj", "sqb_" + "2" * 40),
                                          p))
    rc, out, err, _ = env.run("rewrite", "--project", "my:proj", path)
    check(rc == 0 and "5 of 5" in out, "rc=%d %s %s" % (rc, out, err))
    text = open(path).read()
    for p in ".,!:*":
        check("token=%s%s Then." % (toks["my:proj"], p) in text, text)
    rc, out, err, _ = env.run("check", path, token=None)
    check(rc == 0 and out.count(": ok my:proj") == 5, out + err)


def t_interrupted_rewrite_leaves_no_temporary(env):
    """SIGINT or SIGTERM at any moment of a big rewrite: the file is the
    old or the new one, whole, and no temporary file stays."""
    d = env.fresh("sigtmp")
    path = os.path.join(d, "README.md")
    env.readme(path, ["my:proj"], pad=60 * 1000 * 1000)
    for i in range(4):
        env.run("rotate", "my:proj")
        p = env.popen(["rewrite", "--project", "my:proj", path],
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.05 + random.random() * 0.4)
        p.send_signal(signal.SIGINT if i % 2 else signal.SIGTERM)
        p.wait(60)
        no_temporaries(d)
        check(os.path.getsize(path) > 60 * 1000 * 1000, "file cut short")
        with open(path, "rb") as f:
            head = f.readline()
        check(head.startswith(b"# A project"), "file damaged")


def t_fetch_honours_umask(env):
    d = env.fresh("umask")
    for mask, want in ((0o077, 0o600), (0o022, 0o644)):
        out = os.path.join(d, "qg-%o.svg" % mask)
        p = subprocess.run(env.cmd(["fetch", "my:proj", "-o", out]),
                           env=env.environ(), capture_output=True,
                           preexec_fn=lambda m=mask: os.umask(m),
                           timeout=30 * SLOW)
        check(p.returncode == 0, p.stderr.decode())
        got = stat.S_IMODE(os.stat(out).st_mode)
        check(got == want, "umask %o: mode %o" % (mask, got))


def t_json_always_utf8(env):
    d = env.fresh("utf8")
    keys = os.path.join(d, "keys")
    with open(keys, "wb") as f:
        f.write(b"caf\xff\nmy:proj\n")
    rc, out, err, _ = env.run("rotate", "--from", keys, "--json")
    raw = subprocess.run(env.cmd(["rotate", "--from", keys, "--json",
                                  "--dry-run"]),
                         env=env.environ(), capture_output=True).stdout
    raw.decode("utf-8")  # strict: fails on invalid UTF-8
    rows = [json.loads(l) for l in raw.decode().splitlines()]
    check(rows[0]["project"] == "caf\ufffd", rows)


def t_verbose_masks_cookies_and_urls(env):
    """-v never shows a cookie's value, nor credentials in a URL."""
    env.main.faults({"path": "/api/project_badges/token", "kind": "status",
                     "status": 302, "count": 1,
                     "headers": {"Location": "https://user:pw-s3cret@other.test/"
                                             "x?password=pw-s3cret",
                                 "Set-Cookie": "JWT-SESSION=ck-s3cret; Path=/"}})
    rc, out, err, _ = env.run("-v", "token", "my:proj")
    check(rc == 7, "rc=%d %s" % (rc, err))
    check("s3cret" not in err, "a secret in -v: %s" % err)
    check("Set-Cookie: JWT-SESSION=[redacted]; Path=/" in err, err)
    env.main.faults()


def t_jobs_exactly_once_after_kill(env):
    """--jobs 4, killed, rerun with --jobs 4: each project once."""
    d = env.fresh("jobs")
    state = os.path.join(d, "S")
    env.main.reset()
    env.main.faults({"path": "/api/project_badges/renew_token",
                     "kind": "delay", "seconds": 0.03, "count": 100000})
    args = ["rotate", "--jobs", "4", "--all", "--query", QUERY, "--state",
            state, "--older-than", "1d"]
    p = env.popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.6)
        p.kill()
    finally:
        p.wait(30)
        p.stdout.close()
    env.main.faults()
    rc, out, err, _ = env.run(*args, timeout=120)
    check(rc == 0, err)
    renewed_once(env, KEYS)


def t_jobs_order_and_connections(env):
    """--jobs 8: every project once, lines in the listing's order, one
    kept-alive connection per job."""
    env.main.reset()
    rc, out, err, _ = env.run("rotate", "--jobs", "8", "--all", "--query",
                              QUERY, "--json", timeout=120)
    check(rc == 0, err)
    rows = [json.loads(l) for l in out.splitlines()]
    check([r["project"] for r in rows] == KEYS, "order differs")
    check(all(r["status"] == "rotated" for r in rows), "not all rotated")
    renewed_once(env, KEYS)
    st = env.main.stats()
    check(st["connections"] == 8, "connections: %d" % st["connections"])
    toks = st["tokens"]
    check(all(r["new"] == toks[r["project"]] for r in rows), "new tokens")


def t_jobs_rate_limit_slows_everyone(env):
    """A 429 with Retry-After seen by one job holds every job."""
    env.main.reset()
    # The first token read is told to wait 2 s; the others are slow
    # (60 ms), so the other jobs still have reads to make meanwhile.
    env.main.faults({"path": "/api/project_badges/token", "kind": "status",
                     "status": 429, "count": 1, "headers": {"Retry-After": "2"}},
                    {"path": "/api/project_badges/token", "kind": "delay",
                     "seconds": 0.06, "count": 100000})
    rc, out, err, _ = env.run("rotate", "--jobs", "4", "--all", "--query",
                              QUERY, timeout=120)
    check(rc == 0, "rc=%d %s" % (rc, err))
    st = env.main.stats()
    lines, times = st["request_lines"], st["request_times"]
    first = [i for i, l in enumerate(lines) if "project_badges/token" in l][0]
    t429 = times[first]
    during = [l for l, t in zip(lines, times)
              if t429 + 0.3 < t < t429 + 1.6]
    check(not during, "requests while told to wait: %s" % during[:3])
    renewed_once(env, KEYS)
    env.main.faults()


def this_boot():
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            return f.read().strip()
    except OSError:
        raise SkipTest("no /proc/sys/kernel/random/boot_id")


def t_unsent_renewal_not_waited_for(env):
    """The journal tells a renewal that was never sent (pending, same
    boot, no "sent" record: a process killed before its POST) from one
    that may have been (a "sent" record, or a pending record of an earlier
    boot: a machine that crashed may have lost the "sent" line). Only the
    latter makes the rerun wait."""
    import hashlib
    boot = this_boot()
    env.main.reset()
    env.run("token", "my:proj")
    cases = [("unsent", boot, False, False),
             ("sent", boot, True, True),
             ("other-boot", "0" * 8 + boot[8:], False, True)]
    for name, boot_id, sent, waits in cases:
        d = env.fresh("journal-" + name)
        state = os.path.join(d, "S")
        tok = env.tokens()["my:proj"]
        fp = hashlib.sha256(tok.encode()).hexdigest()
        now = int(time.time())
        lines = ["# sonarbadge rotation state v2",
                 "boot\t%d\t%s" % (now, boot_id),
                 "pending\t%d\t%d\t%s\tmy:proj" % (now, now + 3, fp)]
        if sent:
            lines.append("sent\t%d\t%d\tmy:proj" % (now, now + 3))
        with open(state, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.chmod(state, 0o600)
        before = env.main.stats()["renewals"].get("my:proj", 0)
        t0 = time.time()
        rc, out, err, _ = env.run("rotate", "my:proj", "--state", state,
                                  timeout=60)
        took = time.time() - t0
        check(rc == 0, "%s: rc=%d %s" % (name, rc, err))
        said = "may still be queued" in err
        check(said == waits, "%s: wait said=%s: %r" % (name, said, err))
        check((took >= 1.5) == waits, "%s: took %.1fs" % (name, took))
        after = env.main.stats()["renewals"].get("my:proj", 0)
        check(after == before + 1, "%s: renewals %d -> %d"
              % (name, before, after))


TESTS = [t_killed_runs_finish_rewrites, t_counts_exactly_once,
         t_full_disk_rewrite, t_closed_stdout, t_overlapping_runs,
         t_queued_renewal, t_symlink_swapped_during_wait,
         t_symlink_of_another_user, t_concurrent_edit_kept,
         t_files_that_are_not_files, t_untrusted_state,
         t_old_state_files_read, t_odd_key_fails_alone, t_no_silent_gates,
         t_punctuation_after_token, t_interrupted_rewrite_leaves_no_temporary,
         t_fetch_honours_umask, t_json_always_utf8,
         t_verbose_masks_cookies_and_urls, t_jobs_exactly_once_after_kill,
         t_jobs_order_and_connections, t_jobs_rate_limit_slows_everyone,
         t_unsent_renewal_not_waited_for]


if __name__ == "__main__":
    sys.exit(common.main(TESTS, Env, "safety"))
