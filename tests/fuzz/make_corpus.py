#!/usr/bin/env python3
"""Regenerate the seed corpora of the fuzz targets (tests/fuzz/corpus/).

Real responses are captured byte for byte from the SonarQube stand-in
(tests/standin/sonar_standin.py, plain HTTP on 127.0.0.1, started and
stopped here): tokens, renewals, chunked bodies with extensions and
trailers, 100 Continue, 204, 401/403/400/404 errors, 5xx, 429, HTML and SVG
answers, SonarCloud's navigation/component. Hand-written edge cases
(overflowing chunk sizes, conflicting lengths, NUL bytes, bare LF...) are
added to them. The files are checked in; run this only to refresh them:

    python3 tests/fuzz/make_corpus.py
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

# A forward proxy's error page echoing fuzz_client.c's proxy credentials.
PROXY_ECHO = b'{"errors":[{"msg":"ZnV6emVyOnByMHh5LXMzY3JldA== fuzzer:pr0xy-s3cret"}]}'
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
STANDIN = os.path.join(ROOT, "tests", "standin", "sonar_standin.py")
CORPUS = os.path.join(HERE, "corpus")
ADMIN = "squ_" + "a1" * 20
NOBODY = "squ_" + "c3" * 20


class Standin:
    def __init__(self, work, mode):
        cfg = os.path.join(work, "config.json")
        with open(cfg, "w") as f:
            json.dump({"users": {ADMIN: {"login": "admin", "admin_projects": ["*"],
                                         "browse_projects": ["*"]},
                                 NOBODY: {"login": "nobody"}},
                       "projects": [{"key": "my:proj"}, {"key": "pub", "visibility": "public"}]},
                      f)
        pf = os.path.join(work, mode + ".port")
        self.proc = subprocess.Popen([sys.executable, STANDIN, "--config", cfg, "--port", "0",
                                      "--port-file", pf, "--mode", mode])
        for _ in range(300):
            if os.path.exists(pf) and open(pf).read().strip():
                self.port = int(open(pf).read())
                return
            time.sleep(0.05)
        raise RuntimeError("stand-in did not start")

    def fault(self, **f):
        req = urllib.request.Request("http://127.0.0.1:%d/_standin/faults" % self.port,
                                     data=json.dumps([f]).encode(), method="POST")
        urllib.request.urlopen(req, timeout=10).read()

    def raw(self, method, target, token=ADMIN, body=None):
        """Send one request; return the response bytes exactly as sent."""
        import base64
        hdr = "%s %s HTTP/1.1\r\nHost: sonar.test\r\nAccept: application/json\r\n" % (method, target)
        if token:
            hdr += "Authorization: Basic %s\r\n" % base64.b64encode((token + ":").encode()).decode()
        if body is not None:
            hdr += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n" % len(body)
        data = (hdr + "\r\n" + (body or "")).encode()
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        s.sendall(data)
        out = b""
        s.settimeout(0.4)
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except socket.timeout:
            pass
        s.close()
        return out

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("latin-1"))


def body_of(resp):
    head, _, body = resp.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" in head.lower():
        out, rest = b"", body
        while True:
            line, _, rest = rest.partition(b"\r\n")
            n = int(line.split(b";")[0], 16)
            if n == 0:
                return out
            out, rest = out + rest[:n], rest[n + 2:]
    return body


def main():
    # Files are (re)written in place; regress_* inputs found by fuzzing stay.
    work = tempfile.mkdtemp(prefix="sb-corpus-")
    server = Standin(work, "server")
    cloud = Standin(work, "cloud")
    try:
        tok_q = "/api/project_badges/token?project=my%3Aproj"
        real = {}
        real["token_200"] = server.raw("GET", tok_q)
        server.fault(path="/api/project_badges/token", kind="chunked", chunk_size=3)
        real["token_chunked"] = server.raw("GET", tok_q)
        server.fault(path="/api/project_badges/token", kind="continue")
        real["token_continue"] = server.raw("GET", tok_q)
        real["renew_204"] = server.raw("POST", "/api/project_badges/renew_token",
                                       body="project=my%3Aproj")
        real["token_after_renew"] = server.raw("GET", tok_q)
        real["err_401"] = server.raw("GET", tok_q, token="squ_wrong")
        real["err_403"] = server.raw("GET", tok_q, token=NOBODY)
        real["err_400_not_found"] = server.raw("GET", "/api/project_badges/token?project=nope")
        real["err_404_unknown_url"] = server.raw("GET", "/api/nothing/here")
        real["err_405"] = server.raw("GET", "/api/project_badges/renew_token?project=my%3Aproj")
        real["err_html_404"] = server.raw("GET", "/nothing")
        server.fault(path="/api/project_badges/token", kind="status", status=500,
                     body='{"errors":[{"msg":"An error has occurred. Please contact your administrator"}]}')
        real["err_500_json"] = server.raw("GET", tok_q)
        server.fault(path="/api/project_badges/token", kind="status", status=503,
                     body="<html><body><h1>503 Service Unavailable</h1></body></html>")
        real["err_503_html"] = server.raw("GET", tok_q)
        server.fault(path="/api/project_badges/token", kind="status", status=429,
                     headers={"Retry-After": "1"})
        real["err_429"] = server.raw("GET", tok_q)
        server.fault(path="/api/project_badges/token", kind="status", status=502, close=True)
        real["err_502_close"] = server.raw("GET", tok_q)
        tok = server.raw("GET", tok_q)
        t = json.loads(body_of(tok))["token"]
        real["svg_200"] = server.raw(
            "GET", "/api/project_badges/measure?project=my%3Aproj&metric=coverage&token=" + t)
        real["svg_error"] = server.raw(
            "GET", "/api/project_badges/quality_gate?project=my%3Aproj&token=sqb_x")
        real["cloud_token_404"] = cloud.raw("GET", tok_q)
        real["cloud_navigation"] = cloud.raw("GET", "/api/navigation/component?component=my%3Aproj")
        real["cloud_nav_404"] = cloud.raw("GET", "/api/navigation/component?component=nope")
        real["search_200"] = server.raw("GET", "/api/projects/search?ps=2")
    finally:
        server.stop()
        cloud.stop()
        shutil.rmtree(work, ignore_errors=True)

    for name, data in real.items():
        assert data.startswith(b"HTTP/1.1 "), (name, data[:40])

    # ---- http_response: control byte (piece size, EOF, HEAD) + response
    for i, (name, data) in enumerate(sorted(real.items())):
        write("http_response", name, bytes([0x40 | (1 + i % 7)]) + data)
        write("http_response", name + "_bytewise", bytes([0x41]) + data)
    edge = {
        "chunk_overflow": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
        "chunk_16_digits": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n000000000000000000001\r\nx\r\n0\r\n\r\n",
        "chunk_truncated": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc",
        "chunk_ext_trailers": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;a=b;c\r\n{}\r\n0\r\nX-A: 1\r\nX-B: 2\r\n\r\n",
        "chunk_no_crlf": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n",
        "cl_huge": "HTTP/1.1 200 OK\r\nContent-Length: 104857600\r\n\r\n{",
        "cl_conflict": "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        "cl_same_twice": "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
        "cl_and_te": "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        "cl_short_eof": "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort",
        "cl_negative": "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "te_gzip": "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        "close_delimited": "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"token\":\"sqb_1\"}",
        "bare_lf": "HTTP/1.1 200 OK\nContent-Length: 2\n\n{}",
        "folded": "HTTP/1.1 200 OK\r\nX-A: 1\r\n  2\r\nContent-Length: 0\r\n\r\n",
        "nul_in_header": "HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 0\r\n\r\n",
        "ctl_in_header": "HTTP/1.1 200 OK\r\nX-A: a\x01b\r\nContent-Length: 0\r\n\r\n",
        "status_101": "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
        "status_099": "HTTP/1.1 099 Low\r\n\r\n",
        "status_no_reason": "HTTP/1.1 204\r\n\r\n",
        "status_304": "HTTP/1.1 304 Not Modified\r\nETag: W/1\r\n\r\n",
        "two_1xx": "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
        "http2": "HTTP/2 200\r\n\r\n",
        "garbage": "HELLO\r\n\r\n",
        "pipelined": "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
        "keepalive_close": "HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 2\r\n\r\n{}",
        "empty_header_name": "HTTP/1.1 200 OK\r\n: x\r\nContent-Length: 0\r\n\r\n",
        "long_header": "HTTP/1.1 200 OK\r\nX-Long: " + "a" * 17000 + "\r\n\r\n",
        "many_headers": "HTTP/1.1 200 OK\r\n" + "".join("X-%d: v\r\n" % i for i in range(70)) + "\r\n",
    }
    for name, text in edge.items():
        write("http_response", "edge_" + name, b"\x47" + text.encode("latin-1"))
    write("http_response", "edge_head_with_length",
          b"\xc0HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")

    # ---- json: bodies of the real responses, and edge cases
    for name, data in sorted(real.items()):
        b = body_of(data)
        if b.lstrip().startswith(b"{"):
            write("json", name, b)
    jedge = {
        "token": '{"token":"sqb_0123456789abcdef0123456789abcdef01234567"}',
        "token_escapes": '{"token":"\\u0073\\u0071\\u0062\\u005f\\u0061\\/\\n\\t\\"\\\\"}',
        "token_surrogates": '{"token":"\\ud83d\\ude00 \\u00e9 \\u20ac"}',
        "lone_surrogate": '{"token":"\\ud800x"}',
        "low_surrogate": '{"token":"\\udc00"}',
        "nul_escape": '{"token":"a\\u0000b"}',
        "raw_control": '{"token":"a\x01b"}',
        "invalid_utf8": '{"token":"\xff\xfe"}',
        "overlong_utf8": '{"token":"\xc0\xaf"}',
        "utf8_ok": '{"token":"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"}',
        "duplicate_key": '{"token":"a","token":"b"}',
        "duplicate_escaped_key": '{"token":"a","\\u0074oken":"b"}',
        "nested": '{"a":{"token":"inner"},"b":[1,2,{"c":null}],"token":"outer"}',
        "not_string": '{"token":123}',
        "token_null": '{"token":null}',
        "array_top": '[{"token":"a"}]',
        "trailing": '{"token":"a"} x',
        "two_docs": '{"token":"a"}{"token":"b"}',
        "missing_comma": '{"a" "b"}',
        "deep": '{"a":' + "[" * 70 + "]" * 70 + "}",
        "numbers": '{"n":[0,-0,1.5e10,-2E-3,12345678901234567890],"token":"t"}',
        "bad_number": '{"n":01}',
        "errors_many": json.dumps({"errors": [{"msg": "m%d" % i} for i in range(50)]}),
        "errors_long": json.dumps({"errors": [{"msg": "x" * 600}, {"msg": "y"}]}),
        "errors_empty": '{"errors":[]}',
        "errors_no_msg": '{"errors":[{"code":1}]}',
        "badge_token": '{"key":"k","badgeToken":"0123456789abcdef","organization":"o"}',
        "long_token": '{"token":"' + "a" * 200 + '"}',
        "empty": "",
        "ws": " \t\r\n{ \"token\" : \"a\" } \n",
    }
    for name, text in jedge.items():
        write("json", "edge_" + name, text.encode("latin-1"))

    # ---- url: base URL \n project \n branch
    uedge = [
        "https://sonarcloud.io\nmy:proj", "https://sonar.example.com/\nmy:proj\nfeature/x",
        "http://localhost:9000/sonarqube/\nk y+z\nmain", "HTTPS://[::1]:8443/sq\nkey",
        "https://[fe80::1%25eth0]/\nkey", "https://user:pw@host/\nkey", "https://host:0\nk",
        "https://host:65536\nk", "https://host:99999999999999999999\nk", "https://host/a//b\nk",
        "https://host/a?b#c\nk", "https://ho st/\nk", "ftp://host\nk", "https://\nk",
        "https://" + "a" * 300 + "\nk", "https://h/" + "p" * 1100 + "\nk",
        "https://h\n" + "\u00e9\u20ac".encode("utf-8").decode("latin-1") + "\n\x01\x7f",
        "https://sonar.test\nproj\nbranch\nextra",
        "> GET /api/project_badges/measure?project=a&token=sqb_secret HTTP/1.1",
        "Authorization: Basic c2VjcmV0Og==", "< Proxy-Authorization:\tBearer x",
        "https://[::1\nk", "https://[]\nk", "https://h:\nk", "https://h:80:80\nk",
    ]
    for i, text in enumerate(uedge):
        write("url", "edge_%02d" % i, text.encode("latin-1"))

    # ---- client: control byte + connection streams
    conn, resp = b"@@conn@@", b"@@resp@@"
    tok2 = real["token_after_renew"]
    cases = {
        "token_200": (0x00, real["token_200"]),
        "token_chunked_bytewise": (0x04, real["token_chunked"]),
        "token_continue": (0x00, real["token_continue"]),
        "token_401": (0x00, real["err_401"]),
        "token_403": (0x00, real["err_403"]),
        "token_not_found": (0x00, real["err_400_not_found"]),
        "token_500": (0x00, real["err_500_json"]),
        "token_503_html": (0x08, real["err_503_html"]),
        "token_429": (0x00, real["err_429"]),
        "token_502_close": (0x00, real["err_502_close"]),
        "token_svg": (0x00, real["svg_200"]),
        "cloud_fallback": (0x02, real["cloud_token_404"] + resp + real["cloud_navigation"]),
        "cloud_fallback_404": (0x02, real["cloud_token_404"] + resp + real["cloud_nav_404"]),
        "no_api": (0x00, real["err_404_unknown_url"] + resp + real["err_404_unknown_url"]),
        "renew_one_conn": (0x01, real["token_200"] + resp + real["renew_204"] + resp + tok2),
        "renew_ctx_path": (0x03, real["token_200"] + resp + real["renew_204"] + resp + tok2),
        "renew_unchanged": (0x01, real["token_200"] + resp + real["renew_204"] + resp
                            + real["token_200"]),
        "renew_drop_after_post": (0x01, real["token_200"] + resp + conn + tok2 + resp
                                  + tok2),
        # The check goes on a second connection, the second POST on a third.
        "renew_drop_before_post": (0x01, real["token_200"] + resp + conn + real["token_200"]
                                   + conn + real["renew_204"] + resp + tok2),
        "renew_reset": (0x41, real["token_200"] + resp + conn + conn + conn),
        "renew_403": (0x01, real["token_200"] + resp + real["err_403"]),
        "renew_cloud_404": (0x01, real["token_200"] + resp + real["err_404_unknown_url"]),
        "idle_closed_reconnect": (0x00, conn + real["token_200"]),
        # op 1 goes through a forward proxy: its own refusal, and an error
        # page echoing the Proxy-Authorization value and the password.
        "proxy_407": (0x01, b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                      b"Proxy-Authenticate: Basic realm=\"p\"\r\nContent-Length: 0\r\n\r\n"),
        "proxy_echoes_credentials": (
            0x01, b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(PROXY_ECHO) + PROXY_ECHO),
        "refused_then_ok": (0x80, real["token_200"]),
        "timeout": (0x20, real["token_200"][:30]),
        "timeout_then_closed": (0x60, b""),
        "truncated_body": (0x00, real["token_200"][:-5]),
    }
    for name, (ctl, data) in cases.items():
        write("client", name, bytes([ctl]) + data)
    write("client", "chunk_overflow",
          b"\x00" + edge["chunk_overflow"].encode())
    write("client", "garbage", b"\x00" + edge["garbage"].encode())
    print("corpus written to", CORPUS)


if __name__ == "__main__":
    main()
