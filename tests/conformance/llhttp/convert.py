#!/usr/bin/env python3
"""Convert llhttp's response test cases (response/*.md, vendored from
nodejs/llhttp test/response/) into responses.txt, the data that
tests/unit/test_llhttp_responses.c feeds to sb_http_feed.

    python3 tests/conformance/llhttp/convert.py      # rewrites responses.txt

Each case's input bytes are rebuilt exactly as llhttp's test runner
(test/md-test.ts) builds them; its outcome is read from the expected
callback log: the complete messages (status and body, the body bytes
taken from the input at the logged offsets) and how the input ends. The
runner never calls llhttp_finish() (except for "response-finish" cases),
so the end of the input is read as llhttp_finish() would see it: a body
delimited by the end of the connection completes there, any other
unfinished message is an error. Interim 1xx messages are left out: a
client reports the final response only. Only cases of llhttp's default
strict mode are converted; cases of its opt-in lenient modes are counted
and skipped. Python 3 standard library only.
"""

import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = ["sample", "connection", "content-length", "transfer-encoding",
         "invalid", "pipelining", "finish"]
IN_SCOPE = ("response", "response-finish")

F_CHUNKED = 1 << 3
F_CONTENT_LENGTH = 1 << 5
F_SKIPBODY = 1 << 6
F_TRANSFER_ENCODING = 1 << 9
HPE_PAUSED_UPGRADE = 22


def runner_input(text):
    """test/md-test.ts's transformation of an ```http block."""
    text = re.sub(r"\n\Z", "", text)  # JavaScript's /\n$/: the very end only
    text = re.sub(r"\\(\r\n|\r|\n)", "", text)
    text = re.sub(r"\r\n|\r|\n", "\r\n", text)
    text = text.replace("\\r", "\r").replace("\\n", "\n")
    text = text.replace("\\t", "\t").replace("\\f", "\f")
    text = re.sub(r"\\x([0-9a-fA-F]+)", lambda m: chr(int(m.group(1), 16)), text)
    text = re.sub(r"\\([0-7]{1,3})", lambda m: chr(int(m.group(1), 8)), text)
    if "${" in text:
        raise ValueError("inline JavaScript is not supported")
    return text.encode("utf-8")


def cases_of(path):
    """(heading line, heading, meta, http text, log text) of each case."""
    lines = open(path, encoding="utf-8").read().split("\n")
    heading, heading_line, meta = "", 0, None
    block, kind, http = None, None, None
    for no, line in enumerate(lines, 1):
        if block is not None:
            if line.startswith("```"):
                if kind == "http":
                    http = "\n".join(block) + "\n"
                elif kind == "log" and meta is not None:
                    yield heading_line, heading, meta, http, "\n".join(block)
                    meta, http = None, None
                block = None
            else:
                block.append(line)
            continue
        if line.startswith("#"):
            heading, heading_line = line.lstrip("#").strip(), no
        elif line.startswith("<!-- meta="):
            meta = json.loads(line[len("<!-- meta="):line.rindex("-->")])
        elif line.startswith("```"):
            kind, block = line[3:].strip(), []
        elif set(line.strip()) <= set("=-") and line.strip() and no > 1:
            pass  # a Setext underline


def needs_eof(status, flags):
    """llhttp_message_needs_eof() for a response (src/native/http.c)."""
    if status // 100 == 1 or status in (204, 304) or flags & F_SKIPBODY:
        return False
    if flags & F_TRANSFER_ENCODING and not flags & F_CHUNKED:
        return True
    return not flags & (F_CHUNKED | F_CONTENT_LENGTH)


def check_spans(data, log, where):
    """Every quoted span of the log must be the input's bytes at its
    offset: the input was rebuilt as llhttp's runner builds it."""
    for line in log.split("\n"):
        m = re.match(r'off=(\d+) len=(\d+) span\[\w+\]="(.*)"$', line.strip())
        if not m:
            continue
        off, n = int(m.group(1)), int(m.group(2))
        shown = m.group(3).replace("\\t", "\t").replace("\\f", "\f").encode("utf-8")
        if len(shown) == n and data[off:off + n] != shown:
            raise ValueError("%s: span at %d is %r in the input, %r in the log"
                             % (where, off, data[off:off + n], shown))


def outcome(data, log):
    """The messages llhttp completes and how the input ends."""
    messages, cur, end = [], None, None
    for line in log.split("\n"):
        m = re.match(r"off=(\d+|NULL) (.*)$", line.strip())
        if not m:
            continue
        ev = m.group(2)
        if ev == "message begin":
            cur = {"status": None, "flags": 0, "body": b"", "done": False}
            messages.append(cur)
        elif ev.startswith("headers complete"):
            h = re.match(r"headers complete status=(\d+) v=\d+/\d+ flags=([0-9a-f]+)", ev)
            cur["status"], cur["flags"] = int(h.group(1)), int(h.group(2), 16)
        elif "span[body]" in ev:
            s = re.match(r"len=(\d+) span\[body\]", ev)
            off, n = int(m.group(1)), int(s.group(1))
            cur["body"] += data[off:off + n]
        elif ev == "message complete":
            cur["done"] = True
        elif ev.startswith("error code="):
            code = int(re.match(r"error code=(\d+)", ev).group(1))
            end = "upgrade" if code == HPE_PAUSED_UPGRADE else "error"
            break
    if end is None:
        last = messages[-1] if messages else None
        if last is None or last["done"]:
            end = "end"
        elif last["status"] is not None and needs_eof(last["status"], last["flags"]):
            last["done"], end = True, "end"  # the connection's end ends it
        else:
            end = "error"  # llhttp_finish(): invalid EOF state
    out = []
    for msg in messages:
        if msg["done"] and msg["status"] is not None and msg["status"] // 100 != 1:
            out.append('%d:"%s"' % (msg["status"], escape(msg["body"])))
    return " ".join(out + [end])


def escape(data):
    out = []
    for b in data:
        c = chr(b)
        if c == "\r":
            out.append("\\r")
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif c in "\\\"":
            out.append("\\" + c)
        elif 0x20 <= b < 0x7f:
            out.append(c)
        else:
            out.append("\\x%02x" % b)
    return "".join(out)


def main():
    out = ["# responses.txt - llhttp's response cases in its default strict mode,",
           "# converted by convert.py from response/*.md (do not edit; rerun it).",
           "# Read by tests/unit/test_llhttp_responses.c; origin and licence in",
           "# README.md, the deliberate differences in differences.txt.",
           "#",
           "# case ID TITLE    ID is FILE:LINE of the case's heading",
           "# head             the response answers a HEAD request (skipBody)",
           "# input BYTES      the bytes, with \\r \\n \\t \\\\ \\\" \\xHH escapes",
           "# llhttp OUTCOME   each complete final response, STATUS:\"BODY\", then",
           "#                  how the input ends: end (every byte used), error",
           "#                  (refused, or the input ends inside a response) or",
           "#                  upgrade (llhttp hands the connection over)", ""]
    kept = skipped = 0
    for name in FILES:
        path = os.path.join(HERE, "response", name + ".md")
        for line, title, meta, http, log in cases_of(path):
            if meta.get("type") not in IN_SCOPE or meta.get("pause"):
                skipped += 1
                continue
            data = runner_input(http)
            check_spans(data, log, "%s.md:%d" % (name, line))
            out.append("case %s.md:%d %s" % (name, line, title))
            if meta.get("skipBody"):
                out.append("head")
            out.append("input " + escape(data))
            out.append("llhttp " + outcome(data, log))
            out.append("")
            kept += 1
    with open(os.path.join(HERE, "responses.txt"), "w") as f:
        f.write("\n".join(out))
    print("%d cases converted, %d of lenient modes skipped" % (kept, skipped))
    return 0


if __name__ == "__main__":
    sys.exit(main())
