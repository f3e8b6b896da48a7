#!/usr/bin/env python3
"""The real-world corpus (tests/corpus: 34 public READMEs holding badge URLs
of SonarQube servers and of SonarQube Cloud) against the stand-in, over TLS
on 127.0.0.1.

Each file is copied into a temporary folder with its server's origin
(`https://sonar.corpus.test`, or `https://sonarcloud.io`) replaced by the
stand-in's (`https://localhost:PORT`), any context path kept. What the
command must do is computed from tests/corpus/manifest.json alone (the hand
annotation of every badge URL: line, kind, project, metric, branch, token
and the token's byte offset), never from sonarbadge's own finder:

- `rewrite --project KEY`: exactly the token values of KEY's badge URLs
  change, to the stand-in's current token, and not one other byte; a
  second run changes nothing and leaves the file alone;
- `rewrite --check`: its exit code and counts (stale, without a token);
- `check` (no user token): one line per badge URL of the server, on the
  manifest's line, ok or broken as the stand-in's rules say (token, project
  visibility, branch); a file without such a URL exits 1;
- `rewrite --add-token`: the token lands where each tokenless badge URL of
  the project ends (before an Org `#.svg` fragment, before `)[![`, `>`,
  `"`, `[`, a line end), and after that every badge of the file renders;
  once the server's tokens change, `rewrite` finds and replaces the added
  tokens in those same places.

One stand-in per server shape, each started once: SonarQube at the root,
below /sonarqube and below /sonar (`--context`, as sonar.web.context), and
one in cloud mode for the SonarQube Cloud files (its badge token is read
through api/navigation/component, as on Cloud).
Ends with "N passed, N failed".
"""

import difflib
import hashlib
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import sbtest_common as common  # noqa: E402

CORPUS = os.path.join(common.ROOT, "tests", "corpus")
PLACEHOLDER = b"https://sonar.corpus.test"
CLOUD = b"https://sonarcloud.io"
ADMIN = common.ADMIN

# The badge metrics every SonarQube the users run accepts: the 12 keys of
# MeasureAction.METRIC_NAME_BY_KEY on branch-9.9 (@3bd7855c) and in the
# 10.4 (@ea0be0ea) and 10.8 (@00e684ba) copies (SonarSource/sonarqube,
# server/sonar-webserver-webapi/.../badge/ws/MeasureAction.java; summed up
# in /work/shared/sonar-api.md §1.1). Every metric of the corpus must be
# one of them, and the stand-in draws each.
CLASSIC_METRICS = {
    "coverage", "duplicated_lines_density", "ncloc", "alert_status",
    "security_hotspots", "bugs", "code_smells", "vulnerabilities",
    "sqale_rating", "reliability_rating", "security_rating", "sqale_index",
}

# The stand-in's token equals the one in the file for these projects (their
# badges render as they are); every other project's token differs.
FRESH = {"sonarqube-webapp", "sonarlint-omnisharp-dotnet",
         "Guan-Pujun_bcmp-python"}
# Projects whose badges carry no token: public (a tokenless badge renders,
# sonar.forceAuthentication being off) except these private ones, whose
# tokenless badges show "Project has not been found" until --add-token.
PRIVATE_TOKENLESS = {
    "zowe:api-mediation-layer", "Stalactite", "phalcon_phalcon",
    "mosip_packet-manager", "jhipster_jhipster-sample-app-dotnetcore",
    "angkor-api", "steinarb_ukelonn",
    "maxiko_qualinsight-plugins-sonarqube-badges",
    "org.ligoj.plugin:plugin-qa-sonarqube", "boecht_birre",
    "disturbedkh_scanner-manager", "decathlon_vitamin-web_react",
}
# The main branch where it is not "main" (the stand-in's default).
MAIN_BRANCH = {"mosip_packet-manager": "master"}
FORCE_AUTH = False
# The stand-in models a server without the AI Code Assurance feature, which
# only commercial editions and SonarQube Cloud have (its action is not in
# the open-source ProjectBadgesWsModule; /work/shared/sonar-api.md §1.5):
# such a badge answers 404 "Unknown url" and is broken.
RENDERED_KINDS = {"measure", "quality_gate"}

MAX_REPORT = 40
# Under SB_TEST_WRAPPER (valgrind: about 2 s a command) the command runs on
# these files only, one of each shape of the corpus (CRLF and a context
# path, two projects with bare tokens, ")[![", "#.svg", quality_gate,
# "<URL>", "&amp;", ai_code_assurance, no badge at all, circle-token=,
# Codecov's token=, AsciiDoc); the manifest is still checked whole.
WRAPPED_SAMPLE = {"05", "11", "12", "19", "21", "24", "25", "27", "28", "30", "31", "34"}


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def load_manifest():
    with open(os.path.join(CORPUS, "manifest.json"), encoding="utf-8") as f:
        m = json.load(f)
    entries = []
    for e in m["files"]:
        with open(os.path.join(CORPUS, e["file"]), "rb") as f:
            e["bytes"] = f.read()
        e["name"] = os.path.basename(e["file"])
        server = e["server"].encode()
        e["origin_url"] = CLOUD if server.startswith(CLOUD) else PLACEHOLDER
        e["context"] = server[len(e["origin_url"]):].decode()
        e["cloud"] = e["origin_url"] == CLOUD
        entries.append(e)
    return entries


def standin_token(key, cloud, file_token):
    if key in FRESH:
        return file_token
    h = hashlib.sha256(("sonarbadge-corpus-standin/" + key).encode()).hexdigest()[:40]
    return h if cloud else "sqb_" + h


def projects_of(entry):
    """{key: [badges]} in the order of the file."""
    out = {}
    for b in entry["badges"]:
        out.setdefault(b["project"], []).append(b)
    return out


def make_config(entries):
    projects, tokens = {}, {}
    for e in entries:
        for key, badges in projects_of(e).items():
            file_tokens = {b["token"] for b in badges if b["token"]}
            check(len(file_tokens) <= 1, "%s: two tokens for %s" % (e["name"], key))
            tok = standin_token(key, e["cloud"], next(iter(file_tokens), None))
            branches = sorted({b["branch"] for b in badges if b["branch"]} -
                              {MAIN_BRANCH.get(key, "main")})
            private = bool(file_tokens) or key in PRIVATE_TOKENLESS
            p = {"key": key, "visibility": "private" if private else "public",
                 "token": tok, "branches": branches}
            if key in MAIN_BRANCH:
                p["main_branch"] = MAIN_BRANCH[key]
            check(key not in projects, "project %s in two files" % key)
            projects[key] = p
            tokens[key] = tok
    config = {"users": {ADMIN: {"login": "admin", "admin_projects": ["*"],
                                "browse_projects": ["*"]}},
              "projects": list(projects.values()),
              "force_authentication": FORCE_AUTH}
    return config, projects, tokens


def renders(badge, project):
    """Would the stand-in draw this badge URL, as the manifest describes
    it? SonarQube's rules (AbstractProjectBadgesWsAction, ProjectBadgesSupport:
    a private project, or any under sonar.forceAuthentication, needs the
    right token; an unknown branch is "Project has not been found")."""
    if badge["kind"] not in RENDERED_KINDS:
        return False
    private = project["visibility"] == "private"
    if (private or FORCE_AUTH) and badge["token"] != project["token"]:
        return False
    br = badge["branch"]
    if br and br != project.get("main_branch", "main") and br not in project["branches"]:
        return False
    return badge["kind"] != "measure" or badge["metric"] in CLASSIC_METRICS


def line_of(data, off):
    return data.count(b"\n", 0, off) + 1


def byte_diff(name, expected, got):
    """Where got differs from expected: FILE:LINE: expected X, got Y."""
    if expected == got:
        return []
    out = []
    sm = difflib.SequenceMatcher(None, expected, got, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        out.append("%s:%d: %s expected %r, got %r" % (
            name, line_of(expected, i1), op, expected[max(0, i1 - 20):i2 + 20],
            got[max(0, j1 - 20):j2 + 20]))
        if len(out) >= 8:
            out.append("%s: (more differences)" % name)
            break
    return out


def apply_edits(data, edits):
    """edits: (offset, old length, new bytes), offsets into data."""
    out, at = [], 0
    for off, n, new in sorted(edits):
        check(off >= at, "overlapping edits at %d" % off)
        out.append(data[at:off])
        out.append(new)
        at = off + n
    out.append(data[at:])
    return b"".join(out)


def badge_starts(e):
    """Where each badge URL of e's server begins in the vendored file, by
    plain text search (test_manifest_matches_files checks these are the
    manifest's URLs, in its order)."""
    prefix = e["server"].encode() + b"/api/project_badges/"
    starts, i = [], e["bytes"].find(prefix)
    while i >= 0:
        starts.append(i)
        i = e["bytes"].find(prefix, i + 1)
    return starts


class Copy:
    """A file of the corpus with its origin replaced by a stand-in's; the
    place of each badge URL and token in it, from the manifest (never from
    sonarbadge's finder)."""

    def __init__(self, entry, origin):
        self.entry = entry
        old, new = entry["origin_url"], origin.encode()
        data = entry["bytes"]
        self.starts = []
        i = data.find(old)
        while i >= 0:
            self.starts.append(i)
            i = data.find(old, i + len(old))
        self.delta = len(new) - len(old)
        self.data = data.replace(old, new)
        starts = badge_starts(entry)
        check(len(starts) == len(entry["badges"]),
              "%s: the manifest does not list every badge URL" % entry["name"])
        self.places = []
        for b, start in zip(entry["badges"], starts):
            url = b["url"].encode().replace(old, new)
            at = self.shift(start)
            where = "%s:%d" % (entry["name"], b["line"])
            check(self.data[at:at + len(url)] == url, where + ": not the manifest's URL")
            tok_at = None
            if b["token"]:
                tok_at = self.shift(b["token_offset"])
                check(self.data[tok_at:tok_at + len(b["token"])] == b["token"].encode(),
                      where + ": token not at the manifest's offset")
                check(at < tok_at < at + len(url), where + ": token outside its URL")
            self.places.append((at, at + len(url), tok_at, url))

    def shift(self, off):
        """An offset of the original file, in the copy."""
        return off + self.delta * sum(1 for s in self.starts if s < off)

    def token_edits(self, key, token):
        tok = token.encode()
        return [(t, len(b["token"]), tok)
                for b, (_, _, t, _) in zip(self.entry["badges"], self.places)
                if b["project"] == key and b["token"] and b["token"] != token]

    def add_token_edits(self, key, token):
        out = []
        for b, (_, end, _, url) in zip(self.entry["badges"], self.places):
            if b["project"] == key and not b["token"]:
                sep = b"&amp;" if b"&amp;" in url else b"&"
                out.append((end, 0, sep + b"token=" + token.encode()))
        return out


class Env:
    def __init__(self):
        self.all_entries = load_manifest()
        self.entries = self.all_entries
        if common.WRAPPER:
            self.entries = [e for e in self.entries if e["name"][:2] in WRAPPED_SAMPLE]
            print("corpus: under %s, the commands run on %d of the %d files" % (
                common.WRAPPER[0], len(self.entries), len(self.all_entries)))
        config, self.projects, self.tokens = make_config(self.all_entries)
        self.work, self.ca = common.make_workdir("sonarbadge-corpus-", config)
        self.servers = {}
        self.cache = {}
        self.added = {}  # file name: (Copy, path) once --add-token ran on it
        self.runs = 0
        try:
            for e in self.entries:
                shape = ("cloud" if e["cloud"] else "server", e["context"])
                if shape in self.servers:
                    continue
                name = "%s%s" % (shape[0], shape[1].replace("/", "-"))
                extra = ["--context", shape[1]] if shape[1] else []
                self.servers[shape] = common.Standin(self.work, name, mode=shape[0],
                                                     extra=extra)
        except BaseException:
            self.close()
            raise

    def close(self):
        for s in self.servers.values():
            s.stop()
        shutil.rmtree(self.work, ignore_errors=True)
        if common.VERBOSE:
            print("%d commands run" % self.runs)

    def server(self, e):
        return self.servers[("cloud" if e["cloud"] else "server", e["context"])]

    def origin(self, e):
        """The stand-in's https://localhost:PORT that stands for e's server."""
        return self.server(e).url()

    def base(self, e):
        return self.origin(e) + e["context"]

    def copy(self, e, tag):
        """A fresh copy of e in its own folder; returns (Copy, path)."""
        c = Copy(e, self.origin(e))
        folder = os.path.join(self.work, tag, e["name"][:2])
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, e["name"])
        with open(path, "wb") as f:
            f.write(c.data)
        return c, path

    def run(self, e, *args, token=ADMIN):
        """sonarbadge --url BASE --cacert CA ARGS; (rc, stdout, stderr)."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("SONAR_") and not k.startswith("SSL_CERT")}
        if token is not None:
            env["SONAR_TOKEN"] = token
        cmd = list(common.WRAPPER) + [common.SB, "--url", self.base(e),
                                      "--cacert", self.ca] + list(args)
        self.runs += 1
        p = subprocess.run(cmd, capture_output=True, env=env, cwd=self.work,
                           timeout=60 * common.SLOW)
        return (p.returncode, p.stdout.decode("utf-8", "replace"),
                p.stderr.decode("utf-8", "replace"))

    def once(self, what, e, fn):
        k = (what, e["name"])
        if k not in self.cache:
            self.cache[k] = fn()
        return self.cache[k]

    def check_result(self, e):
        """`check` on a pristine copy, run once: (path, rc, out, err)."""
        def go():
            _, path = self.copy(e, "check")
            return (path,) + self.run(e, "check", path, token=None)
        return self.once("check", e, go)

    def rewrite_check_results(self, e):
        """`rewrite --check --project KEY` on a pristine copy, once per
        project: {key: (path, rc, out, err)}."""
        def go():
            _, path = self.copy(e, "rewrite-check")
            out = {}
            for key in projects_of(e):
                out[key] = (path,) + self.run(e, "rewrite", "--check", "--project",
                                              key, path)
            return out
        return self.once("rewrite-check", e, go)


def report(problems):
    if problems:
        more = len(problems) - MAX_REPORT
        text = "\n  ".join(problems[:MAX_REPORT])
        if more > 0:
            text += "\n  (%d more)" % more
        raise AssertionError("\n  " + text)


def plural(n):
    return "" if n == 1 else "s"


# ---- the corpus itself ---------------------------------------------------

def test_manifest_matches_files(env):
    """The manifest describes the vendored bytes: every badge URL of the
    server is listed (found by plain text search), on its line, its token
    at its offset, followed by the character the manifest says."""
    problems = []
    for e in env.all_entries:
        data = e["bytes"]
        starts = badge_starts(e)
        if len(starts) != len(e["badges"]):
            problems.append("%s: %d badge URLs in the file, %d in the manifest"
                            % (e["name"], len(starts), len(e["badges"])))
            continue
        for b, at in zip(e["badges"], starts):
            url = b["url"].encode()
            where = "%s:%d" % (e["name"], b["line"])
            if data[at:at + len(url)] != url:
                problems.append("%s: URL differs: %r" % (where, data[at:at + len(url)]))
            if line_of(data, at) != b["line"]:
                problems.append("%s: the URL is on line %d" % (where, line_of(data, at)))
            follow = b["followed_by"].replace("\\n", "\n").encode()
            if data[at + len(url):at + len(url) + 1] != follow:
                problems.append("%s: followed by %r, not %r" % (
                    where, data[at + len(url):at + len(url) + 1], follow))
            if b["token"]:
                tok, off = b["token"].encode(), b["token_offset"]
                if data[off:off + len(tok)] != tok or not url.endswith(tok):
                    problems.append("%s: token not at offset %d" % (where, off))
            elif b"token=" in url or b["token_offset"] is not None:
                problems.append("%s: a tokenless URL with a token" % where)
            if b["kind"] == "measure" and b["metric"] not in CLASSIC_METRICS:
                problems.append("%s: metric %s is not a badge metric" % (where, b["metric"]))
    check(sum(len(e["badges"]) for e in env.all_entries) > 100, "corpus too small")
    check(sum(1 for e in env.all_entries for b in e["badges"] if b["token"]) >= 30,
          "corpus has too few badge URLs with tokens")
    report(problems)


# ---- check -----------------------------------------------------------------

def test_check(env):
    """`check FILE` without a user token: one line per badge URL of the
    server, in order, on the manifest's line, ok or broken as the stand-in
    draws it; exit 1 when one is broken, 0 when none is."""
    problems = []
    for e in env.entries:
        if not e["badges"]:
            continue
        path, rc, out, err = env.check_result(e)
        lines = out.splitlines()
        if len(lines) != len(e["badges"]):
            problems.append("%s: %d lines for %d badge URLs: %r" % (
                e["name"], len(lines), len(e["badges"]), out[-300:] + err[-300:]))
            continue
        broken = 0
        for b, got in zip(e["badges"], lines):
            ok = renders(b, env.projects[b["project"]])
            broken += not ok
            want = "%s:%d: %s %s %s" % (path, b["line"], "ok" if ok else "broken",
                                        b["project"], b["kind"])
            if b["kind"] == "measure":
                want += " " + b["metric"]
            if b["branch"]:
                want += " branch " + b["branch"]
            if not ok and b["kind"] in RENDERED_KINDS:
                # a stale or missing token, or an unknown branch
                want += ': the badge does not render: the server drew the error ' \
                        'badge "Project has not been found"'
            if (got != want) if ok or b["kind"] in RENDERED_KINDS else \
                    not got.startswith(want + ": "):
                problems.append("%s:%d: want %r, got %r" % (e["name"], b["line"], want, got))
        if rc != (1 if broken else 0):
            problems.append("%s: exit %d with %d broken: %r" % (e["name"], rc, broken, err))
        elif ("%d badge URL%s checked, %d broken" % (len(lines), plural(len(lines)), broken)
              not in err):
            problems.append("%s: summary %r" % (e["name"], err))
    report(problems)


def test_check_without_badges(env):
    """A file holding no badge URL of the server (34: only the legacy
    api/badges/gate URL) is no pass: exit 1 and a message."""
    empty = [e for e in env.entries if not e["badges"]]
    check(empty, "the corpus has no file without badges")
    for e in empty:
        path, rc, out, err = env.check_result(e)
        check(rc == 1 and out == "", "%s: exit %d, %r" % (e["name"], rc, out))
        common.one_line_error(err)
        check("no badge URL of" in err, "%s: %r" % (e["name"], err))


def test_ai_code_assurance_unsupported(env):
    """A badge whose API the server lacks (ai_code_assurance on a server
    without that feature) is reported broken, with why."""
    seen = 0
    for e in env.entries:
        lines = None
        for b in e["badges"]:
            if b["kind"] != "ai_code_assurance":
                continue
            seen += 1
            lines = lines or env.check_result(e)[2].splitlines()
            hit = [l for l in lines if ":%d: broken %s ai_code_assurance: this server has "
                   "no api/project_badges/ai_code_assurance (HTTP 404" %
                   (b["line"], b["project"]) in l]
            check(hit, "%s:%d: %r" % (e["name"], b["line"], lines))
    check(seen, "no ai_code_assurance badge in the corpus")


# ---- rewrite --check -------------------------------------------------------

def test_rewrite_check(env):
    """`rewrite --check --project KEY`: exit 1 exactly when a badge URL of
    KEY carries another token than the server's; the counts are the
    manifest's (stale, with a token, without one); the file is untouched."""
    problems = []
    for e in env.entries:
        if not e["badges"]:
            continue
        results = env.rewrite_check_results(e)
        for key, badges in projects_of(e).items():
            path, rc, out, err = results[key]
            tok = env.tokens[key]
            found = sum(1 for b in badges if b["token"])
            stale = sum(1 for b in badges if b["token"] and b["token"] != tok)
            tokenless = len(badges) - found
            want = "%s %s (%d of %d badge URL%s stale" % (
                "stale" if stale else "ok", path, stale, found, plural(found))
            if tokenless:
                want += ", %d without a token" % tokenless
            want += ")"
            where = "%s (project %s)" % (e["name"], key)
            if out.splitlines() != [want]:
                problems.append("%s: want %r, got %r %r" % (where, want, out, err))
            if rc != (1 if stale else 0):
                problems.append("%s: exit %d, %d stale" % (where, rc, stale))
            if bool(tokenless) != ("no token" in err):
                problems.append("%s: tokenless %d, stderr %r" % (where, tokenless, err))
        with open(path, "rb") as f:
            problems += byte_diff(e["name"], Copy(e, env.origin(e)).data, f.read())
    report(problems)


def test_check_agrees_with_rewrite_check(env):
    """Per project, `check` lists as many badge URLs as `rewrite --check`
    counts, and a badge is broken in `check` exactly when `rewrite --check`
    calls it stale, or it has no token and its project is private (or its
    branch or API is one the server has not)."""
    problems = []
    for e in env.entries:
        if not e["badges"]:
            continue
        lines = env.check_result(e)[2].splitlines()
        results = env.rewrite_check_results(e)
        for key, badges in projects_of(e).items():
            kinds = {b["kind"] for b in badges}
            mine = [l for l in lines if any(" %s %s" % (key, k) in l for k in kinds)]
            out = results[key][2]
            try:
                counts = out.split("(", 1)[1]
                stale = int(counts.split(" of ")[0])
                found = int(counts.split(" of ")[1].split(" ")[0])
                tokenless = int(counts.split(", ")[1].split(" ")[0]) if ", " in counts else 0
            except (IndexError, ValueError):
                problems.append("%s: cannot read %r" % (e["name"], out))
                continue
            if len(mine) != found + tokenless:
                problems.append("%s: check lists %d URLs of %s, rewrite --check %d" % (
                    e["name"], len(mine), key, found + tokenless))
            private = env.projects[key]["visibility"] == "private"
            expected_broken = stale + (tokenless if private else 0)
            other = sum(1 for b in badges if b["kind"] not in RENDERED_KINDS)
            got_broken = sum(1 for l in mine if ": broken " in l)
            if not expected_broken <= got_broken <= expected_broken + other:
                problems.append("%s: %s: %d broken in check, rewrite --check: %d stale, "
                                "%d without a token" % (e["name"], key, got_broken, stale,
                                                        tokenless))
    report(problems)


# ---- rewrite ---------------------------------------------------------------

def test_rewrite(env):
    """`rewrite --project KEY` for every project whose badge URLs carry a
    token: the result is the file with exactly those token values replaced
    by the server's token (expected bytes from the manifest's offsets);
    run again, it changes nothing and leaves the file alone (same inode
    and mtime)."""
    problems = []
    pairs = 0
    for e in env.entries:
        for key, badges in projects_of(e).items():
            if not any(b["token"] for b in badges):
                continue
            pairs += 1
            c, path = env.copy(e, "rewrite-" + key.replace("/", "_"))
            tok = env.tokens[key]
            edits = c.token_edits(key, tok)
            expected = apply_edits(c.data, edits)
            where = "%s (project %s)" % (e["name"], key)
            before = os.stat(path)
            rc, out, err = env.run(e, "rewrite", "--project", key, path)
            with open(path, "rb") as f:
                got = f.read()
            found = sum(1 for b in badges if b["token"])
            if rc != 0:
                problems.append("%s: exit %d: %r" % (where, rc, err))
            if edits:
                want = "updated %s (%d of %d badge URL%s)" % (path, len(edits), found,
                                                              plural(found))
            else:
                want = "ok %s (0 of %d badge URL%s stale)" % (path, found, plural(found))
            if out.splitlines() != [want]:
                problems.append("%s: want %r, got %r" % (where, want, out))
            problems += ["%s: %s" % (key, p) for p in byte_diff(e["name"], expected, got)]
            after = os.stat(path)
            if not edits and (after.st_ino, after.st_mtime_ns) != \
                    (before.st_ino, before.st_mtime_ns):
                problems.append("%s: an unchanged file was replaced" % where)
            # Twice: nothing to do.
            rc, out, err = env.run(e, "rewrite", "--project", key, path)
            again = os.stat(path)
            with open(path, "rb") as f:
                got2 = f.read()
            want = "ok %s (0 of %d badge URL%s stale)" % (path, found, plural(found))
            if rc != 0 or out.splitlines() != [want]:
                problems.append("%s: second run: exit %d, %r %r" % (where, rc, out, err))
            problems += ["%s (second run): %s" % (key, p)
                         for p in byte_diff(e["name"], got, got2)]
            if (again.st_ino, again.st_mtime_ns) != (after.st_ino, after.st_mtime_ns):
                problems.append("%s: the second run replaced the file" % where)
    check(pairs, "no project with tokens")
    report(problems)


def test_add_token(env):
    """`rewrite --add-token --project KEY`, project after project on one
    copy of each file: the token lands at the end of each tokenless badge
    URL of KEY ("&token=" or "&amp;token=" as the URL separates its
    parameters), the stale ones get the new token, nothing else changes;
    then every badge of the file renders (`check`), and another
    --add-token run changes nothing."""
    problems = []
    for e in env.entries:
        if any(not b["token"] for b in e["badges"]):
            problems += add_tokens(env, e)
    report(problems)


def add_tokens(env, e):
    """test_add_token on one file; its problems. The copy is left in
    WORK/add-token/ for test_rotate_added_tokens."""
    problems = []
    projects = projects_of(e)
    c, path = env.copy(e, "add-token")
    edits = []
    for key, badges in projects.items():
        tokenless = sum(1 for b in badges if not b["token"])
        if not tokenless:
            continue
        tok = env.tokens[key]
        mine = c.token_edits(key, tok) + c.add_token_edits(key, tok)
        edits += mine
        expected = apply_edits(c.data, edits)
        found = len(badges) - tokenless
        rc, out, err = env.run(e, "rewrite", "--add-token", "--project", key, path)
        where = "%s (project %s)" % (e["name"], key)
        want = "updated %s (%d of %d badge URL%s, a token added to %d)" % (
            path, len(mine) - tokenless, found, plural(found), tokenless)
        if rc != 0 or out.splitlines() != [want]:
            problems.append("%s: want %r, got exit %d %r %r" % (where, want, rc, out, err))
        with open(path, "rb") as f:
            diff = byte_diff(e["name"], expected, f.read())
        if diff:
            return problems + ["%s: %s" % (key, p) for p in diff]
    # Every badge URL of the server now carries its project's token.
    problems += all_render(env, e, path, "after --add-token")
    key = next(k for k, bs in projects.items() if any(not b["token"] for b in bs))
    before = os.stat(path)
    rc, out, err = env.run(e, "rewrite", "--add-token", "--project", key, path)
    after = os.stat(path)
    if rc != 0 or not out.startswith("ok ") or \
            (after.st_ino, after.st_mtime_ns) != (before.st_ino, before.st_mtime_ns):
        problems.append("%s: --add-token again: exit %d %r %r" % (e["name"], rc, out, err))
    env.added[e["name"]] = (c, path)
    return problems


def all_render(env, e, path, when):
    """`check` finds every badge URL of e in path and each renders (but
    those of an API the stand-in lacks)."""
    rc, out, err = env.run(e, "check", path, token=None)
    lines = out.splitlines()
    bad = [l for l in lines if ": ok " not in l and " ai_code_assurance: " not in l]
    if bad or len(lines) != len(e["badges"]):
        return ["%s: %s: %d lines for %d badge URLs, %r %r" % (
            e["name"], when, len(lines), len(e["badges"]), bad, err)]
    return []


def test_rotate_added_tokens(env):
    """The tokens --add-token wrote sit where the corpus's URLs end (before
    "#.svg]]", "[", ">", ")[![", a line end): after the server's tokens
    change, `rewrite` finds and replaces each of them, and only them."""
    problems = []
    todo = [e for e in env.entries if any(not b["token"] for b in e["badges"])]
    for e in todo:
        if e["name"] not in env.added:
            problems += add_tokens(env, e)
    todo = [e for e in todo if e["name"] in env.added]
    fresh = {}
    for e in todo:
        for key in projects_of(e):
            h = hashlib.sha256(("rotated/" + key).encode()).hexdigest()[:40]
            fresh[key] = h if e["cloud"] else "sqb_" + h
    # The new tokens, one control call per stand-in (every stand-in holds
    # every project); the old ones are put back at the end.
    try:
        for s in env.servers.values():
            st, _, body = s.call("POST", "/_standin/tokens", fresh)
            check(st == 200, body)
        for e in todo:
            c, path = env.added[e["name"]]
            with open(path, "rb") as f:
                start = f.read()
            edits = []
            for key, badges in projects_of(e).items():
                edits += c.token_edits(key, fresh[key]) + c.add_token_edits(key, fresh[key])
                rc, out, err = env.run(e, "rewrite", "--project", key, path)
                n = len(badges)
                want = "updated %s (%d of %d badge URL%s)" % (path, n, n, plural(n))
                if rc != 0 or out.splitlines() != [want]:
                    problems.append("%s (project %s): want %r, got exit %d %r %r" % (
                        e["name"], key, want, rc, out, err))
            with open(path, "rb") as f:
                got = f.read()
            diff = byte_diff(e["name"], apply_edits(c.data, edits), got)
            problems += diff
            if not diff:
                problems += all_render(env, e, path, "after the rotation")
            check(got != start, "nothing rotated in " + e["name"])
    finally:
        for s in env.servers.values():
            s.call("POST", "/_standin/tokens", {k: env.tokens[k] for k in fresh})
    check(fresh, "no file with tokenless badges")
    report(problems)


def test_non_badge_tokens_untouched(env):
    """token= values outside the server's badge URLs (CircleCI's
    circle-token=, Codecov's ?token=, followed by &amp; in 30) survive
    every rewrite: checked on the copies the rewrite tests left."""
    seen = 0
    for e in env.entries:
        for nb in e["non_badge_token_urls"]:
            seen += 1
            prefix = nb["url_prefix"].encode()
            at = e["bytes"].find(prefix)
            check(at >= 0, "%s: %r not found" % (e["name"], prefix))
            value_end = at + len(prefix)
            while value_end < len(e["bytes"]) and chr(e["bytes"][value_end]).isalnum():
                value_end += 1
            original = e["bytes"][at:value_end]
            path = os.path.join(env.work, "add-token", e["name"][:2], e["name"])
            if not os.path.exists(path):
                _, path = env.copy(e, "add-token-nb")
                for key in projects_of(e):
                    env.run(e, "rewrite", "--add-token", "--project", key, path)
            with open(path, "rb") as f:
                check(original in f.read(), "%s:%d: %r changed" % (e["name"], nb["line"],
                                                                   original))
    check(seen >= 3, "corpus lost its non-badge tokens")


TESTS = [
    test_manifest_matches_files,
    test_check,
    test_check_without_badges,
    test_ai_code_assurance_unsupported,
    test_rewrite_check,
    test_check_agrees_with_rewrite_check,
    test_rewrite,
    test_add_token,
    test_rotate_added_tokens,
    test_non_badge_tokens_untouched,
]


if __name__ == "__main__":
    sys.exit(common.main(TESTS, Env, "corpus"))
