#!/usr/bin/env python3
"""The bash completion (completion/sonarbadge.bash), driven as bash's
programmable completion drives it: source the file, set COMP_WORDS and
COMP_CWORD (words split at '=' and ':' as COMP_WORDBREAKS splits them),
call the function `complete -p sonarbadge` names, read COMPREPLY.

Checks commands, global and per-command options, the values of --auth,
--format and --metric (the library's metric table), files and folders for
the options that take them, and that the options offered are exactly the
options the built command's --help prints.

Environment: BUILD (build folder). Ends with "N passed, N failed".
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
sys.path.insert(0, HERE)
from sbtest_common import ROOT, check, main  # noqa: E402
from docs_test import Docs, OPTION, library_metrics  # noqa: E402

SCRIPT = os.path.join(ROOT, "completion", "sonarbadge.bash")
COMMANDS = ["token", "renew", "urls", "rotate", "rewrite", "check", "fetch", "projects",
            "help"]


class Bash:
    """A folder with a few files to complete, and the driver."""

    def __init__(self):
        self.work = tempfile.mkdtemp(prefix="sonarbadge-compl-")
        for name in ("ca.pem", "cert.pem", "notes.md"):
            open(os.path.join(self.work, name), "w").close()
        os.mkdir(os.path.join(self.work, "certs"))

    def close(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def complete(self, line):
        """COMPREPLY for the command line `line` (the cursor at its end),
        as a sorted list."""
        words = split_words(line)
        script = r'''
set -u
source "$1"
spec=$(complete -p sonarbadge) || exit 3
fn=$(printf '%s\n' "$spec" | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
shift
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
"$fn" sonarbadge "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}"
'''
        p = subprocess.run(["bash", "--norc", "--noprofile", "-c", script, "bash", SCRIPT]
                           + words, capture_output=True, text=True, cwd=self.work, timeout=30)
        check(p.returncode == 0 and p.stderr == "",
              "%r: rc=%d %s" % (line, p.returncode, p.stderr))
        return sorted(w for w in p.stdout.split("\n") if w)


def split_words(line):
    """Split a command line into COMP_WORDS as bash does with the default
    COMP_WORDBREAKS: at blanks, and '=' and ':' are words of their own."""
    words = []
    for w in line.split(" "):
        parts = [p for p in re.split(r"([=:])", w) if p != ""] or [""]
        words.extend(parts)
    return words


def t_complete_spec(b):
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c",
                        'source "$1" && complete -p sonarbadge', "bash", SCRIPT],
                       capture_output=True, text=True, timeout=30)
    check(p.returncode == 0 and re.fullmatch(r"complete -F \w+ sonarbadge\n", p.stdout),
          "complete -p sonarbadge: %r %r" % (p.stdout, p.stderr))


def t_commands(b):
    check(b.complete("sonarbadge ") == sorted(COMMANDS), b.complete("sonarbadge "))
    check(b.complete("sonarbadge ro") == ["rotate"], "ro")
    check(b.complete("sonarbadge re") == ["renew", "rewrite"], "re")
    # After global options and their values (a URL split at ':').
    check(b.complete("sonarbadge --url https://sonar.example.com -k to") == ["token"],
          "after --url")
    check(b.complete("sonarbadge help ") == sorted(COMMANDS), "help COMMAND")


def t_options(b):
    glob = b.complete("sonarbadge --")
    for o in ("--url", "--token-file", "--cacert", "--insecure", "--proxy", "--version",
              "--retry-connrefused", "--proxy-user-file", "--quiet"):
        check(o in glob, "%s not offered: %r" % (o, glob))
    check("--all" not in glob and "--metric" not in glob, "command options without a command")
    check(b.complete("sonarbadge --ca") == ["--cacert", "--capath"], "--ca")
    rot = b.complete("sonarbadge rotate --")
    for o in ("--all", "--query", "--from", "--state", "--older-than", "--rewrite",
              "--dry-run", "--json", "--jobs", "--lock-timeout", "--projects-only", "--url"):
        check(o in rot, "rotate: %s not offered" % o)
    check("--format" not in rot, "rotate offers --format")
    check(b.complete("sonarbadge urls my:proj --f") == ["--format"], "urls --f")
    fetch = b.complete("sonarbadge fetch --")
    check({"--output", "--quality-gate", "--metric", "--branch"} <= set(fetch), fetch)
    check(b.complete("sonarbadge rewrite --a") == ["--add-token", "--auth"], "rewrite --a")
    check(b.complete("sonarbadge fetch my:proj -o") == ["-o"], "fetch -o")
    check(b.complete("sonarbadge projects --pro") == ["--projects-only", "--proxy",
                                                       "--proxy-user-file", "--proxytunnel"],
          b.complete("sonarbadge projects --pro"))


def t_values(b):
    check(b.complete("sonarbadge --auth ") == ["basic", "bearer"], "--auth")
    check(b.complete("sonarbadge --auth=b") == ["basic", "bearer"], "--auth=b")
    check(b.complete("sonarbadge --auth=") == ["basic", "bearer"], "--auth=")
    check(b.complete("sonarbadge urls p --format ") == ["json", "markdown", "url"], "--format")
    check(b.complete("sonarbadge urls p --format=j") == ["json"], "--format=j")
    metrics = library_metrics()
    check(b.complete("sonarbadge urls p --metric ") == sorted(metrics + ["quality_gate"]),
          "urls --metric: %r" % b.complete("sonarbadge urls p --metric "))
    check(b.complete("sonarbadge fetch p --metric ") == sorted(metrics),
          "fetch --metric offers quality_gate (fetch has --quality-gate)")
    check(b.complete("sonarbadge urls p --metric software_quality_security_r")
          == ["software_quality_security_rating"], "a metric prefix")
    check(b.complete("sonarbadge --url ") == [], "--url offers something")
    check(b.complete("sonarbadge rotate --jobs ") == [], "--jobs offers something")


def t_files(b):
    files = ["ca.pem", "cert.pem", "certs", "notes.md"]
    for opt in ("--cacert", "--token-file", "--cert", "--key", "--key-passphrase-file",
                "--proxy-user-file"):
        check(b.complete("sonarbadge %s " % opt) == files, opt)
    check(b.complete("sonarbadge --cacert c") == ["ca.pem", "cert.pem", "certs"], "prefix")
    check(b.complete("sonarbadge --capath ") == ["certs"], "--capath offers files")
    for line in ("sonarbadge rotate --from n", "sonarbadge rotate --state n",
                 "sonarbadge rotate --rewrite n", "sonarbadge fetch -o n",
                 "sonarbadge fetch --output n", "sonarbadge rewrite --project k n",
                 "sonarbadge check n"):
        check(b.complete(line) == ["notes.md"], line)


def t_offers_what_help_prints(b):
    offered = set(b.complete("sonarbadge -"))
    for cmd in COMMANDS:
        offered |= set(b.complete("sonarbadge %s -" % cmd))
    printed = set(OPTION.findall(Docs.run_help()))
    check(not printed - offered, "printed by --help, not completed: %s"
          % " ".join(sorted(printed - offered)))
    check(not offered - printed, "completed, not printed by --help: %s"
          % " ".join(sorted(offered - printed)))


TESTS = [t_complete_spec, t_commands, t_options, t_values, t_files, t_offers_what_help_prints]

if __name__ == "__main__":
    sys.exit(main(TESTS, Bash, "completion"))
