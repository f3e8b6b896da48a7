#!/usr/bin/env python3
"""Self-check for sonar_standin.py (stdlib only).

Generates certificates into a temp dir, starts the stand-in over TLS on
127.0.0.1 (port 0), two more over TLS that split answers into head and body
writes (one with TCP_NODELAY), and a plain-HTTP instance in cloud mode,
exercises the API, the control endpoints and every fault kind, prints
"N passed, N failed" and exits non-zero on failure.
"""

import base64
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.join(HERE, "sonar_standin.py")
GEN = os.path.join(HERE, "gen_certs.sh")
T = 5.0  # per-socket-operation timeout

ADMIN = "squ_" + "a" * 40
BOB = "squ_" + "b" * 40

CONFIG = {
    "users": {ADMIN: {"login": "admin", "admin_projects": ["*"], "browse_projects": ["*"]},
              BOB: {"login": "bob", "admin_projects": [], "browse_projects": ["*"]}},
    "projects": [{"key": "my:proj", "visibility": "private"},
                 {"key": "pub", "visibility": "public"},
                 {"key": "secret", "visibility": "private"}],
    "generate_projects": 250,
    "force_authentication": True,
}

passed = 0
failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what, flush=True)
    return cond


def fnv1a64_signed(data):
    h = 0xcbf29ce484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h - (1 << 64) if h >= (1 << 63) else h


def basic(tok, colon=True):
    raw = (tok + (":" if colon else "")).encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


class Instance:
    def __init__(self, tmp, name, config, tls_ctx=None, certs=None, mode="server", extra=()):
        self.name = name
        self.ctx = tls_ctx
        cfg = os.path.join(tmp, name + ".json")
        with open(cfg, "w") as f:
            json.dump(config, f)
        self.port_file = os.path.join(tmp, name + ".port")
        self.log = os.path.join(tmp, name + ".log")
        cmd = [sys.executable, STANDIN, "--config", cfg, "--bind", "127.0.0.1", "--port", "0",
               "--port-file", self.port_file, "--mode", mode, "--log", self.log]
        if certs:
            cmd += ["--cert", certs[0], "--key", certs[1]]
        cmd += list(extra)
        self.proc = subprocess.Popen(cmd)
        deadline = time.time() + 10
        while not os.path.exists(self.port_file):
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError("stand-in %s did not start" % name)
            time.sleep(0.05)
        with open(self.port_file) as f:
            self.port = int(f.read().strip())

    def conn(self):
        if self.ctx:
            return http.client.HTTPSConnection("localhost", self.port, timeout=T, context=self.ctx)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=T)

    def request(self, method, path, body=None, headers=None, conn=None):
        c = conn or self.conn()
        try:
            h = dict(headers or {})
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
                h.setdefault("Content-Type", "application/json")
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            return r.status, r, data
        finally:
            if conn is None:
                c.close()

    def ctl(self, method, path, body=None):
        st, _, data = self.request(method, "/_standin/" + path, body)
        assert st == 200, (st, data)
        return json.loads(data)

    def raw_socket(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=T)
        if self.ctx:
            s = self.ctx.wrap_socket(s, server_hostname="localhost")
        s.settimeout(T)
        return s

    def raw(self, request_bytes, sock=None, read_until_eof=True):
        """Send raw bytes; return (data, eof) where eof says the peer closed."""
        s = sock or self.raw_socket()
        s.sendall(request_bytes)
        chunks = []
        eof = False
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    eof = True
                    break
                chunks.append(d)
                if not read_until_eof:
                    break
        except (socket.timeout, TimeoutError):
            pass
        except (ssl.SSLError, ConnectionError):
            eof = True
        if sock is None:
            s.close()
        return b"".join(chunks), eof

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        return self.proc.returncode


def get_req(path, token=ADMIN, extra=""):
    return ("GET %s HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\n%s\r\n"
            % (path, token, extra)).encode()


def test_server(inst, certdir):
    # --- tokens -------------------------------------------------------------
    inst.ctl("POST", "reset")
    c = inst.conn()
    st, r, body = inst.request("GET", "/api/project_badges/token?project=my%3Aproj", headers=basic(ADMIN), conn=c)
    check(st == 200 and r.getheader("Content-Type") == "application/json", "token 200 json")
    tok1 = json.loads(body)["token"]
    check(re.fullmatch(r"sqb_[0-9a-f]{40}", tok1), "token format %s" % tok1)
    st, r, body = inst.request("GET", "/api/project_badges/token?project=my:proj",
                               headers={"Authorization": "bEaReR " + ADMIN}, conn=c)
    check(st == 200 and json.loads(body)["token"] == tok1, "token stable (bearer, case-insensitive)")
    c.close()
    s = inst.ctl("GET", "stats")
    check(s["connections"] == 1 and s["handshakes"] == 1 and s["requests"] == 2,
          "keep-alive: one connection for two requests: %r" % s)
    check(s["request_lines"] == ["GET /api/project_badges/token"] * 2, "request_lines %r" % s["request_lines"])
    check(s["tokens"].get("my:proj") == tok1, "stats tokens")

    # --- renew ----------------------------------------------------------------
    st, r, body = inst.request("POST", "/api/project_badges/renew_token", body="project=my%3Aproj",
                               headers=dict(basic(ADMIN), **{"Content-Type": "application/x-www-form-urlencoded"}))
    check(st == 204 and body == b"" and r.getheader("Content-Length") is None, "renew 204 empty")
    st, _, body = inst.request("GET", "/api/project_badges/token?project=my:proj", headers=basic(ADMIN))
    tok2 = json.loads(body)["token"]
    check(tok2 != tok1 and re.fullmatch(r"sqb_[0-9a-f]{40}", tok2), "token changed after renew")
    check(inst.ctl("GET", "stats")["renewals"] == {"my:proj": 1}, "renewals counted")
    st, _, _ = inst.request("POST", "/api/project_badges/renew_token?project=my:proj", headers=basic(BOB))
    check(st == 403, "bob renew -> 403")
    st, _, body = inst.request("GET", "/api/project_badges/renew_token?project=my:proj", headers=basic(ADMIN))
    check(st == 405 and b"HTTP method POST is required" in body, "GET renew -> 405")
    st, _, body = inst.request("POST", "/api/project_badges/token?project=my:proj", headers=basic(ADMIN))
    check(st == 405 and b"HTTP method GET is required" in body, "POST token -> 405")
    st, r, body = inst.request("GET", "/api/project_badges/token?project=nope", headers=basic(ADMIN))
    check(st == 400 and json.loads(body) == {"errors": [{"msg": "Project or Application not found"}]}
          and r.getheader("Content-Type") == "application/json", "unknown project -> 400")
    st, _, body = inst.request("GET", "/api/project_badges/token", headers=basic(ADMIN))
    check(st == 400 and b"The 'project' parameter is missing" in body, "missing project -> 400")
    st, _, body = inst.request("GET", "/api/project_badges/token?project=bulk-0250", headers=basic(BOB))
    check(st == 200, "bob can read token of generated project")

    # --- auth -----------------------------------------------------------------
    for hdrs, what in (({}, "no auth"), (basic("squ_wrong"), "unknown token"),
                       (basic(ADMIN, colon=False), "basic without colon"),
                       ({"Authorization": "Bearer squ_nope"}, "bad bearer")):
        st, r, body = inst.request("GET", "/api/project_badges/token?project=my:proj", headers=hdrs)
        check(st == 401 and body == b"" and r.getheader("Content-Length") == "0", "401 empty: " + what)

    # --- badges ---------------------------------------------------------------
    st, r, body = inst.request("GET", "/api/project_badges/measure?project=my:proj&metric=coverage&token=" + tok1)
    check(st == 200 and r.getheader("Content-Type") == "image/svg+xml" and b"Project has not been found" in body
          and r.getheader("ETag") is None and r.getheader("Expires") and r.getheader("Cache-Control") == "no-cache",
          "old token -> error svg")
    st, r, body = inst.request("GET", "/api/project_badges/measure?project=my:proj&metric=coverage&token=" + tok2,
                               headers=basic("garbage"))
    etag = r.getheader("ETag")
    check(st == 200 and b"coverage" in body and etag == "W/%d" % fnv1a64_signed(body)
          and r.getheader("Cache-Control") == "no-cache", "new token -> badge with etag (auth ignored)")
    st, r, body = inst.request("GET", "/api/project_badges/measure?project=my:proj&metric=coverage&token=" + tok2,
                               headers={"If-None-Match": etag})
    check(st == 304 and body == b"", "If-None-Match -> 304")
    st, r, body = inst.request("GET", "/api/project_badges/quality_gate?project=my:proj&branch=feature/x&token=" + tok2)
    check(st == 200 and b"passed" in body and r.getheader("ETag"), "quality_gate feature/x branch")
    st, r, body = inst.request("GET", "/api/project_badges/quality_gate?project=my:proj&branch=nobranch&token=" + tok2)
    check(st == 200 and b"Project has not been found" in body, "unknown branch -> error svg")
    st, r, body = inst.request("GET", "/api/project_badges/measure?project=my:proj&token=" + tok2)
    check(st == 400 and b"The 'metric' parameter is missing" in body, "metric missing -> 400")
    st, r, body = inst.request("GET", "/api/project_badges/measure?project=my:proj&metric=foo&token=" + tok2)
    check(st == 400 and b"Value of parameter 'metric' (foo) must be one of: [coverage," in body, "bad metric -> 400")
    st, r, body = inst.request("GET", "/api/project_badges/measure?project=nope&metric=foo")
    check(st == 200 and b"Project has not been found" in body, "unknown project + bad metric -> error svg")
    st, r, body = inst.request("GET", "/api/project_badges/measure?project=pub&metric=bugs")
    check(st == 200 and b"Project has not been found" in body, "public + forceAuth without token -> error svg")

    # --- navigation / search / unknown ---------------------------------------
    st, _, body = inst.request("GET", "/api/navigation/component?component=my:proj", headers=basic(ADMIN))
    j = json.loads(body)
    check(st == 200 and j["configuration"]["showSettings"] is True and "badgeToken" not in j
          and j["breadcrumbs"][0]["key"] == "my:proj", "navigation/component admin")
    st, _, body = inst.request("GET", "/api/navigation/component?component=my:proj", headers=basic(BOB))
    check(st == 200 and json.loads(body)["configuration"]["showSettings"] is False, "navigation/component bob")
    st, _, body = inst.request("GET", "/api/navigation/component?component=zz", headers=basic(ADMIN))
    check(st == 404 and b"Component key 'zz' not found" in body, "navigation/component unknown")
    st, _, body = inst.request("GET", "/api/projects/search?ps=100&p=3", headers=basic(ADMIN))
    j = json.loads(body)
    check(st == 200 and j["paging"] == {"pageIndex": 3, "pageSize": 100, "total": 253}
          and len(j["components"]) == 53 and j["components"][-1]["key"] == "bulk-0250", "projects/search paging")
    st, _, body = inst.request("GET", "/api/projects/search?q=PROJ", headers=basic(ADMIN))
    check(st == 200 and json.loads(body)["paging"]["total"] == 251, "projects/search q")
    st, _, body = inst.request("GET", "/api/projects/search?ps=501", headers=basic(ADMIN))
    check(st == 400 and b"'ps' value (501) must be less than 500" in body, "ps>500 -> 400")
    st, _, _ = inst.request("GET", "/api/projects/search", headers=basic(BOB))
    check(st == 403, "projects/search bob -> 403")
    st, _, body = inst.request("GET", "/api/foo/bar?x=1", headers=basic(ADMIN))
    check(st == 404 and json.loads(body) == {"errors": [{"msg": "Unknown url : /api/foo/bar"}]}, "unknown url -> 404")

    # --- faults -------------------------------------------------------------
    inst.ctl("POST", "reset")
    q = inst.ctl("POST", "faults", [{"path": "/api/", "kind": "status", "status": 503, "count": 2,
                                      "body": "{\"errors\":[]}", "headers": {"Retry-After": "1"}}])
    check(q["pending"] == 1, "fault queued")
    check(inst.ctl("GET", "stats")["faults_pending"] == 1, "control works while faults queued")
    for i in range(2):
        st, r, body = inst.request("GET", "/api/project_badges/token?project=my:proj", headers=basic(ADMIN))
        check(st == 503 and r.getheader("Retry-After") == "1" and r.getheader("Content-Type") == "application/json",
              "status fault %d" % i)
    st, _, _ = inst.request("GET", "/api/project_badges/token?project=my:proj", headers=basic(ADMIN))
    check(st == 200, "status fault count exhausted")

    inst.ctl("POST", "faults", [{"path": "/api/project_badges/token", "kind": "chunked", "chunk_size": 5}])
    data, _ = inst.raw(get_req("/api/project_badges/token?project=my:proj"), read_until_eof=False)
    head = data.partition(b"\r\n\r\n")[0]
    ok = b"Transfer-Encoding: chunked" in head and b"Content-Length" not in head
    check(ok, "chunked header")
    inst.ctl("POST", "faults", [{"path": "/api/project_badges/token", "kind": "chunked", "chunk_size": 5}])
    st, r, body = inst.request("GET", "/api/project_badges/token?project=my:proj", headers=basic(ADMIN))
    check(st == 200 and json.loads(body)["token"].startswith("sqb_") and r.getheader("Transfer-Encoding") == "chunked",
          "chunked body decodes")
    inst.ctl("POST", "faults", [{"path": "/api/project_badges/token", "kind": "chunked", "chunk_size": 5}])
    sock = inst.raw_socket()
    sock.sendall(get_req("/api/project_badges/token?project=my:proj", extra="Connection: close\r\n"))
    data = b""
    try:
        while True:
            d = sock.recv(65536)
            if not d:
                break
            data += d
    except (socket.timeout, ssl.SSLError):
        pass
    sock.close()
    check(b"\r\n5;ext=1\r\n{\"tok\r\n" in data and data.endswith(b"0\r\nX-Trailer: 1\r\n\r\n"),
          "chunk extension and trailer: %r" % data[-60:])

    inst.ctl("POST", "faults", [{"path": "/api/", "kind": "close"}])
    c = inst.conn()
    st, r, _ = inst.request("GET", "/api/project_badges/token?project=my:proj", headers=basic(ADMIN), conn=c)
    check(st == 200 and (r.getheader("Connection") or "").lower() == "close", "close fault header")
    c.close()

    inst.ctl("POST", "faults", [{"path": "/api/", "kind": "idle_close"}])
    sock = inst.raw_socket()
    data, eof = inst.raw(get_req("/api/project_badges/token?project=my:proj"), sock=sock)
    sock.close()
    check(data.startswith(b"HTTP/1.1 200") and b"Connection: close" not in data and eof, "idle_close")

    inst.ctl("POST", "faults", [{"path": "/api/", "kind": "drip", "interval": 0.002}])
    t0 = time.time()
    st, _, body = inst.request("GET", "/api/project_badges/token?project=my:proj", headers=basic(ADMIN))
    check(st == 200 and "token" in json.loads(body) and time.time() - t0 > 0.2, "drip")

    inst.ctl("POST", "faults", [{"path": "/api/", "kind": "garbage"}])
    data, eof = inst.raw(get_req("/api/project_badges/token?project=my:proj"))
    check(data == b"HELLO\r\n\r\n" and eof, "garbage: %r" % data)

    inst.ctl("POST", "faults", [{"path": "/api/", "kind": "raw",
                                 "data": "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"}])
    data, eof = inst.raw(get_req("/api/x"))
    check(data == b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi" and eof, "raw")

    inst.ctl("POST", "faults", [{"path": "/api/", "kind": "continue"}])
    sock = inst.raw_socket()
    data, _ = inst.raw(get_req("/api/project_badges/token?project=my:proj"), sock=sock, read_until_eof=False)
    sock.close()
    check(data.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK"), "continue raw")
    inst.ctl("POST", "faults", [{"path": "/api/", "kind": "continue"}])
    st, _, body = inst.request("GET", "/api/project_badges/token?project=my:proj", headers=basic(ADMIN))
    check(st == 200 and b"token" in body, "continue via http.client")

    before = inst.ctl("GET", "stats")
    inst.ctl("POST", "faults", [{"path": "/api/project_badges/renew_token", "kind": "drop_before"}])
    data, eof = inst.raw(b"POST /api/project_badges/renew_token?project=my:proj HTTP/1.1\r\nHost: x\r\n"
                         b"Authorization: Bearer " + ADMIN.encode() + b"\r\nContent-Length: 0\r\n\r\n")
    after = inst.ctl("GET", "stats")
    check(data == b"" and eof and after["tokens"]["my:proj"] == before["tokens"]["my:proj"]
          and after["renewals"] == before["renewals"], "drop_before: no response, no renewal")
    inst.ctl("POST", "faults", [{"path": "/api/project_badges/renew_token", "kind": "drop_after"}])
    data, eof = inst.raw(b"POST /api/project_badges/renew_token HTTP/1.1\r\nHost: x\r\n"
                         b"Authorization: Bearer " + ADMIN.encode() + b"\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 17\r\n\r\n"
                         b"project=my%3Aproj")
    after2 = inst.ctl("GET", "stats")
    check(data == b"" and eof and after2["tokens"]["my:proj"] != after["tokens"]["my:proj"]
          and after2["renewals"].get("my:proj") == after["renewals"].get("my:proj", 0) + 1,
          "drop_after: no response, renewal applied")

    # fault applies only to matching path prefix; faults never apply to /_standin/
    inst.ctl("POST", "faults", [{"path": "/", "kind": "drop_before", "count": 3}])
    check(inst.ctl("GET", "stats")["faults_pending"] == 1, "/_standin/ immune to faults")
    inst.ctl("POST", "reset")
    s = inst.ctl("GET", "stats")
    check(s["faults_pending"] == 0 and s["requests"] == 0 and s["connections"] == 0
          and s["tokens"].get("my:proj"), "reset clears counters/faults, keeps tokens")
    inst.ctl("POST", "reset", {"tokens": True})
    check(inst.ctl("GET", "stats")["tokens"] == {}, "reset tokens")

    # --- TLS handshake failure is counted and does not block -------------------
    inst.ctl("POST", "reset")
    rogue = ssl.create_default_context(cafile=os.path.join(certdir, "rogue_ca.pem"))
    try:
        s = rogue.wrap_socket(socket.create_connection(("127.0.0.1", inst.port), timeout=T),
                              server_hostname="localhost")
        s.close()
        check(False, "rogue CA client should fail")
    except ssl.SSLError:
        check(True, "client rejects server cert")
    deadline = time.time() + 3
    while True:
        s = inst.ctl("GET", "stats")
        if s["handshake_failures"] >= 1 or time.time() > deadline:
            break
        time.sleep(0.05)
    check(s["handshake_failures"] == 1 and s["connections"] == 1 and s["handshakes"] == 0,
          "handshake failure counted: %r" % s)
    st, _, _ = inst.request("GET", "/api/project_badges/token?project=my:proj", headers=basic(ADMIN))
    check(st == 200, "server still serving after aborted handshake")


def test_cloud(inst):
    st, _, body = inst.request("GET", "/api/project_badges/token?project=my:proj", headers=basic(ADMIN))
    check(st == 404 and b"Unknown url : /api/project_badges/token" in body, "cloud: token -> 404")
    st, _, body = inst.request("POST", "/api/project_badges/renew_token?project=my:proj", headers=basic(ADMIN))
    check(st == 404, "cloud: renew -> 404")
    st, _, _ = inst.request("GET", "/api/navigation/component?component=my:proj")
    check(st == 401, "cloud: 401 without auth")
    st, r, body = inst.request("GET", "/api/navigation/component?component=my:proj", headers=basic(ADMIN))
    tok = json.loads(body).get("badgeToken", "")
    check(st == 200 and re.fullmatch(r"[0-9a-f]{40}", tok) and r.getheader("Transfer-Encoding") == "chunked",
          "cloud: badgeToken (chunked config)")
    st, r, body = inst.request("GET", "/api/project_badges/quality_gate?project=my:proj&token=" + tok)
    check(st == 200 and r.getheader("ETag") and b"quality gate" in body, "cloud: badge with bare token")
    st, _, body = inst.request("GET", "/api/projects/search", headers=basic(ADMIN))
    check(st == 400 and b"The 'organization' parameter is missing" in body, "cloud: organization required")
    st, _, body = inst.request("GET", "/api/projects/search?organization=o", headers=basic(ADMIN))
    check(st == 200 and json.loads(body)["paging"]["total"] == 253, "cloud: search with organization")
    s = inst.ctl("GET", "stats")
    check(s["handshakes"] == 0 and s["requests"] == 7, "cloud stats (plain http): %r" % s)


def test_split_writes(plain, split, nodelay):
    """--split-writes: head and body in two socket writes (the stand-in
    counts them); Nagle stays on unless --nodelay. No timing is judged."""
    for inst in (plain, split, nodelay):
        inst.ctl("POST", "reset")
    for inst, per_answer, what in ((plain, 1, "one write"), (split, 2, "split"),
                                   (nodelay, 2, "split, nodelay")):
        c = inst.conn()
        st, r, body = inst.request("GET", "/api/project_badges/token?project=my:proj",
                                   headers=basic(ADMIN), conn=c)
        ok = st == 200 and int(r.getheader("Content-Length")) == len(body)
        tok = json.loads(body)["token"] if ok else ""
        check(ok and re.fullmatch(r"sqb_[0-9a-f]{40}", tok), "%s: token answer whole" % what)
        st, _, body = inst.request("POST", "/api/project_badges/renew_token",
                                   body="project=my:proj", conn=c,
                                   headers=dict(basic(ADMIN), **{
                                       "Content-Type": "application/x-www-form-urlencoded"}))
        check(st == 204 and body == b"", "%s: renew 204 on the same connection" % what)
        st, _, body = inst.request("GET", "/api/project_badges/token?project=my:proj",
                                   headers=basic(ADMIN), conn=c)
        check(st == 200 and json.loads(body)["token"] not in ("", tok), "%s: new token" % what)
        c.close()
        s = inst.ctl("GET", "stats")
        # two answers with a body, one 204 without
        check(s["requests"] == 3 and s["response_writes"] == 2 * per_answer + 1,
              "%s: response_writes %r for 3 answers" % (what, s["response_writes"]))
        check(s["split_writes"] == (per_answer == 2), "%s: split_writes in stats" % what)
    check(plain.ctl("GET", "stats")["nodelay_connections"] == 0, "default: Nagle on")
    check(split.ctl("GET", "stats")["nodelay_connections"] == 0, "--split-writes: Nagle on")
    s = nodelay.ctl("GET", "stats")
    check(s["nodelay_connections"] == s["accepted"] and s["accepted"] >= 1,
          "--nodelay: TCP_NODELAY on every accepted socket %r" % s)
    # a delay fault still splits; a status fault is sent whole
    split.ctl("POST", "reset")
    split.ctl("POST", "faults", [{"path": "/api/project_badges/token", "kind": "delay",
                                  "seconds": 0.01},
                                 {"path": "/api/project_badges/token", "kind": "status",
                                  "status": 503, "body": "{}"}])
    st, _, _ = split.request("GET", "/api/project_badges/token?project=my:proj", headers=basic(ADMIN))
    st2, _, _ = split.request("GET", "/api/project_badges/token?project=my:proj", headers=basic(ADMIN))
    s = split.ctl("GET", "stats")
    check(st == 200 and st2 == 503 and s["response_writes"] == 3,
          "delay split, status fault whole: %r %r %r" % (st, st2, s["response_writes"]))


def main():
    t_start = time.time()
    tmp = tempfile.mkdtemp(prefix="standin-selftest.")
    instances = []
    try:
        certdir = os.path.join(tmp, "certs")
        subprocess.run(["bash", GEN, certdir], check=True, timeout=30)
        for n in ("ca.key", "server.key", "wronghost.key", "rogue_ca.key", "rogue_server.key"):
            check(os.stat(os.path.join(certdir, n)).st_mode & 0o777 == 0o600, "key mode 0600: " + n)
        ctx = ssl.create_default_context(cafile=os.path.join(certdir, "ca.pem"))
        srv = Instance(tmp, "server", CONFIG, ctx,
                       (os.path.join(certdir, "server.pem"), os.path.join(certdir, "server.key")))
        instances.append(srv)
        cloud_cfg = dict(CONFIG, chunked=True)
        cloud = Instance(tmp, "cloud", cloud_cfg, None, None, mode="cloud")
        instances.append(cloud)
        try:
            test_server(srv, certdir)
        except Exception as e:  # noqa: BLE001
            import traceback
            traceback.print_exc()
            check(False, "server tests raised %r" % e)
        split_cfg = dict(CONFIG, split_writes=True)  # the config key
        split = Instance(tmp, "split", split_cfg, ctx,
                         (os.path.join(certdir, "server.pem"), os.path.join(certdir, "server.key")))
        instances.append(split)
        nodelay = Instance(tmp, "nodelay", CONFIG, ctx,
                           (os.path.join(certdir, "server.pem"), os.path.join(certdir, "server.key")),
                           extra=["--split-writes", "--nodelay"])  # the flags
        instances.append(nodelay)
        try:
            test_split_writes(srv, split, nodelay)
        except Exception as e:  # noqa: BLE001
            import traceback
            traceback.print_exc()
            check(False, "split-writes tests raised %r" % e)
        try:
            test_cloud(cloud)
        except Exception as e:  # noqa: BLE001
            import traceback
            traceback.print_exc()
            check(False, "cloud tests raised %r" % e)
        with open(srv.log) as f:
            log = f.read()
        check("GET /api/project_badges/token -> 200" in log and ADMIN not in log, "log file, no secrets")
        t0 = time.time()
        rc = srv.stop()
        check(rc == 0 and time.time() - t0 < 3, "SIGTERM -> exit 0 promptly (rc=%r)" % rc)
    finally:
        for i in instances:
            i.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed (%.1fs)" % (passed, failed, time.time() - t_start))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
