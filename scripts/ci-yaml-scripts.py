#!/usr/bin/env python3
"""ci-yaml-scripts.py OUTDIR FILE.yml... - write the shell steps of CI
files to OUTDIR for shellcheck: a GitHub Actions workflow's
jobs.*.steps[].run and an Azure Pipelines file's steps[].script and
steps[].bash, each as OUTDIR/FILE-N.sh with a bash shebang (both run them
with bash). Exits 1 when a file has no shell step at all (the file is then
not what this script understands). Needs PyYAML (Debian: python3-yaml,
which yamllint depends on)."""

import os
import sys

import yaml


def steps_of(doc):
    if isinstance(doc.get("jobs"), dict):  # GitHub Actions
        for job in doc["jobs"].values():
            yield from job.get("steps", []) or []
    yield from doc.get("steps", []) or []  # Azure Pipelines
    for job in doc.get("jobs", []) if isinstance(doc.get("jobs"), list) else []:
        yield from job.get("steps", []) or []


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for path in sys.argv[2:]:
        with open(path) as f:
            doc = yaml.safe_load(f)
        n = 0
        for step in steps_of(doc):
            for key in ("run", "script", "bash"):
                if isinstance(step, dict) and isinstance(step.get(key), str):
                    n += 1
                    name = "%s-%d.sh" % (os.path.basename(path).rsplit(".", 1)[0], n)
                    with open(os.path.join(out, name), "w") as f:
                        f.write("#!/bin/bash\n# %s, step %d (%s)\n%s" % (path, n, key, step[key]))
        if n == 0:
            sys.exit("ci-yaml-scripts: no shell step in %s" % path)
        print("%s: %d shell steps" % (path, n))


if __name__ == "__main__":
    main()
