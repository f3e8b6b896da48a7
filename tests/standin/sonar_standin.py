#!/usr/bin/env python3
"""SonarQube / SonarQube Cloud stand-in for the sonarbadge tests.

Implements the badge-token related part of the SonarQube Web API described in
/work/shared/sonar-api.md (sections 1, 2, 3, 5, 9) over HTTP/1.1 (keep-alive,
optionally TLS), plus a small control API under /_standin/ for tests
(statistics, reset, fault injection).  Python 3.11 standard library only.

Usage:
  sonar_standin.py --config FILE [--bind 127.0.0.1] [--port 0] [--port-file FILE]
                   [--cert PEM --key PEM] [--mode server|cloud] [--log FILE]
                   [--split-writes] [--nodelay]

See README.md next to this file.
"""

import argparse
import base64
import binascii
import email.utils
import http
import http.server
import json
import os
import re
import secrets
import signal
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import profiles  # noqa: E402  (next to this file)

IDLE_TIMEOUT = 30.0       # seconds a kept-alive connection may stay idle
HANDSHAKE_TIMEOUT = 10.0  # seconds for the TLS handshake
MAX_BODY = 10 * 1024 * 1024

# Allowed metric keys, insertion order of MeasureAction.METRIC_NAME_BY_KEY,
# with SVG label and the value shown on the fake badge.
METRICS = [
    ("coverage", "coverage", "87.5%"),
    ("duplicated_lines_density", "duplicated lines", "3.2%"),
    ("ncloc", "lines of code", "12k"),
    ("alert_status", "quality gate", None),  # passed / failed
    ("security_hotspots", "security hotspots", "0"),
    ("bugs", "bugs", "0"),
    ("code_smells", "code smells", "42"),
    ("vulnerabilities", "vulnerabilities", "0"),
    ("sqale_rating", "maintainability", "A"),
    ("reliability_rating", "reliability", "A"),
    ("security_rating", "security", "A"),
    ("sqale_index", "technical debt", "2d"),
    ("software_quality_reliability_issues", "reliability issues", "0"),
    ("software_quality_maintainability_issues", "maintainability issues", "42"),
    ("software_quality_security_issues", "security issues", "0"),
    ("software_quality_maintainability_rating", "maintainability", "A"),
    ("software_quality_reliability_rating", "reliability", "A"),
    ("software_quality_security_rating", "security", "A"),
    ("software_quality_maintainability_remediation_effort", "technical debt", "2d"),
]
METRIC_INFO = {k: (label, val) for k, label, val in METRICS}
METRIC_LIST_TEXT = "[" + ", ".join(k for k, _, _ in METRICS) + "]"
RATING_COLOURS = {"A": "#00aa00", "B": "#b0d513", "C": "#eabe06", "D": "#ed7d20", "E": "#d4333f"}

DEFAULT_BRANCHES = ["develop", "feature/x"]
BULK_RE = re.compile(r"^bulk-(\d{4,})$")

SVG_PATHS = ("/api/project_badges/measure", "/api/project_badges/quality_gate")

FAULT_KINDS = {"delay", "drop_after", "drop_before", "status", "chunked", "close", "idle_close",
               "drip", "garbage", "raw", "continue",
               # fault injection for tests/e2e/faults_test.py
               "reset", "huge", "tls_alert",
               # a request held before it is applied (rotation safety tests)
               "queue"}


def fnv1a64_signed(data: bytes) -> int:
    h = 0xcbf29ce484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h - (1 << 64) if h >= (1 << 63) else h


def xml_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def error_svg(msg: str) -> bytes:
    w = 6 + 7 * len(msg) + 6
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" height="20" width="%d">'
        '<rect rx="3" width="%d" height="20" fill="#e05d44"/>'
        '<g fill="#fff" text-anchor="start" font-family="Verdana,DejaVu Sans,Geneva,sans-serif" '
        'font-size="11"><text x="6" y="14">%s</text></g></svg>' % (w, w, xml_escape(msg))
    ).encode("utf-8")


def badge_svg(label: str, value: str, colour: str) -> bytes:
    lw = 6 + 7 * len(label) + 6
    vw = 6 + 7 * len(value) + 6
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" height="20" width="%d">'
        '<rect rx="3" width="%d" height="20" fill="#555"/>'
        '<rect rx="3" x="%d" width="%d" height="20" fill="%s"/>'
        '<g fill="#fff" text-anchor="start" font-family="Verdana,DejaVu Sans,Geneva,sans-serif" '
        'font-size="11"><text x="6" y="14">%s</text><text x="%d" y="14">%s</text></g></svg>'
        % (lw + vw, lw + vw, lw, vw, colour, xml_escape(label), lw + 6, xml_escape(value))
    ).encode("utf-8")


def json_bytes(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode("utf-8")


def errors_body(msg: str) -> bytes:
    return json_bytes({"errors": [{"msg": msg}]})


class Response:
    """A response to be serialised by the handler."""

    def __init__(self, status, body=b"", ctype=None, headers=None):
        self.status = status
        self.body = body
        self.ctype = ctype
        self.headers = list(headers or [])

    @classmethod
    def json(cls, status, obj):
        return cls(status, json_bytes(obj), "application/json")

    @classmethod
    def error(cls, status, msg):
        return cls(status, errors_body(msg), "application/json")


class ConnState:
    def __init__(self, epoch):
        self.epoch = epoch          # reset-epoch in which the connection was accepted
        self.counted = False
        self.any_request = False
        self.handshake_ok = False


class State:
    """All mutable state of the stand-in; every access under self.lock."""

    def __init__(self, config, mode):
        self.lock = threading.Lock()
        self.mode = mode
        self.users = config.get("users") or {}
        self.projects = {}
        self.project_order = []
        for p in config.get("projects") or []:
            if isinstance(p, str):
                p = {"key": p}
            key = p["key"]
            self.projects[key] = p
            self.project_order.append(key)
        self.generate = int(config.get("generate_projects") or 0)
        self.force_auth = bool(config.get("force_authentication", True))
        self.chunked_json = bool(config.get("chunked", False))
        # "split_writes": the head and the body of an answer go out in two
        # writes, as Python's http.server sends them (end_headers flushes
        # the head, then the handler writes the body). With Nagle's
        # algorithm on (the default: no TCP_NODELAY) the body then waits
        # for the client to acknowledge the head, and a client that delays
        # its ACK (Linux: 40 ms and more) stalls on every answer.
        # "nodelay": TCP_NODELAY on every accepted socket, so the body
        # leaves at once whatever the client does.
        self.split_writes = bool(config.get("split_writes", False))
        self.nodelay = bool(config.get("nodelay", False))
        self.organization = config.get("organization", "test-org")
        name = config.get("profile") or ("cloud" if mode == "cloud" else None)
        if name is not None and name not in profiles.PROFILES:
            raise ValueError("unknown profile %r (known: %s)"
                             % (name, ", ".join(sorted(profiles.PROFILES))))
        self.profile = profiles.PROFILES[name] if name else profiles.DEFAULT
        self.version = config.get("version") or self.profile["version"]
        self.tokens = {}
        for key, p in self.projects.items():
            if p.get("token"):
                self.tokens[key] = p["token"]
        self.faults = []
        self.epoch = 0
        self._clear_counters()

    def _clear_counters(self):
        self.connections = 0
        self.handshakes = 0
        self.handshake_failures = 0
        self.accepted = 0
        self.requests = 0
        self.request_lines = []
        self.request_auth = []      # per request line: did it carry Authorization?
        self.request_times = []     # per request line: when it arrived (time.time())
        self.renewals = {}
        self.fault_bytes_sent = 0
        self.response_writes = 0    # socket writes of ordinary answers
        self.nodelay_connections = 0  # accepted sockets reading back TCP_NODELAY on

    # ---- projects -------------------------------------------------------
    def project(self, key):
        if key is None:
            return None
        p = self.projects.get(key)
        if p is not None:
            return p
        m = BULK_RE.match(key)
        if m and ("%04d" % int(m.group(1))) == m.group(1) and 1 <= int(m.group(1)) <= self.generate:
            return {"key": key, "visibility": "private", "name": "Bulk Project " + m.group(1)}
        return None

    def iter_projects(self):
        for key in self.project_order:
            yield self.projects[key]
        for i in range(1, self.generate + 1):
            n = "%04d" % i
            yield {"key": "bulk-" + n, "visibility": "private", "name": "Bulk Project " + n}

    def new_token(self):
        hexpart = secrets.token_hex(20)
        return hexpart if self.mode == "cloud" else "sqb_" + hexpart

    def get_or_create_token(self, key):
        with self.lock:
            tok = self.tokens.get(key)
            if tok is None:
                tok = self.tokens[key] = self.new_token()
            return tok

    def renew(self, key):
        with self.lock:
            self.tokens[key] = self.new_token()
            self.renewals[key] = self.renewals.get(key, 0) + 1

    # ---- connection accounting -----------------------------------------
    def count_conn(self, cs):
        """Count a connection once (called under self.lock)."""
        if cs.counted or cs.epoch != self.epoch:
            return
        cs.counted = True
        self.connections += 1
        if cs.handshake_ok:
            self.handshakes += 1

    def reset(self, tokens=False):
        with self.lock:
            self._clear_counters()
            self.faults = []
            self.epoch += 1
            if tokens:
                self.tokens = {k: p["token"] for k, p in self.projects.items() if p.get("token")}

    def stats(self):
        with self.lock:
            return {
                "connections": self.connections,
                "handshakes": self.handshakes,
                "handshake_failures": self.handshake_failures,
                "accepted": self.accepted,
                "requests": self.requests,
                "request_lines": list(self.request_lines),
                "request_auth": list(self.request_auth),
                "request_times": list(self.request_times),
                "renewals": dict(self.renewals),
                "tokens": dict(self.tokens),
                "faults_pending": len(self.faults),
                "fault_bytes_sent": getattr(self, "fault_bytes_sent", 0),
                "response_writes": self.response_writes,
                "nodelay_connections": self.nodelay_connections,
                "split_writes": self.split_writes,
                "mode": self.mode,
            }

    def add_faults(self, faults):
        if not faults:  # an empty list clears them
            with self.lock:
                self.faults = []
            return 0
        for f in faults:
            if not isinstance(f, dict) or f.get("kind") not in FAULT_KINDS:
                raise ValueError("bad fault: %r" % (f,))
            if not isinstance(f.get("path", ""), str):
                raise ValueError("fault path must be a string")
        with self.lock:
            for f in faults:
                f = dict(f)
                f.setdefault("path", "/")
                f["count"] = int(f.get("count", 1))
                if f["count"] > 0:
                    self.faults.append(f)
            return len(self.faults)

    def take_fault(self, method, path):
        with self.lock:
            for i, f in enumerate(self.faults):
                if not path.startswith(f["path"]):
                    continue
                if f.get("method") and f["method"].upper() != method:
                    continue
                f["count"] -= 1
                if f["count"] <= 0:
                    del self.faults[i]
                return f
        return None


class User:
    def __init__(self, login, admin, browse):
        self.login = login
        self.admin = admin
        self.browse = browse

    def can_admin(self, key):
        return "*" in self.admin or key in self.admin

    def can_browse(self, project):
        key = project["key"]
        if project.get("visibility", "private") == "public":
            return True
        return self.can_admin(key) or "*" in self.browse or key in self.browse

    def is_system_admin(self):
        return "*" in self.admin


ANONYMOUS = User(None, [], [])


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sonar-standin/1.0"
    sys_version = ""
    timeout = IDLE_TIMEOUT

    # ---- connection setup / teardown -------------------------------------
    def setup(self):
        st = self.server.state
        if st.nodelay:
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            nodelay = self.request.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        except OSError:
            nodelay = False
        with st.lock:
            self.cs = ConnState(st.epoch)
            st.accepted += 1
            st.nodelay_connections += nodelay
        self.tls = None
        self.failed = False
        self.graceful = True
        ctx = self.server.ssl_ctx
        if ctx is not None:
            raw = self.request
            raw.settimeout(HANDSHAKE_TIMEOUT)
            s = None
            try:
                s = ctx.wrap_socket(raw, server_side=True, do_handshake_on_connect=False)
                s.do_handshake()
            except (OSError, ValueError):
                self.failed = True
                with st.lock:
                    if self.cs.epoch == st.epoch:
                        st.handshake_failures += 1
                    st.count_conn(self.cs)
                try:
                    (s or raw).close()
                except OSError:
                    pass
                return
            self.tls = s
            self.request = s
            self.cs.handshake_ok = True
        super().setup()

    def handle(self):
        if self.failed:
            return
        try:
            super().handle()
        except (OSError, ValueError):
            pass  # peer went away / TLS error / closed file

    def finish(self):
        if self.failed:
            return
        try:
            super().finish()
        except (OSError, ValueError):
            pass
        if self.tls is not None:
            try:
                if self.graceful:
                    self.tls.settimeout(2.0)
                    self.tls.unwrap()  # send close_notify
            except (OSError, ValueError):
                pass
            try:
                self.tls.close()
            except OSError:
                pass
        st = self.server.state
        if not self.cs.any_request:
            with st.lock:
                st.count_conn(self.cs)

    def log_message(self, format, *args):  # silence default stderr logging
        pass

    # ---- dispatch ---------------------------------------------------------
    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            total = 0
            while True:
                line = self.rfile.readline(1024)
                if not line:
                    raise ConnectionError("EOF in chunked body")
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while True:  # trailers
                        t = self.rfile.readline(8192)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    break
                total += size
                if total > MAX_BODY:
                    raise ConnectionError("body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(8)
            return b"".join(chunks)
        cl = self.headers.get("Content-Length")
        if cl:
            n = int(cl)
            if n < 0 or n > MAX_BODY:
                raise ConnectionError("bad Content-Length")
            data = self.rfile.read(n)
            if len(data) != n:
                raise ConnectionError("EOF in body")
            return data
        return b""

    def dispatch(self):
        st = self.server.state
        method = self.command
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        # --context: the server lives below a path (sonar.web.context);
        # the control API stays at the root.
        ctx = getattr(st, "context", "")
        if ctx and not path.startswith("/_standin/"):
            if path.startswith(ctx + "/"):
                path = path[len(ctx):]
            else:
                path = "/outside-context" + path
        try:
            body = self.read_body()
        except (ValueError, ConnectionError):
            self.close_connection = True
            self.send(Response.error(400, "Bad request body"), path=path, force_close=True)
            return
        self.cs.any_request = True

        if path.startswith("/_standin/"):
            resp = self.control(method, path, body)
            self.send(resp, path=path)
            return

        with st.lock:
            st.count_conn(self.cs)
            st.requests += 1
            st.request_lines.append("%s %s" % (method, path))
            st.request_auth.append(bool(self.headers.get("Authorization")))
            st.request_times.append(time.time())

        fault = st.take_fault(method, path)
        kind = fault["kind"] if fault else None

        # "delay": a slow answer. The request is applied first, then the
        # answer waits, as when a server is slow to reply.
        delay = 0.0
        if kind == "delay":
            delay = min(float(fault.get("seconds", 0.05)), 30.0)
            fault, kind = None, None
        # "queue": the request waits in the server before it is applied
        # (a busy server's worker queue), and is applied even when the
        # client has gone away meanwhile.
        if kind == "queue":
            time.sleep(min(float(fault.get("seconds", 1.0)), 30.0))
            fault, kind = None, None

        if kind == "drop_before":
            self.abort(path, "drop_before")
            return

        if kind == "status":
            fb = fault.get("body", "")
            fb = fb.encode("utf-8") if isinstance(fb, str) else json_bytes(fb)
            ctype = None
            if fb:
                ctype = "application/json" if fb.lstrip().startswith(b"{") else "text/html"
            hdrs = list((fault.get("headers") or {}).items())
            resp = Response(int(fault.get("status", 500)), fb, ctype, hdrs)
            self.send(resp, path=path, force_close=bool(fault.get("close", False)), fault=fault)
            return

        try:
            params = self.params(url.query, body)
            resp = self.api(method, path, params)
        except Exception as e:  # noqa: BLE001 -- mirror SonarQube's generic 500
            self.server.log_line("internal error on %s: %r" % (path, e))
            resp = Response.error(500, "An error has occurred. Please contact your administrator")

        if kind == "drop_after":
            self.abort(path, "drop_after")
            return
        if delay:
            time.sleep(delay)
        self.send(resp, path=path, fault=fault)

    def abort(self, path, what):
        self.server.log_line("%s %s -> (%s, no response)" % (self.command, path, what))
        self.close_connection = True
        self.graceful = False

    def params(self, query, body):
        out = {}
        for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True):
            out.setdefault(k, v)
        ctype = (self.headers.get("Content-Type") or "").lower()
        if body and ctype.startswith("application/x-www-form-urlencoded"):
            for k, v in urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
                out.setdefault(k, v)
        return out

    # ---- serialisation ----------------------------------------------------
    def send(self, resp, path, force_close=False, fault=None):
        kind = fault["kind"] if fault else None
        st = self.server.state
        self.server.log_line("%s %s -> %d%s" % (self.command, path, resp.status,
                                                  (" [fault %s]" % kind) if kind else ""))
        if kind == "garbage":
            data = fault.get("body", "HELLO\r\n\r\n")
            self.wfile.write(data.encode("latin-1") if isinstance(data, str) else bytes(data))
            self.close_connection = True
            return
        if kind == "raw":
            self.wfile.write(str(fault.get("data", "")).encode("latin-1"))
            if fault.get("close", True):
                self.close_connection = True
            return
        if kind == "huge":
            self.send_huge(fault)
            return

        no_body = resp.status in (204, 304) or 100 <= resp.status < 200
        is_head = self.command == "HEAD"
        chunked = False
        if not no_body:
            if kind == "chunked":
                chunked = True
            elif st.chunked_json and resp.ctype == "application/json" and not path.startswith("/_standin/"):
                chunked = True
        close = force_close or self.close_connection or kind == "close"

        try:
            reason = http.HTTPStatus(resp.status).phrase
        except ValueError:
            reason = "Status"
        lines = ["HTTP/1.1 %d %s" % (resp.status, reason),
                 "Server: " + self.server_version,
                 "Date: " + email.utils.formatdate(usegmt=True)]
        if resp.ctype:
            lines.append("Content-Type: " + resp.ctype)
        if resp.ctype == "application/json" and not any(k.lower() == "cache-control" for k, _ in resp.headers):
            lines.append("Cache-Control: no-cache, no-store, must-revalidate")
        for k, v in resp.headers:
            lines.append("%s: %s" % (k, v))
        if chunked:
            lines.append("Transfer-Encoding: chunked")
            lines.append("Trailer: X-Trailer")
        elif not no_body:
            lines.append("Content-Length: %d" % len(resp.body))
        if close:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

        body = b""
        if not no_body and not is_head:
            if chunked:
                size = max(1, int(fault.get("chunk_size", 7)) if kind == "chunked" else 7)
                parts = []
                for i in range(0, len(resp.body), size):
                    piece = resp.body[i:i + size]
                    ext = ";ext=1" if i == 0 else ""
                    parts.append(b"%x%s\r\n%s\r\n" % (len(piece), ext.encode(), piece))
                parts.append(b"0\r\nX-Trailer: 1\r\n\r\n")
                body = b"".join(parts)
            else:
                body = resp.body
        data = head + body
        if kind == "continue":
            data = b"HTTP/1.1 100 Continue\r\n\r\n" + data

        if kind in ("reset", "tls_alert"):
            after = fault.get("after", 0)
            after = len(head) if after == "headers" else int(after)
            self.wfile.write(data[:after])
            if kind == "reset":
                self.reset_connection()
            else:
                self.tls_alert(fault.get("alert", "fatal"))
            return

        if kind == "drip":
            interval = float(fault.get("interval", 1.0))
            for i in range(len(data)):
                self.wfile.write(data[i:i + 1])
                if i + 1 < len(data):
                    time.sleep(interval)
        else:
            # One write per piece: over TLS each is a record of its own,
            # sent with one send() (the handler's wfile is unbuffered).
            # Control answers are never split nor counted.
            control = path.startswith("/_standin/")
            pieces = [data]
            if st.split_writes and body and kind is None and not control:
                pieces = [data[:len(data) - len(body)], body]
            for piece in pieces:
                self.wfile.write(piece)
            if not control:
                with st.lock:
                    st.response_writes += len(pieces)

        if close or kind == "idle_close":
            self.close_connection = True

    # ---- fault helpers (reset, huge, tls_alert) ---------------------------
    def reset_connection(self):
        """Close with a TCP RST (SO_LINGER 0): no FIN, no close_notify."""
        self.close_connection = True
        self.graceful = False
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def tls_alert(self, alert):
        """Mid-stream TLS alert. "close_notify": a real (encrypted) warning
        alert, as a truncation attack would send. "fatal": a fatal
        internal_error alert record written in the clear on the TCP stream
        (Python's ssl module cannot send an encrypted fatal alert on
        demand); the client cannot authenticate it and must fail the TLS
        session."""
        self.close_connection = True
        self.graceful = False
        if self.tls is None:
            return
        try:
            if alert == "close_notify":
                self.tls.settimeout(2.0)
                self.tls.unwrap()
            else:
                raw = socket.socket(fileno=os.dup(self.tls.fileno()))
                try:
                    raw.sendall(b"\x15\x03\x03\x00\x02\x02\x50")
                finally:
                    raw.close()
        except (OSError, ValueError):
            pass

    def send_huge(self, fault):
        """A response too big for any client cap, streamed in 64 KiB blocks
        until done or the client goes away: what = body (Content-Length),
        chunked_body, close_body (close-delimited), header_line (one line
        of size bytes) or headers (size header fields)."""
        what = fault.get("what", "body")
        size = int(fault.get("size", 100 * 1024 * 1024))
        block = 65536
        st = self.server.state
        self.close_connection = True
        sent = 0

        def w(b):
            nonlocal sent
            self.wfile.write(b)
            sent += len(b)

        def stream(total, filler):
            while total > 0:
                n = min(block, total)
                w(filler[:n])
                total -= n

        try:
            if what == "body":
                w(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % size)
                stream(size, b" " * block)
            elif what == "close_body":
                w(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                  b"Connection: close\r\n\r\n")
                stream(size, b" " * block)
            elif what == "chunked_body":
                w(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n")
                chunk = b"%x\r\n" % block + b" " * block + b"\r\n"
                for _ in range(size // block):
                    w(chunk)
                w(b"0\r\n\r\n")
            elif what == "header_line":
                w(b"HTTP/1.1 200 OK\r\nX-Big: ")
                stream(size, b"a" * block)
                w(b"\r\nContent-Length: 2\r\n\r\n{}")
            else:  # headers
                w(b"HTTP/1.1 200 OK\r\n")
                lines = []
                for i in range(size):
                    lines.append(b"X-Header-%d: v\r\n" % i)
                    if len(lines) == 1000:
                        w(b"".join(lines))
                        lines = []
                w(b"".join(lines) + b"Content-Length: 2\r\n\r\n{}")
        finally:
            with st.lock:
                st.fault_bytes_sent = getattr(st, "fault_bytes_sent", 0) + sent

    # ---- control API ------------------------------------------------------
    def control(self, method, path, body):
        st = self.server.state
        try:
            payload = json.loads(body.decode("utf-8")) if body.strip() else None
        except ValueError:
            return Response.error(400, "invalid JSON body")
        if path == "/_standin/stats" and method == "GET":
            return Response.json(200, st.stats())
        if path == "/_standin/reset" and method == "POST":
            st.reset(tokens=bool(isinstance(payload, dict) and payload.get("tokens")))
            return Response.json(200, {"ok": True})
        if path == "/_standin/faults" and method == "POST":
            if isinstance(payload, dict):
                payload = [payload]
            if not isinstance(payload, list):
                return Response.error(400, "expected a JSON list of faults")
            try:
                n = st.add_faults(payload)
            except (ValueError, TypeError) as e:
                return Response.error(400, str(e))
            return Response.json(200, {"ok": True, "pending": n})
        if path == "/_standin/faults" and method == "GET":
            with st.lock:
                return Response.json(200, {"faults": [dict(f) for f in st.faults]})
        if path == "/_standin/tokens" and method == "POST":
            if not isinstance(payload, dict):
                return Response.error(400, "expected a JSON object {project: token}")
            with st.lock:
                for k, v in payload.items():
                    if v is None:
                        st.tokens.pop(k, None)
                    else:
                        st.tokens[k] = str(v)
            return Response.json(200, {"ok": True})
        return Response.error(404, "Unknown control url : " + path)

    # ---- SonarQube API ----------------------------------------------------
    def authenticate(self):
        """Return a User, ANONYMOUS, or None for invalid credentials."""
        users = self.server.state.users
        h = self.headers.get("Authorization")
        if h is None:
            return ANONYMOUS
        parts = h.strip().split(None, 1)
        if not parts:
            return None
        scheme = parts[0].lower()
        cred = parts[1].strip() if len(parts) > 1 else ""
        token = None
        if scheme == "bearer" and not self.server.state.profile["bearer"]:
            # Before 10.0 only Basic is parsed: a Bearer header carries
            # no credentials, the request is anonymous.
            return ANONYMOUS
        if scheme == "bearer":
            token = cred
        elif scheme == "basic":
            try:
                decoded = base64.b64decode(cred, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                return None
            if ":" not in decoded:
                return None
            login, password = decoded.split(":", 1)
            if password != "":
                return None
            token = login
        else:
            return None
        u = users.get(token)
        if not token or u is None:
            return None
        return User(u.get("login", "user"), u.get("admin_projects") or [],
                    u.get("browse_projects") or [])

    def api(self, method, path, params):
        st = self.server.state
        if not path.startswith("/api/"):
            return Response(404, b"<html><body>Not found</body></html>", "text/html")
        if path in SVG_PATHS:
            return self.badge(method, path, params)
        if path == "/api/server/version":
            # Public, text/plain, credentials never read (ServerWs;
            # UserSessionInitializer.SKIPPED_URLS).
            return Response(200, st.version.encode(), "text/plain")

        user = self.authenticate()
        if user is None or (user is ANONYMOUS and st.force_auth):
            return Response(401, b"")

        cloud = st.mode == "cloud"
        tokens = st.profile["token_api"] and not cloud
        if path == "/api/project_badges/token" and tokens:
            return self.api_token(method, user, params)
        if path == "/api/project_badges/renew_token" and tokens:
            return self.api_renew(method, user, params)
        if path == "/api/navigation/component":
            return self.api_component(method, user, params)
        if path == "/api/projects/search":
            return self.api_search(method, user, params)
        if path == "/api/project_branches/list":
            return self.api_branches(method, user, params)
        if path == "/api/webservices/list":
            return self.api_webservices(method)
        if path == "/api/v2/clean-code-policy/mode" and st.profile["mode"]:
            return Response.json(200, {"mode": st.profile["mode"],
                                       "modified": False})
        return Response.error(404, "Unknown url : " + path)

    def api_branches(self, method, user, params):
        """api/project_branches/list: {"branches": [{"name", "isMain",
        "type"}]} (ListAction; the main branch flagged isMain)."""
        r = self.need_get(method)
        if r:
            return r
        key = params.get("project") or None
        if key is None:
            return Response.error(400, "The 'project' parameter is missing")
        proj = self.server.state.project(key)
        if proj is None:
            return Response.error(404, "Project '%s' not found" % key)
        if not user.can_browse(proj):
            return Response.error(403, "Insufficient privileges")
        main = proj.get("main_branch", "main")
        names = [main] + [b for b in proj.get("branches", DEFAULT_BRANCHES) if b != main]
        return Response.json(200, {"branches": [
            {"name": b, "isMain": b == main, "type": "BRANCH"} for b in names]})

    def api_webservices(self, method):
        """The part of api/webservices/list the UI reads for badges: the
        measure action's metric values, in the server's order
        (ListAction writes possibleValues unsorted)."""
        r = self.need_get(method)
        if r:
            return r
        metrics = self.server.state.profile["metrics"]
        return Response.json(200, {"webServices": [{
            "path": "api/project_badges", "since": "7.1",
            "actions": [
                {"key": "measure", "params": [
                    {"key": "project", "required": True},
                    {"key": "metric", "required": True,
                     "possibleValues": list(metrics)}]},
                {"key": "quality_gate", "params": [
                    {"key": "project", "required": True}]}]}]})

    @staticmethod
    def need_get(method):
        if method not in ("GET", "HEAD"):
            return Response.error(405, "HTTP method GET is required")
        return None

    def api_token(self, method, user, params):
        r = self.need_get(method)
        if r:
            return r
        key = params.get("project") or None
        if key is None:
            return Response.error(400, "The 'project' parameter is missing")
        proj = self.server.state.project(key)
        if proj is None or not self.token_kind_ok(proj):
            return Response.error(400, "Project or Application not found")
        if not user.can_browse(proj):
            return Response.error(403, "Insufficient privileges")
        return Response.json(200, {"token": self.server.state.get_or_create_token(key)})

    def token_kind_ok(self, proj):
        """Applications have badge tokens where the profile says so."""
        return proj.get("qualifier", "TRK") != "APP" or \
            self.server.state.profile["app_tokens"]

    def api_renew(self, method, user, params):
        if method != "POST":
            return Response.error(405, "HTTP method POST is required")
        key = params.get("project") or None
        if key is None:
            return Response.error(400, "The 'project' parameter is missing")
        proj = self.server.state.project(key)
        if proj is None or not self.token_kind_ok(proj):
            return Response.error(400, "Project or Application not found")
        if not user.can_admin(key):
            return Response.error(403, "Insufficient privileges")
        self.server.state.renew(key)
        return Response(204)

    def api_component(self, method, user, params):
        r = self.need_get(method)
        if r:
            return r
        st = self.server.state
        key = params.get("component") or None
        if key is None:
            return Response.error(400, "The 'component' parameter is missing")
        proj = st.project(key)
        if proj is None:
            return Response.error(404, "Component key '%s' not found" % key)
        if not user.can_browse(proj):
            return Response.error(403, "Insufficient privileges")
        admin = user.can_admin(key)
        name = proj.get("name", key)
        out = {
            "key": key,
            "id": "AY" + format(abs(hash(key)) % (1 << 60), "x"),
            "name": name,
            "isFavorite": False,
            "visibility": proj.get("visibility", "private"),
            "version": "1.0",
            "analysisDate": "2025-01-15T10:00:00+0000",
            "extensions": [],
            "qualityProfiles": [],
            "qualityGate": {"key": "1", "name": "Sonar way", "isDefault": True},
            "configuration": {"showSettings": admin, "showQualityProfiles": admin,
                              "showQualityGates": admin, "showLinks": admin,
                              "showPermissions": admin, "showHistory": admin,
                              "showUpdateKey": admin, "showBackgroundTasks": admin,
                              "canApplyPermissionTemplate": False,
                              "canBrowseProject": True},
            "breadcrumbs": [{"key": key, "name": name, "qualifier": "TRK"}],
        }
        if st.mode == "cloud":
            out["organization"] = st.organization
            out["badgeToken"] = st.get_or_create_token(key)
        return Response.json(200, out)

    def api_search(self, method, user, params):
        r = self.need_get(method)
        if r:
            return r
        st = self.server.state
        if st.mode == "cloud" and not params.get("organization"):
            return Response.error(400, "The 'organization' parameter is missing")
        try:
            p = int(params.get("p") or "1")
        except ValueError:
            return Response.error(400, "'%s' is not a valid integer" % params.get("p"))
        try:
            ps = int(params.get("ps") or "100")
        except ValueError:
            return Response.error(400, "'%s' is not a valid integer" % params.get("ps"))
        if ps > 500:
            return Response.error(400, "'ps' value (%d) must be less than 500" % ps)
        if p < 1 or ps < 1:
            return Response.error(400, "page index and page size must be positive")
        if not user.is_system_admin():
            return Response.error(403, "Insufficient privileges")
        q = (params.get("q") or "").lower()
        vis = params.get("visibility") or None
        keys = set(params["projects"].split(",")) if params.get("projects") else None
        quals = (params.get("qualifiers") or "TRK").split(",")
        start = (p - 1) * ps
        total = 0
        comps = []
        for proj in st.iter_projects():
            qual = proj.get("qualifier", "TRK")
            if qual not in quals:
                continue
            key = proj["key"]
            name = proj.get("name", key)
            if q and q not in key.lower() and q not in name.lower():
                continue
            if vis and proj.get("visibility", "private") != vis:
                continue
            if keys is not None and key not in keys:
                continue
            if start <= total < start + ps:
                comps.append({"key": key, "name": name, "qualifier": qual,
                              "visibility": proj.get("visibility", "private"),
                              "lastAnalysisDate": "2025-01-15T10:00:00+0000",
                              "managed": False})
            total += 1
        return Response.json(200, {"paging": {"pageIndex": p, "pageSize": ps, "total": total},
                                   "components": comps})

    def badge(self, method, path, params):
        st = self.server.state
        r = self.need_get(method)
        if r:
            return r
        key = params.get("project") or None
        if key is None:
            return Response.error(400, "The 'project' parameter is missing")

        def err(msg):
            return Response(200, error_svg(msg), "image/svg+xml",
                            [("Cache-Control", "no-cache"),
                             ("Expires", email.utils.formatdate(usegmt=True))])

        allowed = st.profile["metrics"]
        metric = params.get("metric") or None

        def bad_metric():
            if metric is None:
                return Response.error(400, "The 'metric' parameter is missing")
            return Response.error(400, "Value of parameter 'metric' (%s) must be one of: [%s]"
                                  % (metric, ", ".join(allowed)))
        # 9.9 reads the metric before the project (MeasureAction.handle).
        if st.profile["metric_first"] and path.endswith("/measure") and \
                (metric is None or metric not in allowed):
            return bad_metric()
        proj = st.project(key)
        if proj is None:
            return err("Project has not been found")
        token = params.get("token") or None
        with st.lock:
            stored = st.tokens.get(key)
        valid = token is not None and stored is not None and token == stored
        private = proj.get("visibility", "private") != "public"
        if (private or st.force_auth) and not valid:
            return err("Project has not been found")
        branch = params.get("branch") or None
        if branch is not None and branch != proj.get("main_branch", "main") and \
                branch not in proj.get("branches", DEFAULT_BRANCHES):
            return err("Project has not been found")
        passed = proj.get("quality_gate", "OK") == "OK"
        if path.endswith("/quality_gate"):
            if proj.get("analyzed", True) is False:
                return err("Quality gate has not been found")
            svg = badge_svg("quality gate", "passed" if passed else "failed",
                            "#00aa00" if passed else "#d4333f")
        else:
            if metric is None or metric not in allowed:
                return bad_metric()
            if proj.get("analyzed", True) is False:
                return err("Measure has not been found")
            label, value = METRIC_INFO[metric]
            measures = proj.get("measures") or {}
            if metric in measures and measures[metric] is None:
                # A measures row without this metric's value.
                if st.profile["null_measure_500"]:
                    return Response.error(500, "An error has occurred. "
                                          "Please contact your administrator")
                return err("Measure has not been found")
            value = measures.get(metric, value)
            if metric == "alert_status":
                value = "passed" if passed else "failed"
                colour = "#00aa00" if passed else "#d4333f"
            else:
                colour = RATING_COLOURS.get(value, "#999999") if metric.endswith("_rating") else "#999999"
            svg = badge_svg(label, str(value), colour)
        etag = "W/%d" % fnv1a64_signed(svg)
        if self.headers.get("If-None-Match") == etag:
            return Response(304, b"", None, [("Cache-Control", "no-cache")])
        return Response(200, svg, "image/svg+xml", [("Cache-Control", "no-cache"), ("ETag", etag)])


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr, family, state, ssl_ctx, log_path):
        self.address_family = family
        self.state = state
        self.ssl_ctx = ssl_ctx
        self.log_path = log_path
        self.log_lock = threading.Lock()
        super().__init__(addr, Handler)

    def log_line(self, text):
        if not self.log_path:
            return
        line = "%s %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), text)
        with self.log_lock:
            try:
                with open(self.log_path, "a", encoding="utf-8") as f:
                    f.write(line)
            except OSError:
                pass

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        self.log_line("connection error from %s: %r" % (client_address, exc))


def main(argv=None):
    ap = argparse.ArgumentParser(description="SonarQube stand-in for sonarbadge tests")
    ap.add_argument("--config", required=True)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--mode", choices=("server", "cloud"), default="server")
    ap.add_argument("--log")
    ap.add_argument("--context", default="",
                    help="serve the API below this path, e.g. /sonarqube")
    ap.add_argument("--profile", default=None,
                    help="behave as this SonarQube version (profiles.py): "
                         + ", ".join(sorted(profiles.PROFILES)))
    ap.add_argument("--split-writes", action="store_true",
                    help="write each answer's head and body separately (as the "
                         "config key split_writes)")
    ap.add_argument("--nodelay", action="store_true",
                    help="set TCP_NODELAY on accepted sockets (as the config key nodelay)")
    args = ap.parse_args(argv)

    # install the handlers first so an early SIGTERM still means "exit 0"
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    with open(args.config, encoding="utf-8") as f:
        config = json.load(f)
    if args.profile:
        config["profile"] = args.profile
    state = State(config, args.mode)
    state.context = args.context.rstrip("/")
    state.split_writes = state.split_writes or args.split_writes
    state.nodelay = state.nodelay or args.nodelay

    ssl_ctx = None
    if args.cert or args.key:
        if not (args.cert and args.key):
            ap.error("--cert and --key go together")
        ssl_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ssl_ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ssl_ctx.load_cert_chain(args.cert, args.key)

    family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    bind = args.bind.strip("[]")
    server = Server((bind, args.port), family, state, ssl_ctx, args.log)
    port = server.server_address[1]

    if args.port_file:
        tmp = "%s.tmp.%d" % (args.port_file, os.getpid())
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    server.log_line("listening on %s port %d (%s, %s)" % (bind, port, args.mode,
                                                          "TLS" if ssl_ctx else "plain"))

    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    t.start()
    while not stop.is_set():
        stop.wait(0.5)
    server.shutdown()
    server.server_close()
    server.log_line("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
