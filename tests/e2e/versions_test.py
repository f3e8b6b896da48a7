#!/usr/bin/env python3
"""sonarbadge against every server version it supports: one stand-in per
version profile (tests/standin/profiles.py: 9.1, 9.9, 10.0, 10.7, 10.8 in
both instance modes, Server 2025.6, Community Build 26.8, SonarQube Cloud),
all on 127.0.0.1 over TLS.

The expectations below are written from SonarSource's sources, not from
sonarbadge's table (src/sb_badge_table.c):

- the badges a UI offers, in its order: the measure action's metric list
  as api/webservices/list gives it (BadgeParams.tsx at webapp 1c3f05f427,
  queries/badges.ts later); from 10.8 mapped to the instance mode and
  de-duplicated (useBadgeMetrics, webapp 958bc6c0e6; its tests
  ProjectBadges-it.tsx "can select badges in Standard Experience Mode /
  in MQR Mode"), so 12 on every version, then the quality gate badge;
- the label of alert_status, metric.alert_status.name: "Quality Gate
  Status" up to Server 2025.6 and Community Build 26.7, "Quality gate
  status" from sqcb-26.8.0 (webapp 160e0ff0c5); the quality gate badge's
  label is the literal "Quality gate" (badges/utils.ts getBadgeSnippet);
- branch= only for a branch that is not the main one
  (helpers/branch-like.ts getBranchLikeQuery);
- the link: BASE/dashboard?id=KEY on servers, BASE/summary/new_code?id=KEY
  on SonarQube Cloud (SonarSource/sonarqube-mcp-server README.md, a badge
  SonarSource wrote with Cloud's UI).

Every URL `urls` prints is fetched here (Python's http.client, not
sonarbadge) and must be a rendered badge. Ends with "N passed, N failed".
"""

import hashlib
import os
import re
import ssl
import sys
import http.client
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import sbtest_common as common  # noqa: E402
from sbtest_common import ADMIN, check  # noqa: E402

CLASSIC_12 = [  # MeasureAction.METRIC_NAME_BY_KEY, branch-9.9 @3bd7855c
    "bugs", "code_smells", "coverage", "duplicated_lines_density", "ncloc",
    "sqale_rating", "alert_status", "reliability_rating", "security_hotspots",
    "security_rating", "sqale_index", "vulnerabilities",
]
STANDARD_12 = [  # the 10.8 order (@00e684ba) in Standard Experience mode
    "coverage", "duplicated_lines_density", "ncloc", "alert_status",
    "security_hotspots", "bugs", "code_smells", "vulnerabilities",
    "sqale_rating", "reliability_rating", "security_rating", "sqale_index",
]
MQR_12 = [  # the same in MQR mode
    "coverage", "duplicated_lines_density", "ncloc", "alert_status",
    "security_hotspots", "software_quality_reliability_issues",
    "software_quality_maintainability_issues",
    "software_quality_security_issues",
    "software_quality_maintainability_rating",
    "software_quality_reliability_rating",
    "software_quality_security_rating",
    "software_quality_maintainability_remediation_effort",
]
# SonarQube Cloud's UI source is not public: sonarbadge offers what its
# api/webservices/list lists (the stand-in's Cloud lists the 10.8 19).
CLOUD_19 = [
    "coverage", "duplicated_lines_density", "ncloc", "alert_status",
    "security_hotspots", "bugs", "code_smells", "vulnerabilities",
    "sqale_rating", "reliability_rating", "security_rating", "sqale_index",
] + MQR_12[5:]

# l10n default.ts (sqcb-26.8.0 and 2025.6.0.117042), metric.<key>.name
LABELS = {
    "bugs": "Bugs", "code_smells": "Code Smells", "coverage": "Coverage",
    "duplicated_lines_density": "Duplicated Lines (%)",
    "ncloc": "Lines of Code", "sqale_rating": "Maintainability Rating",
    "reliability_rating": "Reliability Rating",
    "security_hotspots": "Security Hotspots",
    "security_rating": "Security Rating", "sqale_index": "Technical Debt",
    "vulnerabilities": "Vulnerabilities",
    "software_quality_reliability_issues": "Reliability Issues",
    "software_quality_maintainability_issues": "Maintainability Issues",
    "software_quality_security_issues": "Security Issues",
    "software_quality_maintainability_rating": "Maintainability Rating",
    "software_quality_reliability_rating": "Reliability Rating",
    "software_quality_security_rating": "Security Rating",
    "software_quality_maintainability_remediation_effort": "Technical Debt",
}

# profile -> (offered metrics, alert_status label, cloud link form)
OFFERS = {
    "9.9": (CLASSIC_12, "Quality Gate Status", False),
    "10.0": (CLASSIC_12, "Quality Gate Status", False),
    "10.7": (CLASSIC_12, "Quality Gate Status", False),
    "10.8": (MQR_12, "Quality Gate Status", False),
    "10.8-standard": (STANDARD_12, "Quality Gate Status", False),
    "2025.6": (MQR_12, "Quality Gate Status", False),
    "cb-26.8": (MQR_12, "Quality gate status", False),
    "cloud": (CLOUD_19, "Quality Gate Status", True),
}
PROFILES = ["9.1"] + list(OFFERS)

MD_RE = re.compile(r"^\[!\[([^\]]*)\]\(([^)]*)\)\]\(([^)]*)\)$")


class Env:
    def __init__(self):
        config = {
            "users": {ADMIN: {"login": "admin", "admin_projects": ["*"],
                              "browse_projects": ["*"]}},
            "projects": [
                {"key": "my:proj", "visibility": "private",
                 "main_branch": "main", "branches": ["feature/x"]},
                {"key": "app:one", "qualifier": "APP",
                 "visibility": "private"},
                # A measures row without coverage (10.8: HTTP 500).
                {"key": "nocov", "visibility": "private",
                 "measures": {"coverage": None}},
            ],
            "force_authentication": True,
        }
        self.work, self.ca = common.make_workdir("sonarbadge-versions-",
                                                 config)
        self.servers = {}
        try:
            for name in PROFILES:
                mode = "cloud" if name == "cloud" else "server"
                self.servers[name] = common.Standin(
                    self.work, "v-" + name, "server", mode,
                    extra=("--profile", name))
        except BaseException:
            self.close()
            raise

    def close(self):
        for s in self.servers.values():
            s.stop()
        import shutil
        shutil.rmtree(self.work, ignore_errors=True)

    def run(self, profile, *args, token=ADMIN, timeout=30):
        """Run sonarbadge against the profile's stand-in."""
        srv = self.servers[profile]
        env = common.Env.environ(self, token)
        extra = ["--organization", "test-org"] if profile == "cloud" else []
        import subprocess
        import time
        t0 = time.time()
        p = subprocess.run(list(common.WRAPPER) + [
            common.SB, "--url", srv.url(), "--cacert", self.ca] + extra +
            list(args), capture_output=True, env=env,
            timeout=timeout * common.SLOW)
        return (p.returncode, p.stdout.decode("utf-8", "replace"),
                p.stderr.decode("utf-8", "replace"), time.time() - t0)

    def get(self, profile, url):
        """GET url from the profile's stand-in with Python's client;
        returns (status, content type, body)."""
        srv = self.servers[profile]
        u = urllib.parse.urlsplit(url)
        check(u.scheme == "https" and u.port == srv.port, "not the stand-in: "
              + url)
        ctx = ssl.create_default_context(cafile=self.ca)
        c = http.client.HTTPSConnection(u.hostname, u.port, timeout=10,
                                        context=ctx)
        try:
            c.request("GET", u.path + ("?" + u.query if u.query else ""))
            r = c.getresponse()
            return r.status, r.getheader("Content-Type") or "", r.read()
        finally:
            c.close()


def renders(status, ctype, body):
    """A badge SonarQube drew with a value, not its error badge (a single
    text, e.g. "Project has not been found")."""
    if status != 200 or "svg" not in ctype:
        return False
    texts = set(re.findall(rb"<text[^>]*>([^<]*)</text>", body))
    return len(texts) >= 2


def t_urls_offer_what_each_ui_offers(env):
    """urls prints the UI's badges of that version, in its order, with its
    labels and link form, and every one renders on that server."""
    for profile, (metrics, qgs, cloud) in OFFERS.items():
        rc, out, err, _ = env.run(profile, "urls", "my:proj")
        check(rc == 0, "%s: rc=%d %s" % (profile, rc, err))
        lines = out.splitlines()
        check(len(lines) == len(metrics) + 1,
              "%s: %d badges: %s" % (profile, len(lines), out))
        base = env.servers[profile].url()
        link = base + ("/summary/new_code?id=my%3Aproj" if cloud
                       else "/dashboard?id=my%3Aproj")
        for i, line in enumerate(lines):
            m = MD_RE.match(line)
            check(m, "%s: not Markdown: %r" % (profile, line))
            label, image, href = m.groups()
            if i < len(metrics):
                metric = metrics[i]
                want = qgs if metric == "alert_status" else LABELS[metric]
                check(image.startswith(
                    base + "/api/project_badges/measure?project=my%3Aproj&"
                    "metric=" + metric + "&token="),
                    "%s: badge %d: %s, want metric %s"
                    % (profile, i, image, metric))
            else:
                want = "Quality gate"
                check(image.startswith(
                    base + "/api/project_badges/quality_gate?project="
                    "my%3Aproj&token="), "%s: %s" % (profile, image))
            check(label == want, "%s: label %r, want %r"
                  % (profile, label, want))
            check(href == link, "%s: link %s, want %s" % (profile, href, link))
            check(renders(*env.get(profile, image)),
                  "%s: does not render: %s" % (profile, image))


def t_check_agrees_every_badge_renders(env):
    """sonarbadge's own check finds nothing wrong with what urls printed."""
    for profile in ("9.9", "10.8-standard", "cb-26.8"):
        rc, out, err, _ = env.run(profile, "urls", "my:proj", "--format",
                                  "url")
        check(rc == 0, "%s: %s" % (profile, err))
        path = os.path.join(env.work, "urls-%s.md" % profile)
        with open(path, "w") as f:
            f.write(out)
        rc, out2, err2, _ = env.run(profile, "check", path)
        check(rc == 0, "%s: check rc=%d %s %s" % (profile, rc, out2, err2))


def t_branch_only_when_not_main(env):
    for profile in ("9.9", "2025.6"):
        base = env.servers[profile].url()
        rc, out, err, _ = env.run(profile, "urls", "my:proj", "--branch",
                                  "main", "--metric", "coverage")
        check(rc == 0 and "branch=" not in out, "%s: main: %s %s"
              % (profile, out, err))
        rc, out, err, _ = env.run(profile, "urls", "my:proj", "--branch",
                                  "feature/x", "--metric", "coverage")
        check(rc == 0, "%s: %s" % (profile, err))
        m = MD_RE.match(out.strip())
        check(m and m.group(2).startswith(
            base + "/api/project_badges/measure?branch=feature%2Fx&project="
            "my%3Aproj&metric=coverage&token=") and
            m.group(3) == base + "/dashboard?id=my%3Aproj&branch=feature%2Fx",
            "%s: %s" % (profile, out))
        check(renders(*env.get(profile, m.group(2))), "does not render")
        rc, out, err, _ = env.run(profile, "urls", "my:proj", "--branch",
                                  "nope")
        check(rc == 6 and "nope" in err, "%s: rc=%d %s" % (profile, rc, err))
        common.one_line_error(err)


def t_applications_rotated_where_they_have_tokens(env):
    """rotate --all takes applications too where the server gives them
    badge tokens (9.9's later releases, 10.1 on); on 10.0 they are
    skipped with the reason; --projects-only leaves them out."""
    for profile, has in (("9.9", True), ("10.0", False), ("10.7", True),
                         ("2025.6", True)):
        srv = env.servers[profile]
        srv.reset()
        rc, out, err, _ = env.run(profile, "projects")
        check(rc == 0 and "app:one\tAPP" in out.splitlines() and
              "my:proj\tTRK" in out.splitlines(), "%s: %s %s"
              % (profile, out, err))
        rc, out, err, _ = env.run(profile, "rotate", "--all")
        ren = srv.stats()["renewals"]
        check(ren.get("my:proj") == 1, "%s: project not rotated" % profile)
        if has:
            check(rc == 0 and ren.get("app:one") == 1,
                  "%s: application: rc=%d %r %s" % (profile, rc, ren, err))
        else:
            check(rc == 0 and "app:one" not in ren and
                  "gives applications no badge tokens" in out + err,
                  "%s: rc=%d %r %s %s" % (profile, rc, ren, out, err))
        srv.reset()
        rc, out, err, _ = env.run(profile, "rotate", "--all",
                                  "--projects-only")
        ren = srv.stats()["renewals"]
        lines = srv.stats()["request_lines"]
        check(rc == 0 and "app:one" not in ren and
              not any("app%3Aone" in l for l in lines),
              "%s: --projects-only: %r %s" % (profile, ren, err))


def t_missing_value_not_retried(env):
    """From 10.8 a measure without a value is HTTP 500: said as such, not
    retried; before, the "Measure has not been found" badge."""
    tok = {}
    for profile in ("10.8", "10.7"):
        srv = env.servers[profile]
        rc, out, _, _ = env.run(profile, "token", "nocov")
        tok[profile] = out.strip()
        srv.reset()
        rc, out, err, _ = env.run(profile, "fetch", "nocov", "--metric",
                                  "coverage")
        common.one_line_error(err)
        measures = [l for l in srv.stats()["request_lines"]
                    if "/api/project_badges/measure" in l]
        check(len(measures) == 1, "%s: %d measure requests"
              % (profile, len(measures)))
        check(rc == 7, "%s: rc=%d" % (profile, rc))
        if profile == "10.8":
            check("no value for metric coverage on nocov" in err, err)
        else:
            check("Measure has not been found" in err, err)
    # check reports it on its line, once
    srv = env.servers["10.8"]
    path = os.path.join(env.work, "nocov.md")
    with open(path, "w") as f:
        f.write("![c](%s/api/project_badges/measure?project=nocov&metric="
                "coverage&token=%s)\n" % (srv.url(), tok["10.8"]))
    srv.reset()
    rc, out, err, _ = env.run("10.8", "check", path)
    check(rc == 1 and "no value for metric coverage on nocov" in out + err,
          "check: rc=%d %s %s" % (rc, out, err))
    check(len(srv.stats()["request_lines"]) <= 3, "retried: %s"
          % srv.stats()["request_lines"])


def t_before_9_2_says_the_version(env):
    for args in (("token", "my:proj"), ("renew", "my:proj"),
                 ("rotate", "my:proj")):
        rc, out, err, _ = env.run("9.1", *args)
        check(rc == 7, "%s: rc=%d %s" % (args, rc, err))
        check("SonarQube 9.1 (9.1.0.47736) has no badge tokens; they came "
              "in SonarQube 9.2" in out + err, "%s: %s" % (args, err))
    check(env.servers["9.1"].stats()["renewals"] == {}, "renewed")


def t_bearer_refused_before_10_0(env):
    srv = env.servers["9.9"]
    srv.reset()
    rc, out, err, _ = env.run("9.9", "--auth", "bearer", "token", "my:proj")
    check(rc == 2 and "has no Bearer authentication (it came in 10.0)" in err
          and "SonarQube 9.9" in err, "rc=%d %s" % (rc, err))
    common.one_line_error(err)
    st = srv.stats()
    check(not any(st["request_auth"]), "the token was sent: %s"
          % st["request_lines"])
    check(all("/api/server/version" in l for l in st["request_lines"]),
          "requests: %s" % st["request_lines"])
    rc, out, err, _ = env.run("10.0", "--auth", "bearer", "token", "my:proj")
    check(rc == 0 and out.startswith("sqb_"), "10.0: rc=%d %s" % (rc, err))
    rc, out, err, _ = env.run("9.9", "token", "my:proj")
    check(rc == 0 and out.startswith("sqb_"), "9.9 basic: %s" % err)


def t_cloud(env):
    """SonarQube Cloud: reading works (api/navigation/component), renewing
    says precisely what to do and changes nothing."""
    srv = env.servers["cloud"]
    srv.reset()
    rc, out, err, _ = env.run("cloud", "token", "my:proj")
    check(rc == 0 and re.match(r"^[0-9a-f]{40}$", out.strip()),
          "token: rc=%d %r %s" % (rc, out, err))
    token = out
    for args in (("renew", "my:proj"), ("rotate", "my:proj")):
        rc, out, err, _ = env.run("cloud", *args)
        check(rc == 7, "%s: rc=%d %s" % (args, rc, err))
        check("SonarQube Cloud (SonarCloud) has no documented API to renew a "
              "badge token; nothing was changed" in out + err and
              "My Account > Security" in out + err, "%s: %s" % (args, err))
    check(srv.stats()["renewals"] == {}, "renewed")
    rc, out2, err, _ = env.run("cloud", "token", "my:proj")
    check(out2 == token, "the token changed")


def t_version_in_verbose(env):
    """-v says which server answered and where the badge list came from."""
    rc, out, err, _ = env.run("10.8-standard", "-v", "urls", "my:proj")
    check(rc == 0 and "10.8.0.100206" in err and "SonarQube 10.8" in err,
          err[-2000:])
    # a token never appears in the trace
    tok = re.search(r"token=([^)&]*)", out).group(1)
    check(tok not in err, "token in the trace")
    check(hashlib.sha256(tok.encode()).hexdigest() not in err, "fingerprint")


TESTS = [t_urls_offer_what_each_ui_offers, t_check_agrees_every_badge_renders,
         t_branch_only_when_not_main,
         t_applications_rotated_where_they_have_tokens,
         t_missing_value_not_retried, t_before_9_2_says_the_version,
         t_bearer_refused_before_10_0, t_cloud, t_version_in_verbose]

if __name__ == "__main__":
    sys.exit(common.main(TESTS, Env, "versions"))
