#!/usr/bin/env python3
"""dockerfile-stages.py DOCKERFILE build|final - what `make check-fresh`
needs to replay a multi-stage Dockerfile without Docker.

  build   prints a POSIX sh script doing the first stage's instructions in
          order (WORKDIR: mkdir and cd; COPY . DEST: copy the build context,
          found in $CONTEXT; ENV/ARG: export; RUN: sh -c, as Docker runs
          the shell form). The stage must start FROM debian:12, the system
          the script is run on.
  final   prints the last stage's layout, one item a line:
          "copy STAGE SRC DEST" for COPY --from=STAGE SRC DEST,
          "user UID:GID" and "entrypoint ARG..." (JSON form).

Any other instruction in those stages is an error: the replay then fails
instead of silently drifting from the Dockerfile.
"""

import json
import shlex
import sys


def instructions(path):
    """(keyword, argument) pairs, continuation lines joined, comments and
    blank lines dropped."""
    out, buf = [], ""
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not buf and (not line.strip() or line.lstrip().startswith("#")):
                continue
            if buf and line.lstrip().startswith("#"):
                continue  # a comment inside a continued instruction
            if line.endswith("\\"):
                buf += line[:-1] + " "
                continue
            buf += line
            word, _, rest = buf.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
            buf = ""
    if buf:
        sys.exit("dockerfile-stages: %s ends inside an instruction" % path)
    return out


def stages(path):
    result = []
    for word, arg in instructions(path):
        if word == "FROM":
            result.append({"from": arg, "body": []})
        elif not result:
            if word != "ARG":
                sys.exit("dockerfile-stages: %s before the first FROM" % word)
        else:
            result[-1]["body"].append((word, arg))
    if len(result) < 2:
        sys.exit("dockerfile-stages: %s is not multi-stage" % path)
    return result


def build_script(stage):
    image = stage["from"].split()[0]
    if image not in ("debian:12", "debian:bookworm"):
        sys.exit("dockerfile-stages: the build stage is FROM %s, not debian:12" % image)
    lines = ["set -eu", 'cd /']
    for word, arg in stage["body"]:
        if word == "RUN":
            if arg.startswith("["):
                cmd = " ".join(shlex.quote(a) for a in json.loads(arg))
            else:
                cmd = "sh -c %s" % shlex.quote(arg)
            lines.append("echo %s" % shlex.quote("+ RUN " + arg))
            lines.append(cmd)
        elif word == "WORKDIR":
            lines.append("mkdir -p %s && cd %s" % (shlex.quote(arg), shlex.quote(arg)))
        elif word == "COPY":
            parts = shlex.split(arg)
            if len(parts) != 2 or parts[0] != "." or parts[1].startswith("--"):
                sys.exit("dockerfile-stages: only `COPY . DEST` is replayed in the "
                         "build stage, not COPY %s" % arg)
            lines.append('cp -a "$CONTEXT"/. %s' % shlex.quote(parts[1]))
        elif word in ("ENV", "ARG"):
            parts = shlex.split(arg)
            if word == "ENV" and len(parts) == 2 and "=" not in parts[0]:
                parts = ["%s=%s" % (parts[0], parts[1])]
            for p in parts:
                if "=" in p:
                    lines.append("export %s" % shlex.quote(p))
        else:
            sys.exit("dockerfile-stages: %s in the build stage is not replayed" % word)
    return "\n".join(lines) + "\n"


def final_layout(stage, names):
    if stage["from"].split()[0] != "scratch":
        sys.exit("dockerfile-stages: the final stage is not FROM scratch")
    out = []
    for word, arg in stage["body"]:
        if word == "COPY":
            parts = shlex.split(arg)
            if len(parts) != 3 or not parts[0].startswith("--from="):
                sys.exit("dockerfile-stages: only COPY --from=STAGE SRC DEST in the final "
                         "stage, not COPY %s" % arg)
            src_stage = parts[0][len("--from="):]
            if src_stage not in names:
                sys.exit("dockerfile-stages: no stage named %s" % src_stage)
            out.append("copy %s %s %s" % (src_stage, parts[1], parts[2]))
        elif word == "USER":
            out.append("user %s" % arg)
        elif word == "ENTRYPOINT":
            out.append("entrypoint %s" % " ".join(shlex.quote(a) for a in json.loads(arg)))
        else:
            sys.exit("dockerfile-stages: %s in the final stage is not replayed" % word)
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("build", "final"):
        sys.exit(__doc__)
    st = stages(sys.argv[1])
    names = [s["from"].split()[-1] for s in st if " AS " in s["from"].upper()]
    if sys.argv[2] == "build":
        sys.stdout.write(build_script(st[0]))
    else:
        sys.stdout.write(final_layout(st[-1], names))


if __name__ == "__main__":
    main()
