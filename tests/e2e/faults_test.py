#!/usr/bin/env python3
"""Fault injection through the stand-in: whatever the server (or what sits
in front of it) sends, sonarbadge ends in bounded time with one line on
stderr and the README's exit code, and never prints a token it should not.

Each case asserts the exit code, the one-line message (and a word of it)
and an upper bound on the time taken. Every server runs on 127.0.0.1 over
TLS. Ends with "N passed, N failed".
"""

import json
import os
import resource
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sbtest_common import Env, SLOW, WRAPPER, check, main, one_line_error  # noqa: E402

TOKEN_PATH = "/api/project_badges/token"
MB = 1024 * 1024


def final_error(err):
    """With retries on, "sonarbadge: retrying ..." / "not retrying ..."
    notices may come first; the error itself is still the one last line."""
    lines = [l for l in err.splitlines() if l.strip()]
    for l in lines[:-1]:
        check(l.startswith("sonarbadge: retrying ") or l.startswith("sonarbadge: not retrying"),
              "more than one error line: %r" % err)
    one_line_error(lines[-1] if lines else "")


def expect(env, fault, code, words, max_secs=8.0, args=("token", "my:proj"),
           stdout_empty=True, retry=0):
    """Queue fault on the token API, run args, check the outcome. The
    command runs with --retry 0 (the fault itself is under test) unless
    retry is None (the default retries: the fault is queued 20 times)."""
    env.main.reset()
    if fault is not None:
        f = dict(fault)
        f.setdefault("path", TOKEN_PATH)
        if retry is None:
            f.setdefault("count", 20)
        env.main.faults(f)
    if retry is not None:
        args = ("--retry", str(retry)) + tuple(args)
    rc, out, err, secs = env.run(*args, timeout=max_secs + 20)
    what = fault.get("kind") if fault else "no fault"
    check(rc == code, "%s: exit %d, want %d: %r" % (what, rc, code, err))
    if code != 0:
        if retry is None:
            final_error(err)
        else:
            one_line_error(err)
        low = err.lower()
        for w in ([words] if isinstance(words, str) else words):
            check(w.lower() in low, "%s: %r not in %r" % (what, w, err))
        if stdout_empty:
            check(out == "", "%s: stdout %r" % (what, out))
    check(secs < max_secs * SLOW, "%s: took %.1f s (limit %.1f)" % (what, secs, max_secs * SLOW))
    return rc, out, err


def raw_response(body, status="200 OK", ctype="application/json", extra=""):
    if isinstance(body, bytes):
        body = body.decode("latin-1")
    return ("HTTP/1.1 %s\r\nContent-Type: %s\r\n%sContent-Length: %d\r\n\r\n%s"
            % (status, ctype, extra, len(body.encode("latin-1")), body))


def raw(body, **kw):
    return {"kind": "raw", "data": raw_response(body, **kw)}


# ---------------------------------------------------------------- network

def t_connection_refused(env):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    rc, _, err, secs = env.run("--retry", "0", "token", "my:proj",
                               url="https://127.0.0.1:%d" % port)
    check(rc == 3, "rc=%d %r" % (rc, err))
    one_line_error(err)
    check("refused" in err.lower(), err)
    check(secs < 5 * SLOW, "took %.1f s" % secs)
    # With the default retries: still exit 3, still bounded.
    rc, _, err, secs = env.run("token", "my:proj", url="https://127.0.0.1:%d" % port)
    check(rc == 3, "rc=%d %r" % (rc, err))
    final_error(err)
    check(secs < 15 * SLOW, "with retries took %.1f s" % secs)


def t_reset_before_headers(env):
    expect(env, {"kind": "reset", "after": 0}, 3, [])


def t_reset_after_headers(env):
    expect(env, {"kind": "reset", "after": "headers"}, 3, [])


def t_reset_every_time_with_retries(env):
    """A server that resets every connection: the default retries give up
    in bounded time with the network exit code."""
    expect(env, {"kind": "reset", "after": 0}, 3, [], max_secs=15, retry=None)
    reqs = env.main.stats()["requests"]
    check(reqs <= 5, "%d requests" % reqs)


def t_eof_mid_content_length_body(env):
    expect(env, {"kind": "raw", "data": "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 "Content-Length: 100\r\n\r\n{\"token\":\"sqb_"}, 3, "closed")


def t_truncated_chunk(env):
    expect(env, {"kind": "raw", "data": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "10\r\n{\"token\":"}, 3, "closed")


def t_chunk_size_overflow(env):
    expect(env, {"kind": "raw", "data": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "fffffffffffffffff\r\n" + "x" * 64}, 7, "chunk")


def t_body_100mb_content_length(env):
    """Refused from the Content-Length alone: nothing of the body is read."""
    expect(env, {"kind": "huge", "what": "body", "size": 100 * MB}, 7, "limit", max_secs=5)
    sent = env.main.stats()["fault_bytes_sent"]
    check(sent < 32 * MB, "server wrote %d bytes" % sent)


def t_body_100mb_chunked(env):
    """No length announced: ends at the 1 MiB body cap, not at 100 MB."""
    expect(env, {"kind": "huge", "what": "chunked_body", "size": 100 * MB}, 7, "limit",
           max_secs=8)
    sent = env.main.stats()["fault_bytes_sent"]
    check(sent < 32 * MB, "server wrote %d bytes: the client read far past the cap" % sent)


def t_body_100mb_close_delimited(env):
    expect(env, {"kind": "huge", "what": "close_body", "size": 100 * MB}, 7, "limit",
           max_secs=8)
    sent = env.main.stats()["fault_bytes_sent"]
    check(sent < 32 * MB, "server wrote %d bytes" % sent)


def t_header_line_1mb(env):
    expect(env, {"kind": "huge", "what": "header_line", "size": MB}, 7, "header", max_secs=5)


def t_10000_headers(env):
    expect(env, {"kind": "huge", "what": "headers", "size": 10000}, 7, "header", max_secs=5)


def t_one_byte_per_second(env):
    expect(env, {"kind": "drip", "interval": 1.0}, 3, "timed out", max_secs=6,
           args=("--max-time", "2", "token", "my:proj"))


def t_tls_fatal_alert_mid_stream(env):
    """A fatal alert record after the headers (written in the clear, see
    the stand-in's README): a TLS failure, exit 4."""
    expect(env, {"kind": "tls_alert", "alert": "fatal", "after": "headers"}, 4, [])


def t_tls_close_notify_mid_body(env):
    """A clean TLS close in the middle of a Content-Length body is a
    truncation, not the end of the answer."""
    env.main.reset()
    env.main.faults({"path": TOKEN_PATH, "kind": "tls_alert", "alert": "close_notify",
                     "after": "headers"})
    rc, out, err, secs = env.run("--retry", "0", "token", "my:proj")
    check(rc == 3 and out == "", "rc=%d out=%r %r" % (rc, out, err))
    one_line_error(err)
    check("closed before the end" in err, err)
    check(secs < 8 * SLOW, "took %.1f s" % secs)


# ---------------------------------------------------------------- JSON

def t_json_invalid_utf8(env):
    expect(env, raw(b'{"token":"sqb_\xff\xfe"}'), 7, "json")


def t_json_control_character(env):
    expect(env, raw('{"token":"sqb_a\x01b"}'), 7, "json")


def t_json_100000_tokens(env):
    body = '{"a":[' + ",".join(["0"] * 100000) + '],"token":"sqb_x"}'
    expect(env, raw(body), 7, "tokens")


def t_json_nested_too_deep(env):
    body = '{"a":' + "[" * 1000 + "]" * 1000 + ',"token":"sqb_x"}'
    expect(env, raw(body), 7, "nested deeper than 64 levels")


def t_json_duplicate_keys(env):
    expect(env, raw('{"token":"sqb_aaaa","token":"sqb_bbbb"}'), 7, "json")


def t_json_token_full_of_escapes(env):
    """Escapes that decode to a plain token are valid JSON: the decoded
    token is printed. Escapes that decode to anything else are refused."""
    plain = "sqb_" + "0123456789abcdef" * 2 + "01234567"
    esc = "".join("\\u%04x" % ord(ch) for ch in plain)
    _, out, _ = expect(env, raw('{"token":"%s"}' % esc), 0, [])
    check(out == plain + "\n", "decoded token %r" % out)
    for bad in ('\\n', '\\"', '<', '%0a', '\\/', '\\u00e9', '\\u0026'):
        expect(env, raw('{"token":"sqb_%s"}' % bad), 7, "unexpected characters")
    for bad in ('\\u0000', '\\ud800', '\\x41', '\\u12'):
        expect(env, raw('{"token":"sqb_%s"}' % bad), 7, "json")


def projects_page(components):
    return ('{"paging":{"pageIndex":1,"pageSize":500,"total":1},"components":[%s]}'
            % components)


def run_projects(env, body, stack_bytes=None):
    """`sonarbadge projects` against a server answering body, optionally
    with the stack limited to stack_bytes (not under a wrapper such as
    valgrind, which sizes the stack itself)."""
    env.main.reset()
    env.main.faults({"kind": "raw", "path": "/api/projects/search",
                     "data": raw_response(body)})

    def limit_stack():
        resource.setrlimit(resource.RLIMIT_STACK, (stack_bytes, stack_bytes))

    t0 = time.time()
    p = subprocess.run(env.cmd("--retry", "0", "projects"), capture_output=True,
                       env=env.environ(), timeout=30 * SLOW,
                       preexec_fn=limit_stack if stack_bytes and not WRAPPER else None)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"), time.time() - t0)


def t_projects_16000_nested_arrays_small_stack(env):
    """16,000 nested arrays in a projects page (within the token cap):
    refused by the nesting cap, never a stack overflow, even on a 256 KiB
    stack."""
    body = projects_page("[" * 16000 + "]" * 16000)
    rc, out, err, secs = run_projects(env, body, stack_bytes=256 * 1024)
    check(rc == 7, "exit %d (a signal is negative): %r" % (rc, err))
    one_line_error(err)
    check("nested deeper than" in err, err)
    check(out == "", "stdout %r" % out)
    check(secs < 8 * SLOW, "took %.1f s" % secs)


def t_projects_strict_json(env):
    """A projects page gets the same strict reader as every answer: a
    duplicated "key" in a component and jsmn-only syntax are refused."""
    for comps, words in (('{"key":"my:proj","key":"other"}', "two keys"),
                         ('{"key":"my:proj",}', "syntax error"),
                         ('{"key" "my:proj"}', "syntax error")):
        rc, out, err, _ = run_projects(env, projects_page(comps))
        check(rc == 7, "%s: exit %d: %r" % (comps, rc, err))
        one_line_error(err)
        check(words in err, "%s: %r" % (comps, err))
        check(out == "", "%s: stdout %r" % (comps, out))


def t_200_not_json(env):
    expect(env, {"kind": "status", "status": 200, "body": "hello, world"}, 7, "json")


def t_proxy_html_error_page(env):
    page = ("<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
            "<h1>Bad Gateway</h1><p>The proxy server received an invalid response "
            "from an upstream server.</p><hr><address>nginx</address></body></html>")
    expect(env, {"kind": "status", "status": 502, "body": page}, 7, "502")
    # A captive portal / proxy login page answering 200 with HTML.
    expect(env, {"kind": "status", "status": 200, "body": page}, 7, "json")


def t_500_with_json(env):
    _, _, err = expect(env, {"kind": "status", "status": 500, "body": json.dumps(
        {"errors": [{"msg": "An error has occurred. Please contact your administrator"}]})},
        7, ["500", "contact your administrator"])


def t_500_without_json(env):
    expect(env, {"kind": "status", "status": 500}, 7, "500")
    expect(env, {"kind": "status", "status": 503}, 7, "503", max_secs=15, retry=None)
    expect(env, {"kind": "status", "status": 500, "body": "Internal Server Error"}, 7, "500")


def t_429_without_end(env):
    """The server answers 429 to every request, asking to wait a day:
    the command gives up in bounded time without hammering the server."""
    expect(env, {"kind": "status", "status": 429, "count": 1000,
                 "headers": {"Retry-After": "86400"}}, 7, "429", max_secs=10, retry=None)
    reqs = env.main.stats()["requests"]
    check(reqs <= 10, "%d requests to a server answering 429" % reqs)
    expect(env, {"kind": "status", "status": 429, "count": 1000,
                 "headers": {"Retry-After": "1"}}, 7, "429", max_secs=15, retry=None)
    reqs = env.main.stats()["requests"]
    check(reqs <= 10, "%d requests to a server answering 429" % reqs)
    expect(env, {"kind": "status", "status": 429}, 7, "429")
    env.main.reset()


def t_error_message_terminal_escape(env):
    """A hostile server message cannot drive the terminal: escape
    sequences and line breaks come out as '?'."""
    body = json.dumps({"errors": [{"msg": "\x1b]0;pwned\x07\x1b[2J evil\r\nsonarbadge: fake"}]})
    _, _, err = expect(env, {"kind": "status", "status": 403, "body": body}, 5, "evil")
    check("\x1b" not in err and "\x07" not in err, repr(err))


TESTS = [t_connection_refused, t_reset_before_headers, t_reset_after_headers,
         t_reset_every_time_with_retries,
         t_eof_mid_content_length_body, t_truncated_chunk, t_chunk_size_overflow,
         t_body_100mb_content_length, t_body_100mb_chunked, t_body_100mb_close_delimited,
         t_header_line_1mb, t_10000_headers, t_one_byte_per_second,
         t_tls_fatal_alert_mid_stream, t_tls_close_notify_mid_body,
         t_json_invalid_utf8, t_json_control_character, t_json_100000_tokens,
         t_json_nested_too_deep, t_json_duplicate_keys, t_json_token_full_of_escapes,
         t_projects_16000_nested_arrays_small_stack, t_projects_strict_json, t_200_not_json,
         t_proxy_html_error_page, t_500_with_json, t_500_without_json, t_429_without_end,
         t_error_message_terminal_escape]

if __name__ == "__main__":
    sys.exit(main(TESTS, Env))
