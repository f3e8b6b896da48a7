"""Version profiles of the SonarQube stand-in: how the servers sonarbadge
supports differ, exactly where sonarbadge's output depends on it. Each
fact names where it was read in SonarSource's sources (repository
SonarSource/sonarqube unless said; commits dated by their content, since
no release tags could be read for 9.9 and 10.x):

- badge tokens: api/project_badges/token and renew_token since 9.2
  (TokenAction/TokenRenewAction setSince("9.2")); before, the web-service
  engine answers 404 "Unknown url : /api/project_badges/token"
  (WebServiceEngine.checkFound);
- measure's metrics, in MeasureAction.METRIC_NAME_BY_KEY order: 12 on
  branch-9.9 (@3bd7855c) and the 10.4 line (@ea0be0ea), 19 from 10.8
  (@00e684ba, the 7 software_quality_* added); 11 (no
  security_hotspots) in the pre-9.2 copies;
- on 9.9 the metric is read before the project is looked up, so a bad
  metric is a 400 even for an unknown project (MeasureAction.handle
  @3bd7855c); later releases check the project first
  (AbstractProjectBadgesWsAction.handle @172b54f);
- a measure row without the metric's value: HTTP 500 JSON "An error has
  occurred. Please contact your administrator" from 10.8 (getNonNullValue
  -> IllegalStateException, not caught; MeasureAction @00e684ba); before,
  the "Measure has not been found" image;
- Bearer authentication from 10.0 (UserTokenAuthentication; docs 10.0
  "SonarQube supports the bearer authentication scheme"); 9.9 parses only
  Basic, so a Bearer header is anonymous (@3bd7855c);
- application keys in token/renew_token: branch-9.9's TokenAction has the
  changelog "9.9" (@3bd7855c), master "10.1"; so 9.9 (its later
  releases) and 10.1 on; 10.0 not;
- the instance mode (10.8 on): GET /api/v2/clean-code-policy/mode,
  {"mode":"MQR"|"STANDARD_EXPERIENCE","modified":false}
  (SonarSource/sonarqube-webapp libs/sq-server-commons/src/api/mode.ts);
- api/server/version: the release's version string
  (SonarSource/docker-sonarqube release commits; SonarQube Cloud answers
  8.0.0.x: SonarSource/sonar-scanner-msbuild SonarProduct.cs).
"""

CLASSIC_12 = [
    "bugs", "code_smells", "coverage", "duplicated_lines_density", "ncloc",
    "sqale_rating", "alert_status", "reliability_rating", "security_hotspots",
    "security_rating", "sqale_index", "vulnerabilities",
]
PRE_92 = [k for k in CLASSIC_12 if k != "security_hotspots"]
MQR_19 = [
    "coverage", "duplicated_lines_density", "ncloc", "alert_status",
    "security_hotspots",
    "bugs", "code_smells", "vulnerabilities", "sqale_rating",
    "reliability_rating", "security_rating", "sqale_index",
    "software_quality_reliability_issues",
    "software_quality_maintainability_issues",
    "software_quality_security_issues",
    "software_quality_maintainability_rating",
    "software_quality_reliability_rating",
    "software_quality_security_rating",
    "software_quality_maintainability_remediation_effort",
]

_BASE = {
    "token_api": True,
    "bearer": True,
    "app_tokens": True,
    "metrics": MQR_19,
    "metric_first": False,
    "null_measure_500": True,
    "mode": "MQR",  # None: no mode API (before 10.8)
}


def _p(**kw):
    d = dict(_BASE)
    d.update(kw)
    return d


PROFILES = {
    "9.1": _p(version="9.1.0.47736", token_api=False, bearer=False,
              app_tokens=False, metrics=PRE_92, metric_first=True,
              null_measure_500=False, mode=None),
    "9.9": _p(version="9.9.8.100196", bearer=False, metrics=CLASSIC_12,
              metric_first=True, null_measure_500=False, mode=None),
    "10.0": _p(version="10.0.0.68432", app_tokens=False, metrics=CLASSIC_12,
               null_measure_500=False, mode=None),
    "10.7": _p(version="10.7.0.96327", metrics=CLASSIC_12,
               null_measure_500=False, mode=None),
    "10.8": _p(version="10.8.0.100206", mode="MQR"),
    "10.8-standard": _p(version="10.8.0.100206", mode="STANDARD_EXPERIENCE"),
    "2025.6": _p(version="2025.6.0.117042", mode="MQR"),
    # Only the major and minor of a Community Build matter here; 26.8's
    # build number was not seen, the one below is made up.
    "cb-26.8": _p(version="26.8.0.999999", mode="MQR"),
    # SonarQube Cloud: no token API (the cloud mode of the stand-in).
    "cloud": _p(version="8.0.0.82356", token_api=False, bearer=True,
                app_tokens=False, metrics=MQR_19, mode=None),
}

# What the stand-in did before it had profiles (the default): a 2025
# server whose instance mode cannot be read, every metric accepted.
DEFAULT = _p(version="2025.6.0.117042", mode=None, null_measure_500=False)
