#!/usr/bin/env python3
"""The command as a newcomer meets it: help, suggestions, combined short
flags, --quiet, sonar-project.properties for every command (read as
java.util.Properties reads it), commands that need no user token, and
writes to a closed standard output. Against the stand-in over TLS on
127.0.0.1. Python 3 standard library only."""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

import sbtest_common as common
from sbtest_common import ADMIN, SB, SLOW, WRAPPER, check, one_line_error

TOKEN_RE = re.compile(r"^sqb_[0-9a-f]{40}$")


class Env(common.Env):
    """The security suites' Env, with a public project for badges that
    need no token."""

    def __init__(self):
        super().__init__()
        self.props_dir = tempfile.mkdtemp(prefix="sonarbadge-props-")

    def close(self):
        shutil.rmtree(self.props_dir, ignore_errors=True)
        super().close()

    def run_in(self, cwd, *args, token=ADMIN, env=None, timeout=30):
        """Run sonarbadge in cwd with exactly args (no --url, no
        --cacert added)."""
        p = subprocess.run(list(WRAPPER) + [SB] + list(args), cwd=cwd,
                           capture_output=True, env=self.environ(token, env),
                           timeout=timeout * SLOW)
        return (p.returncode, p.stdout.decode("utf-8", "replace"),
                p.stderr.decode("utf-8", "replace"))

    def props(self, text):
        """Write sonar-project.properties (bytes or str) in props_dir."""
        data = text.encode("latin-1") if isinstance(text, str) else text
        with open(os.path.join(self.props_dir, "sonar-project.properties"),
                  "wb") as f:
            f.write(data)
        return self.props_dir


def t_help(env):
    rc, out, err, _ = env.run("help", url=False, ca=False)
    check(rc == 0 and out.startswith("Usage: sonarbadge") and err == "",
          "help: %d %r" % (rc, err))
    rc, h1, _, _ = env.run("help", "token", url=False, ca=False)
    check(rc == 0 and "token [PROJECT]" in h1, h1)
    rc, h2, _, _ = env.run("token", "--help", url=False, ca=False)
    check(rc == 0 and h2 == h1, "token --help differs from help token")
    rc, h3, _, _ = env.run("-h", "token", url=False, ca=False)
    check(rc == 0 and h3 == h1, "-h token differs from help token")
    rc, out, _, _ = env.run("help", "rotate", url=False, ca=False)
    check(rc == 0 and "--older-than AGE" in out and "--connect-timeout" not in out,
          "help rotate: " + out)
    rc, out, _, _ = env.run("--help", url=False, ca=False)
    for opt in ("--quiet", "--retry-connrefused", "--proxy-user-file",
                "--lock-timeout", "--jobs", "--add-token"):
        check(opt in out, "--help lacks " + opt)


def t_suggestions(env):
    for args, want in [(("tokne", "x"), "did you mean 'token'?"),
                       (("rotat",), "did you mean 'rotate'?"),
                       (("help", "urlz"), "did you mean 'urls'?"),
                       (("urls", "x", "--brnach", "b"),
                        "did you mean '--branch'?"),
                       (("--insecur", "token", "x"),
                        "did you mean '--insecure'?")]:
        rc, out, err, _ = env.run(*args, url=False, ca=False)
        check(rc == 2 and want in err, "%s: %d %r" % (args, rc, err))
        one_line_error(err)
    rc, _, err, _ = env.run("frobnicate", url=False, ca=False)
    check(rc == 2 and "did you mean" not in err, err)


def t_combined_short_flags(env):
    rc, out, err, _ = env.run("-kv", "token", "my:proj", ca=False)
    check(rc == 0 and TOKEN_RE.match(out.strip()), err)
    check("> GET /api/project_badges/token" in err and "insecure" in err, err)
    rc, _, err, _ = env.run("-kx", "token", "my:proj", ca=False)
    check(rc == 2 and "'-x'" in err, err)
    one_line_error(err)
    out_file = os.path.join(env.props_dir, "badge.svg")
    rc, _, err, _ = env.run("fetch", "my:proj", "-qo" + out_file)
    check(rc == 0 and open(out_file).read().startswith("<svg"), err)


def t_quiet(env):
    rc, out, err, _ = env.run("renew", "my:proj")
    check(rc == 0 and TOKEN_RE.match(out.strip()), err)
    check(err.startswith("sonarbadge: rotated the badge token of my:proj"),
          err)
    rc, out, err, _ = env.run("-q", "renew", "my:proj")
    check(rc == 0 and TOKEN_RE.match(out.strip()) and err == "", err)
    # Errors still show.
    rc, _, err, _ = env.run("--quiet", "token", "nope")
    check(rc == 6, "rc=%d" % rc)
    one_line_error(err)


def t_properties_every_command(env):
    url = env.main.url()
    d = env.props("# a comment \\\nsonar.projectKey = my\\u003a\\\n"
                  "    proj\nsonar.host.url:%s\n" % url)
    for cmd in (["token"], ["renew"], ["urls", "--metric", "coverage"],
                ["fetch"], ["rewrite", "--check", "x.md"]):
        if cmd[0] == "rewrite":
            with open(os.path.join(d, "x.md"), "w") as f:
                f.write("no badge\n")
        rc, out, err = env.run_in(d, "--cacert", env.ca, *cmd)
        check(rc in (0, 1) and "my%3Aproj" not in err,
              "%s: %d %s" % (cmd, rc, err))
        check("using sonar.host.url %s from ./sonar-project.properties"
              % url in err, "%s: the URL's origin is not said: %r" % (cmd, err))
    rc, out, err = env.run_in(d, "--cacert", env.ca, "token")
    check(rc == 0 and out.strip() == env.main.stats()["tokens"]["my:proj"],
          "token from the file's key: " + err)
    # --url and SONAR_HOST_URL win over the file.
    rc, _, err = env.run_in(d, "--cacert", env.ca, "--url", "https://127.0.0.1:1",
                            "token")
    check(rc == 3 and "using sonar.host.url" not in err, err)


def t_properties_errors(env):
    cases = [("sonar.host.url=ftp://x\nsonar.projectKey=k\n",
              "sonar.host.url in ./sonar-project.properties"),
             ("sonar.projectKey=a\\u00zz\n", "line 1: malformed \\uXXXX"),
             ("\n\nsonar.projectKey=a\\ud800\n", "line 3: a \\uXXXX"),
             ("sonar.projectKey=a\\nb\n", "control character")]
    for text, want in cases:
        d = env.props(text)
        rc, _, err = env.run_in(d, "--cacert", env.ca, "token")
        check(rc == 2 and want in err, "%r: %d %r" % (text, rc, err))
        one_line_error(err)
    # ISO-8859-1, as java.util.Properties reads a stream: 0xE9 is e-acute.
    d = env.props(b"sonar.projectKey=caf\xe9\nsonar.host.url=" +
                  env.main.url().encode() + b"\n")
    rc, _, err = env.run_in(d, "--cacert", env.ca, "token")
    check(rc == 6 and "caf\u00e9" in err, "%d %r" % (rc, err))


def t_properties_plain_http_refused(env):
    d = env.props("sonar.projectKey=my:proj\nsonar.host.url=http://127.0.0.1:%d\n"
                  % env.main.port)
    rc, _, err = env.run_in(d, "token")
    check(rc == 2 and "plain http" in err and "--url" in err, err)
    one_line_error(err)
    stats = env.main.stats()
    env.main.reset()
    # Nothing was sent.
    check(env.main.stats()["requests"] == 0, "a request went out")
    del stats


def t_check_and_fetch_need_no_token(env):
    rc, out, err, _ = env.run("urls", "my:proj", "--format", "url",
                              "--metric", "coverage", "--metric", "quality_gate")
    check(rc == 0, err)
    readme = os.path.join(env.props_dir, "README.md")
    with open(readme, "w") as f:
        f.write(out)
    env.main.reset()
    rc, out, err, _ = env.run("check", readme, token=None)
    check(rc == 0 and out.count(": ok ") == 2, "%d %s %s" % (rc, out, err))
    st = env.main.stats()
    check(st["request_lines"] and not any(st["request_auth"]),
          "credentials sent: %r" % list(zip(st["request_lines"], st["request_auth"])))
    # fetch with a token: the token read carries it, the badge does not.
    env.main.reset()
    rc, out, err, _ = env.run("fetch", "my:proj")
    check(rc == 0 and out.startswith("<svg"), err)
    st = env.main.stats()
    pairs = list(zip(st["request_lines"], st["request_auth"]))
    check(pairs and all(a == ("/api/project_badges/token" in l) for l, a in pairs),
          "%r" % pairs)
    # fetch without a token: a private project's badge does not render.
    rc, out, err, _ = env.run("fetch", "my:proj", token=None)
    check(rc == 6 and "SONAR_TOKEN" in err and out == "", err)
    one_line_error(err)


def t_refused_connection_not_retried(env):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    url = "https://127.0.0.1:%d" % port
    rc, _, err, _ = env.run("token", "x", url=url)
    check(rc == 3 and "retrying" not in err, err)
    one_line_error(err)
    rc, _, err, _ = env.run("--retry", "1", "--retry-connrefused", "token", "x",
                            url=url)
    check(rc == 3 and err.count("retrying") == 1, err)


def t_proxy_password_warning(env):
    rc, _, err, _ = env.run("--proxy", "http://u:s3cret@127.0.0.1:1", "token",
                            "x")
    check(rc == 3 and "--proxy-user-file" in err and "s3cret" not in err, err)
    pw = os.path.join(env.props_dir, "proxy-user")
    with open(pw, "w") as f:
        f.write("u:s3cret\n")
    os.chmod(pw, 0o600)
    rc, _, err, _ = env.run("--proxy", "http://127.0.0.1:1", "--proxy-user-file",
                            pw, "token", "x")
    check(rc == 3 and "***:***@127.0.0.1" in err and "s3cret" not in err
          and "warning" not in err, err)


def t_closed_stdout(env):
    r, w = os.pipe()
    os.close(r)  # every write to w now fails with EPIPE
    try:
        p = subprocess.run(env.cmd("urls", "my:proj"), stdout=w,
                           stderr=subprocess.PIPE, env=env.environ(),
                           timeout=30 * SLOW)
    finally:
        os.close(w)
    err = p.stderr.decode()
    check(p.returncode == 9, "rc=%d %r" % (p.returncode, err))
    one_line_error(err)
    check("standard output" in err, err)


def t_plain_http_to_tls_port(env):
    url = "http://localhost:%d" % env.main.port
    rc, _, err, _ = env.run("--retry", "0", "token", "my:proj", url=url)
    check(rc == 3 and "speaks TLS, the URL must start with https://" in err,
          "rc=%d %r" % (rc, err))
    lines = [l for l in err.splitlines() if "warning" not in l]
    check(len(lines) == 1, err)


def t_wrong_context_path(env):
    rc, _, err, _ = env.run("token", "my:proj",
                            url=env.main.url() + "/sonarqube")
    check(rc == 2 and "no SonarQube at" in err and "context path" in err,
          "rc=%d %r" % (rc, err))
    one_line_error(err)


def t_no_project_says_how_to_name_one(env):
    # No operand and no sonar-project.properties: the message says how to
    # give the project, for each way a command takes one; nothing is sent.
    empty = tempfile.mkdtemp(prefix="sonarbadge-noprops-")
    env.main.reset()
    try:
        for args, how in [(("token",), "give PROJECT,"),
                          (("urls", "--metric", "coverage"), "give PROJECT,"),
                          (("rotate",), "give PROJECT..., --from FILE or --all"),
                          (("rewrite", "README.md"), "give --project KEY")]:
            rc, out, err = env.run_in(empty, "--url", env.main.url(),
                                      "--cacert", env.ca, *args)
            check(rc == 2 and how in err and "sonar.projectKey" in err
                  and out == "", "%s: %d %r" % (args, rc, err))
            one_line_error(err)
    finally:
        shutil.rmtree(empty, ignore_errors=True)
    check(env.main.stats()["requests"] == 0, "a request went out")


def t_rotate_columns_line_up(env):
    # The old token is shortened with an ellipsis (one character, three
    # bytes); the NEW column still starts where a failed line's "-" does:
    # after the key (30) and the old token (12), two blanks each.
    rc, out, err, _ = env.run("rotate", "my:proj", "nosuch", "other")
    check(rc == 1, "rc=%d %r" % (rc, err))
    lines = out.splitlines()
    check(len(lines) == 3 and "\u2026" in lines[0], out)
    check(lines[0][46:].startswith("sqb_") and lines[1][46:].startswith("- ")
          and lines[2][46:].startswith("sqb_"), "columns: %r" % lines)
    check(lines[1][32:].startswith("- "), "the OLD column: %r" % lines)


def t_cloud_listing_needs_organization(env):
    cloud = common.Standin(env.work, "cloudorg", "server", "cloud")
    try:
        for args in (("projects",), ("rotate", "--all")):
            rc, out, err, _ = env.run(*args, url=cloud.url())
            check(rc == 2 and "--organization" in err and "HTTP 400" not in err,
                  "%s: %d %r" % (args, rc, err))
            check(not any("renew_token" in l
                          for l in cloud.stats()["request_lines"]), "renewed")
        rc, out, err, _ = env.run("--organization", "test-org", "projects",
                                  url=cloud.url())
        check(rc == 0 and "my:proj\tTRK" in out.splitlines(), "%d %r" % (rc, err))
    finally:
        cloud.stop()


TESTS = [t_help, t_suggestions, t_combined_short_flags, t_quiet,
         t_properties_every_command, t_properties_errors,
         t_properties_plain_http_refused, t_check_and_fetch_need_no_token,
         t_refused_connection_not_retried, t_proxy_password_warning,
         t_closed_stdout, t_plain_http_to_tls_port, t_wrong_context_path,
         t_no_project_says_how_to_name_one, t_rotate_columns_line_up,
         t_cloud_listing_needs_organization]


if __name__ == "__main__":
    sys.exit(common.main(TESTS, Env, "cli"))
