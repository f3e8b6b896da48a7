#!/usr/bin/env python3
"""The documentation says what the command does:

- man/sonarbadge.1 renders with `groff -man -ww` without a warning, and
  its version is the library's (SB_VERSION);
- every option the built command prints in `sonarbadge --help` (and in
  `sonarbadge help COMMAND`, where the command has it) is documented in the
  man page (a .TP entry) and in README.md's tables, and every option those
  document is one --help prints;
- the man page describes every command --help lists, and lists the metric
  names of the library's table (src/sb_badges.c) plus quality_gate.

Environment: BUILD (build folder). Ends with "N passed, N failed".
"""

import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
from sbtest_common import ROOT, SkipTest, check, main  # noqa: E402

BUILD = os.environ.get("BUILD", "build")
SB = os.path.join(ROOT, BUILD, "sonarbadge")
MAN = os.path.join(ROOT, "man", "sonarbadge.1")
README = os.path.join(ROOT, "README.md")
# An option: "--name" or "-x", not inside a word ("sonar-project").
OPTION = re.compile(r"(?<![\w/-])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?![\w-])")


def library_metrics():
    with open(os.path.join(ROOT, "src", "sb_badges.c")) as f:
        text = f.read()
    table = re.search(r"sb_badge_metrics\[\]\s*=\s*\{(.*?)\n\};", text, re.S)
    check(table, "no sb_badge_metrics table in src/sb_badges.c")
    return re.findall(r'\{\s*"([a-z_]+)",', table.group(1))


def roff_text(s):
    """A roff line as plain text: escapes and font changes dropped."""
    s = re.sub(r"\\f(\[[^]]*\]|\(..|.)", "", s)
    s = s.replace("\\-", "-").replace("\\e", "\\").replace('"', "")
    s = re.sub(r"\\\[[^]]*\]", "", s)
    return re.sub(r"^\.[A-Z]+\s*", "", s)


class Docs:
    """The texts under test, read once."""

    def __init__(self):
        self.help = self.run_help()
        with open(MAN) as f:
            self.man = f.read().splitlines()
        with open(README) as f:
            self.readme = f.read().splitlines()

    def close(self):
        pass

    @staticmethod
    def run_help():
        e = {k: v for k, v in os.environ.items() if not k.startswith("SONAR_")}
        p = subprocess.run([SB, "--help"], capture_output=True, text=True, timeout=30, env=e)
        if p.returncode != 0:
            raise RuntimeError("sonarbadge --help: exit %d %s" % (p.returncode, p.stderr))
        texts = [p.stdout]
        # Each command's own help, where the command has it.
        for cmd in Docs.help_commands(p.stdout):
            q = subprocess.run([SB, "help", cmd], capture_output=True, text=True,
                               timeout=30, env=e)
            if q.returncode == 0:
                texts.append(q.stdout)
        return "\n".join(texts)

    @staticmethod
    def help_commands(text):
        m = re.search(r"^Commands:\n(.*?)(?:\n\n|\Z)", text, re.S | re.M)
        check(m, "--help has no Commands: section")
        return re.findall(r"^  ([a-z]+)(?= |$)", m.group(1), re.M)

    def help_options(self):
        return set(OPTION.findall(self.help))

    def man_tags(self, section=None):
        """The tag lines of the man page's .TP entries (in one section)."""
        tags, current = [], None
        for i, line in enumerate(self.man):
            if line.startswith(".SH "):
                current = line[4:].strip().strip('"')
            if line.startswith(".TP") and i + 1 < len(self.man):
                if section is None or current == section:
                    tags.append(roff_text(self.man[i + 1]))
        return tags

    def man_options(self):
        found = set()
        for tag in self.man_tags():
            found |= set(OPTION.findall(tag))
        return found

    def readme_options(self):
        """Options in the first column of README's tables."""
        found = set()
        for line in self.readme:
            if line.startswith("|") and not re.match(r"^\|[-| ]+\|$", line):
                first = re.split(r"(?<!\\)\|", line)[1]
                found |= set(OPTION.findall(first))
        return found


def diff_msg(what, names):
    return "%s: %s" % (what, " ".join(sorted(names)))


def t_groff_renders_without_warning(d):
    if not shutil.which("groff"):
        raise SkipTest("groff is missing (Debian: groff-base)")
    p = subprocess.run(["groff", "-man", "-ww", "-z", MAN], capture_output=True,
                       text=True, timeout=60)
    check(p.returncode == 0 and p.stderr == "", "groff -man -ww -z: rc=%d %s"
          % (p.returncode, p.stderr))
    p = subprocess.run(["groff", "-man", "-ww", "-Tutf8", MAN], capture_output=True,
                       text=True, timeout=60)
    check(p.returncode == 0 and p.stderr == "", "groff -Tutf8: %s" % p.stderr)
    for heading in ("NAME", "SYNOPSIS", "COMMANDS", "OPTIONS", "ENVIRONMENT", "FILES",
                    "EXIT STATUS", "EXAMPLES"):
        check(re.search(r"^%s$" % heading, re.sub(r".\x08", "", p.stdout), re.M),
              "no %s section in the rendered page" % heading)


def t_man_version(d):
    with open(os.path.join(ROOT, "include", "sonarbadge", "sonarbadge.h")) as f:
        version = re.search(r'#define SB_VERSION "([^"]+)"', f.read()).group(1)
    th = [l for l in d.man if l.startswith(".TH ")]
    check(len(th) == 1 and '"sonarbadge %s"' % version in th[0],
          "the .TH line does not name sonarbadge %s: %r" % (version, th))


def t_help_options_in_man(d):
    missing = d.help_options() - d.man_options()
    check(not missing, diff_msg("printed by --help, not in the man page", missing))


def t_man_options_in_help(d):
    extra = d.man_options() - d.help_options()
    check(not extra, diff_msg("in the man page, not printed by --help", extra))


def t_help_options_in_readme(d):
    missing = d.help_options() - d.readme_options()
    check(not missing, diff_msg("printed by --help, not in README.md's tables", missing))


def t_readme_options_in_help(d):
    extra = d.readme_options() - d.help_options()
    check(not extra, diff_msg("in README.md's tables, not printed by --help", extra))


def t_man_commands(d):
    listed = set(Docs.help_commands(d.help))
    # (The commands' own options are .TP entries of the section too.)
    described = {t.split()[0] for t in d.man_tags("COMMANDS")
                 if t.split() and not t.startswith("-")}
    check(listed - described == set(),
          diff_msg("commands of --help the man page does not describe", listed - described))
    check(described - listed == set(),
          diff_msg("commands in the man page --help does not list", described - listed))


def t_man_metrics(d):
    text = "\n".join(d.man)
    m = re.search(r"^\.SH METRICS\n(.*?)^\.SH ", text, re.S | re.M)
    check(m, "no METRICS section")
    block = re.search(r"^\.nf\n(.*?)^\.fi$", m.group(1), re.S | re.M)
    check(block, "no .nf/.fi list in METRICS")
    listed = re.findall(r"^\.B ([a-z_]+)$", block.group(1), re.M)
    want = library_metrics() + ["quality_gate"]
    check(len(want) > 10, "the metric table was not read: %r" % want)
    check(listed == want, "the man page lists %r, the library %r" % (listed, want))


TESTS = [t_groff_renders_without_warning, t_man_version, t_help_options_in_man,
         t_man_options_in_help, t_help_options_in_readme, t_readme_options_in_help,
         t_man_commands, t_man_metrics]

if __name__ == "__main__":
    sys.exit(main(TESTS, Docs, "docs"))
