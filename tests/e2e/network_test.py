#!/usr/bin/env python3
"""Network end-to-end tests: real peers started here on loopback.

- nginx (Debian) terminating TLS in front of the stand-in, passing its
  answers through (chunked included), redirecting some paths, and a
  second server that requires a client certificate;
- tinyproxy (Debian) as a CONNECT proxy, with and without Basic auth;
- openssl s_server serving an expired, a self-signed, a wrong-chain and a
  client-certificate-requiring server: each failure asserts the exit code
  and that no HTTP request line reached the server;
- the stand-in for retries (503 with Retry-After, 429 storms), IPv6
  literals, --resolve, pinning, SONAR_ROOT_CERT, --capath and DER files.

Prints one line per failure and ends with "N passed, N failed"; a suite
whose peer program is missing counts its tests as skipped, and says so.
"""

import base64
import os
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_test as base  # noqa: E402  (the stand-in wrapper)
import sbtest_common as common  # noqa: E402

check = base.check
ADMIN = base.ADMIN


def free_port(family=socket.AF_INET, host="127.0.0.1"):
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_port(port, host="127.0.0.1", timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection((host, port), 0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class Peers:
    def __init__(self):
        self.env = base.Env()
        self.work = self.env.work
        self.certs = os.path.join(self.work, "certs")
        self.procs = []
        try:
            self.backend = self.env.start("backend", None)
            self.v6 = self.env.start("v6", "server", extra=("--bind", "::1"))
            self.nginx_port = self.nginx_mtls_port = None
            if shutil.which("nginx"):
                self.start_nginx()
            self.proxy_port = self.proxy_auth_port = None
            self.proxy_strict_port = None
            if shutil.which("tinyproxy"):
                self.proxy_port = self.start_tinyproxy("open", None)
                self.proxy_auth_port = self.start_tinyproxy(
                    "auth", ("bob", "s3cret"))
                # CONNECT to port 443 only, as Debian's default config.
                self.proxy_strict_port = self.start_tinyproxy(
                    "strict", None, ("ConnectPort 443",))
        except BaseException:
            self.close()
            raise

    def cert(self, name):
        return os.path.join(self.certs, name)

    def spawn(self, args, name):
        log = open(os.path.join(self.work, name + ".out"), "w")
        p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(p)
        return p

    def start_nginx(self):
        self.nginx_port = free_port()
        self.nginx_mtls_port = free_port()
        tmp = os.path.join(self.work, "nginx")
        os.makedirs(tmp)
        up = "http://127.0.0.1:%d" % self.backend.port
        proxy = ("proxy_pass %s; proxy_http_version 1.1; "
                 "proxy_set_header Connection \"\"; proxy_buffering off;"
                 % up)
        conf = """
worker_processes 1;
daemon off;
user root;
pid {t}/nginx.pid;
error_log {t}/error.log warn;
events {{ worker_connections 64; }}
http {{
  access_log {t}/access.log;
  client_body_temp_path {t}/body; proxy_temp_path {t}/proxy;
  fastcgi_temp_path {t}/fcgi; uwsgi_temp_path {t}/uwsgi; scgi_temp_path {t}/scgi;
  server {{
    listen 127.0.0.1:{p1} ssl;
    ssl_certificate {c}/server.pem; ssl_certificate_key {c}/server.key;
    location = /redirected/api/project_badges/token {{
      return 302 /api/project_badges/token?$args; }}
    location = /elsewhere/api/project_badges/token {{
      return 302 https://other.example:{p1}/api/project_badges/token?$args; }}
    location = /tohttp/api/project_badges/token {{
      return 301 http://localhost:{p1}/api/project_badges/token?$args; }}
    location / {{ {proxy} }}
  }}
  server {{
    listen 127.0.0.1:{p2} ssl;
    ssl_certificate {c}/server.pem; ssl_certificate_key {c}/server.key;
    ssl_client_certificate {c}/ca.pem; ssl_verify_client on;
    location / {{ {proxy} }}
  }}
}}
""".format(t=tmp, c=self.certs, p1=self.nginx_port, p2=self.nginx_mtls_port,
           proxy=proxy)
        path = os.path.join(tmp, "nginx.conf")
        with open(path, "w") as f:
            f.write(conf)
        self.spawn(["nginx", "-c", path], "nginx")
        if not (wait_port(self.nginx_port) and wait_port(self.nginx_mtls_port)):
            raise RuntimeError("nginx did not start: " + open(
                os.path.join(tmp, "error.log")).read()[-500:])

    def start_tinyproxy(self, name, auth, extra=()):
        port = free_port()
        d = os.path.join(self.work, "tinyproxy-" + name)
        os.makedirs(d)
        lines = ["Port %d" % port, "Listen 127.0.0.1", "Timeout 30",
                 "LogLevel Info", 'LogFile "%s/log"' % d,
                 'PidFile "%s/pid"' % d, "MaxClients 20"] + list(extra)
        if auth:
            lines.append("BasicAuth %s %s" % auth)
        with open(os.path.join(d, "conf"), "w") as f:
            f.write("\n".join(lines) + "\n")
        self.spawn(["tinyproxy", "-d", "-c", os.path.join(d, "conf")],
                   "tinyproxy-" + name)
        if not wait_port(port):
            raise RuntimeError("tinyproxy did not start")
        return port

    def proxy_log(self, name):
        try:
            with open(os.path.join(self.work, "tinyproxy-" + name, "log")) as f:
                return f.read()
        except OSError:
            return ""

    def s_server(self, cert, key, extra=()):
        """openssl s_server for one connection; returns (proc, port)."""
        port = free_port()
        args = ["openssl", "s_server", "-accept", "127.0.0.1:%d" % port,
                "-cert", self.cert(cert), "-key", self.cert(key)] + list(extra)
        p = subprocess.Popen(args, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, stdin=subprocess.PIPE)
        self.procs.append(p)
        if not wait_port(port):
            raise RuntimeError("s_server did not start")
        return p, port

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
        self.env.close()


def run(peers, *args, **kw):
    return peers.env.run(*args, **kw)


def s_server_output(p):
    """What s_server printed (it echoes the data it received)."""
    p.terminate()
    try:
        out, _ = p.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    return out.decode("latin-1")


# ---------------------------------------------------------------- tests

def need(value, what):
    if value is None:
        raise common.SkipTest(what + " is not installed")


def t_nginx_front(peers):
    need(peers.nginx_port, "nginx")
    url = "https://localhost:%d" % peers.nginx_port
    rc, out, err, _ = run(peers, "token", "my:proj", url=url)
    check(rc == 0 and base.TOKEN_RE.match(out.strip()), err)
    # Chunked answers pass through nginx.
    peers.backend.faults({"path": "/api/project_badges/token",
                          "kind": "chunked", "chunk_size": 5, "count": 2})
    rc, out, err, _ = run(peers, "renew", "my:proj", url=url)
    check(rc == 0 and base.TOKEN_RE.match(out.strip()), err)


def t_nginx_redirects(peers):
    need(peers.nginx_port, "nginx")
    host = "https://localhost:%d" % peers.nginx_port
    rc, out, err, _ = run(peers, "-v", "token", "my:proj",
                          url=host + "/redirected")
    check(rc == 0 and base.TOKEN_RE.match(out.strip()), err)
    check("following the HTTP 302 redirect" in err, "no redirect seen")
    rc, out, err, _ = run(peers, "token", "my:proj", url=host + "/elsewhere")
    check(rc == 7 and "another server" in err, "rc=%d %s" % (rc, err))
    rc, out, err, _ = run(peers, "token", "my:proj", url=host + "/tohttp")
    check(rc == 7 and "https to http" in err, "rc=%d %s" % (rc, err))


def t_client_certificate(peers):
    need(peers.nginx_mtls_port, "nginx")
    url = "https://localhost:%d" % peers.nginx_mtls_port
    rc, out, err, _ = run(peers, "token", "my:proj", url=url)
    check(rc == 4 and out == "" and "requires a client certificate" in err,
          "without a cert: rc=%d %s" % (rc, err))
    base.one_line_error(err)
    rc, out, err, _ = run(peers, "--cert", peers.cert("client.pem"),
                          "--key", peers.cert("client.key"), "token",
                          "my:proj", url=url)
    check(rc == 0 and base.TOKEN_RE.match(out.strip()), err)
    # The encrypted key, its passphrase from a file, then from the env.
    pw = peers.cert("client_pass.txt")
    os.chmod(pw, 0o600)
    rc, out, err, _ = run(peers, "--cert", peers.cert("client.pem"),
                          "--key", peers.cert("client_enc.key"),
                          "--key-passphrase-file", pw, "token", "my:proj",
                          url=url)
    check(rc == 0, "passphrase file: " + err)
    with open(pw) as f:
        secret = f.read().strip()
    rc, out, err, _ = run(peers, "--cert", peers.cert("client.pem"),
                          "--key", peers.cert("client_enc.key"), "token",
                          "my:proj", url=url,
                          env={"SONAR_KEY_PASSPHRASE": secret})
    check(rc == 0, "SONAR_KEY_PASSPHRASE: " + err)
    rc, out, err, _ = run(peers, "--cert", peers.cert("client.pem"),
                          "--key", peers.cert("client_enc.key"), "token",
                          "my:proj", url=url)
    check(rc == 2 and "passphrase" in err, "no passphrase: %d %s" % (rc, err))
    check(secret not in err, "passphrase leaked")


def t_tinyproxy_connect(peers):
    need(peers.proxy_port, "tinyproxy")
    proxy = "http://127.0.0.1:%d" % peers.proxy_port
    before = peers.proxy_log("open").count("CONNECT localhost:%d"
                                           % peers.env.main.port)
    rc, out, err, _ = run(peers, "--proxy", proxy, "renew", "my:proj")
    check(rc == 0 and base.TOKEN_RE.match(out.strip()), err)
    time.sleep(0.2)
    after = peers.proxy_log("open").count("CONNECT localhost:%d"
                                          % peers.env.main.port)
    check(after == before + 1, "one CONNECT through the proxy: %d"
          % (after - before))
    # From the environment, as curl reads it.
    rc, out, err, _ = run(peers, "token", "my:proj",
                          env={"https_proxy": proxy})
    check(rc == 0, "https_proxy: " + err)
    time.sleep(0.2)
    check(peers.proxy_log("open").count("CONNECT localhost:%d"
                                        % peers.env.main.port) == after + 1,
          "https_proxy not used")


def t_tinyproxy_forward(peers):
    """An http:// base through a proxy goes in absolute form, as curl
    sends it, so a proxy that allows CONNECT to port 443 only (Debian's
    tinyproxy default, Squid's too) still carries it; -p forces CONNECT."""
    need(peers.proxy_strict_port, "tinyproxy")
    proxy = "http://127.0.0.1:%d" % peers.proxy_strict_port
    url = peers.backend.url()
    target = "GET http://localhost:%d/api/project_badges/token" % peers.backend.port
    before = peers.proxy_log("strict").count(target)
    rc, out, err, _ = run(peers, "--proxy", proxy, "token", "my:proj", url=url)
    check(rc == 0 and base.TOKEN_RE.match(out.strip()), "forwarded: " + err)
    time.sleep(0.2)
    check(peers.proxy_log("strict").count(target) == before + 1,
          "not forwarded in absolute form: " + peers.proxy_log("strict")[-300:])
    # http_proxy (lowercase) is the variable for an http:// URL.
    rc, out, err, _ = run(peers, "token", "my:proj", url=url,
                          env={"http_proxy": proxy})
    check(rc == 0, "http_proxy: " + err)
    time.sleep(0.2)
    check(peers.proxy_log("strict").count(target) == before + 2,
          "http_proxy not used")
    rc, out, err, _ = run(peers, "-p", "--proxy", proxy, "token", "my:proj",
                          url=url)
    check(rc == 3 and "refused the tunnel" in err and "403" in err,
          "-p through a proxy that refuses CONNECT: rc=%d %s" % (rc, err))
    # With credentials, on every request, and masked in -v.
    need(peers.proxy_auth_port, "tinyproxy")
    good = "http://bob:s3cret@127.0.0.1:%d" % peers.proxy_auth_port
    rc, out, err, _ = run(peers, "-v", "--proxy", good, "renew", "my:proj",
                          url=url)
    check(rc == 0, "forwarded with credentials: " + err)
    check("> GET http://localhost:%d/" % peers.backend.port in err and
          "> POST http://localhost:%d/" % peers.backend.port in err,
          "absolute form not shown: " + err)
    check(err.count("Proxy-Authorization: Basic [redacted]") >= 2,
          "Proxy-Authorization not on every request: " + err)
    check("s3cret" not in err and
          base64.b64encode(b"bob:s3cret").decode() not in err, "leak")
    rc, out, err, _ = run(peers, "--proxy", good.replace("bob:s3cret@", ""),
                          "token", "my:proj", url=url)
    check(rc == 3 and "407" in err and "proxy" in err,
          "no credentials: rc=%d %s" % (rc, err))
    # After the clear-text warning of an http:// URL, one error line.
    lines = [l for l in err.splitlines() if "warning" not in l]
    check(len(lines) == 1 and lines[0].startswith("sonarbadge: "),
          "one error line: %r" % err)


def t_noproxy_bypass(peers):
    dead = "http://127.0.0.1:%d" % free_port()
    for env in ({"HTTPS_PROXY": dead, "NO_PROXY": "localhost"},
                {"https_proxy": dead, "no_proxy": "example.com,.localhost"},
                {"ALL_PROXY": dead, "no_proxy": "*"}):
        rc, out, err, _ = run(peers, "token", "my:proj", env=env)
        check(rc == 0, "%s: %s" % (env, err))
    rc, out, err, _ = run(peers, "--noproxy", "localhost", "--proxy", dead,
                          "token", "my:proj")
    check(rc == 0, "--noproxy: " + err)
    rc, out, err, _ = run(peers, "--proxy", dead, "token", "my:proj")
    check(rc == 3 and "proxy" in err, "dead proxy: rc=%d %s" % (rc, err))


def t_proxy_auth(peers):
    need(peers.proxy_auth_port, "tinyproxy")
    # Percent-encoded in the URL (%65 is "e"), decoded before use.
    good = "http://bob:s3cr%%65t@127.0.0.1:%d" % peers.proxy_auth_port
    rc, out, err, _ = run(peers, "-v", "--proxy", good, "token", "my:proj")
    check(rc == 0, "with credentials: " + err)
    check("s3cr" not in err and base64.b64encode(b"bob:s3cret").decode()
          not in err, "proxy password in verbose output")
    check("Proxy-Authorization: Basic [redacted]" in err, "not shown masked")
    bad = "http://bob:wrong@127.0.0.1:%d" % peers.proxy_auth_port
    rc, out, err, _ = run(peers, "--proxy", bad, "token", "my:proj")
    # tinyproxy answers wrong credentials with 401, none with 407.
    check(rc == 3 and ("407" in err or "401" in err) and "wrong" not in err,
          "refused: rc=%d %s" % (rc, err))
    check("retrying" not in err, "a refusal is not retried")
    check("***" in err and "127.0.0.1:%d" % peers.proxy_auth_port in err,
          "proxy not named: " + err)
    rc, out, err, _ = run(peers, "--proxy", bad.replace("bob:wrong@", ""),
                          "token", "my:proj")
    check(rc == 3 and "407" in err, "no credentials: rc=%d" % rc)


def t_proxy_refuses(peers):
    fake = socket.socket()
    fake.bind(("127.0.0.1", 0))
    fake.listen(4)
    port = fake.getsockname()[1]

    import threading

    def serve(answer):
        conn, _ = fake.accept()
        conn.settimeout(5)
        try:
            conn.recv(4096)
            if answer:
                conn.sendall(answer)
        finally:
            conn.close()

    for answer, text in ((b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0"
                          b"\r\n\r\n", "403"),
                         (b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0"
                          b"\r\n\r\n", "502"),
                         (None, "closed")):
        th = threading.Thread(target=serve, args=(answer,))
        th.start()
        rc, out, err, _ = run(peers, "--proxy",
                              "http://127.0.0.1:%d" % port, "token",
                              "my:proj")
        th.join(10)
        check(rc == 3 and text in err and "proxy http://127.0.0.1:%d" % port
              in err, "%s: rc=%d %s" % (text, rc, err))
        check("retrying" not in err, "refusal retried: " + err)
    fake.close()


def tls_failure(peers, cert, key, extra=(), code=4):
    p, port = peers.s_server(cert, key, extra)
    rc, out, err, _ = run(peers, "--max-time", "10", "token", "my:proj",
                          url="https://localhost:%d" % port)
    seen = s_server_output(p)
    check(rc == code and out == "", "%s: rc=%d %s" % (cert, rc, err))
    base.one_line_error(err)
    check("GET " not in seen and "HTTP/1.1" not in seen,
          "%s: a request reached the server" % cert)
    return err


def t_s_server_failures(peers):
    err = tls_failure(peers, "expired.pem", "expired.key")
    check("expired" in err, err)
    tls_failure(peers, "selfsigned.pem", "selfsigned.key")
    tls_failure(peers, "wronghost.pem", "wronghost.key")
    tls_failure(peers, "chained.pem", "chained.key")  # intermediate missing
    # A client certificate required and none given: a TLS failure, said
    # as such, every time (the server's alert races its reset), never
    # retried.
    for _ in range(3):
        err = tls_failure(peers, "server.pem", "server.key",
                          ("-Verify", "1", "-CAfile", peers.cert("ca.pem")))
        check("requires a client certificate (--cert/--key)" in err, err)
        check("retrying" not in err, err)


def t_s_server_chain(peers):
    p, port = peers.s_server("chained.pem", "chained.key",
                             ("-cert_chain", peers.cert("inter.pem"), "-www"))
    rc, out, err, _ = run(peers, "--max-time", "10", "--retry", "0", "token",
                          "my:proj", url="https://localhost:%d" % port)
    s_server_output(p)
    # The handshake passes; s_server's status page is not the API.
    check(rc == 7 and "JSON" in err, "rc=%d %s" % (rc, err))


def t_retry_after(peers):
    env = peers.env
    env.main.reset()
    env.main.faults({"path": "/api/project_badges/token", "kind": "status",
                     "status": 503, "headers": {"Retry-After": "1"},
                     "count": 2})
    rc, out, err, secs = run(peers, "token", "my:proj")
    check(rc == 0 and base.TOKEN_RE.match(out.strip()), err)
    lines = [l for l in err.splitlines() if "retrying" in l]
    check(len(lines) == 2 and all("in 1.0 s" in l and "503" in l
                                  for l in lines), err)
    check(secs >= 1.9, "did not wait: %.2fs" % secs)
    env.main.faults({"path": "/api/project_badges/token", "kind": "status",
                     "status": 429, "headers": {"Retry-After": "0"},
                     "count": 10})
    rc, out, err, _ = run(peers, "--retry", "2", "token", "my:proj")
    check(rc == 7 and "429" in err, "rc=%d %s" % (rc, err))
    check(err.count("retrying") == 2, err)
    env.main.reset()
    env.main.faults({"path": "/api/project_badges/token", "kind": "status",
                     "status": 503, "headers": {"Retry-After": "600"},
                     "count": 1})
    rc, out, err, secs = run(peers, "--retry-max-wait", "5", "token",
                             "my:proj")
    check(rc == 7 and "more than" in err, "rc=%d %s" % (rc, err))
    env.main.reset()


def t_ipv6_literal(peers):
    url = "https://[::1]:%d" % peers.v6.port
    rc, out, err, _ = run(peers, "token", "my:proj", url=url)
    check(rc == 0 and base.TOKEN_RE.match(out.strip()), err)
    rc, out, err, _ = run(peers, "urls", "my:proj", "--format", "url",
                          "--metric", "alert_status", url=url)
    check(rc == 0 and out.startswith(url + "/api/project_badges/"), out)
    # The certificate must name the address: wronghost does not.
    p, port = peers.s_server("wronghost.pem", "wronghost.key")
    rc, out, err, _ = run(peers, "token", "my:proj",
                          url="https://127.0.0.1:%d" % port)
    s_server_output(p)
    check(rc == 4, "rc=%d %s" % (rc, err))


def t_resolve(peers):
    port = peers.env.main.port
    # The stand-in's certificate is for localhost; sonar.example's is not.
    url = "https://sonar.example:%d" % port
    rc, out, err, _ = run(peers, "--resolve", "sonar.example:%d:127.0.0.1"
                          % port, "token", "my:proj", url=url)
    check(rc == 4, "wrong name must fail: rc=%d %s" % (rc, err))
    p, sport = peers.s_server("sonar_example.pem", "sonar_example.key",
                              ("-www",))
    rc, out, err, _ = run(peers, "--retry", "0", "--resolve",
                          "sonar.example:%d:127.0.0.1" % sport, "token",
                          "my:proj", url="https://sonar.example:%d" % sport)
    s_server_output(p)
    check(rc == 7 and "JSON" in err, "resolved handshake: rc=%d %s"
          % (rc, err))
    rc, out, err, _ = run(peers, "--resolve", "bad-entry", "token", "x")
    check(rc == 2 and "--resolve" in err, err)


def pin_of(path):
    pub = subprocess.run(["openssl", "x509", "-in", path, "-pubkey",
                          "-noout"], capture_output=True, check=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"],
                         input=pub, capture_output=True, check=True).stdout
    import hashlib
    return "sha256//" + base64.b64encode(hashlib.sha256(der).digest()).decode()


def t_pinning(peers):
    env = peers.env
    good = pin_of(peers.cert("server.pem"))
    other = pin_of(peers.cert("wronghost.pem"))
    rc, out, err, _ = run(peers, "--pinnedpubkey", other + ";" + good,
                          "token", "my:proj")
    check(rc == 0, "good pin: " + err)
    env.main.reset()
    rc, out, err, _ = run(peers, "--pinnedpubkey", other, "token", "my:proj")
    check(rc == 4 and "pinnedpubkey" in err, "rc=%d %s" % (rc, err))
    check(env.main.stats()["requests"] == 0, "request sent despite the pin")
    rc, out, err, _ = run(peers, "--pinnedpubkey", "sha256//nope", "token",
                          "my:proj")
    check(rc == 2, "bad pin syntax: rc=%d" % rc)


def t_trust_sources(peers):
    ca = peers.cert("ca.pem")
    # SONAR_ROOT_CERT is added to the store in use (here: the rogue CA).
    with open(ca) as f:
        pem = f.read()
    rc, out, err, _ = run(peers, "--cacert", peers.cert("rogue_ca.pem"),
                          "token", "my:proj", ca=False,
                          env={"SONAR_ROOT_CERT": pem})
    check(rc == 0, "SONAR_ROOT_CERT: " + err)
    rc, out, err, _ = run(peers, "--cacert", peers.cert("rogue_ca.pem"),
                          "token", "my:proj", ca=False)
    check(rc == 4, "rogue store alone must fail")
    # A DER file.
    der = os.path.join(peers.work, "ca.der")
    subprocess.run(["openssl", "x509", "-in", ca, "-outform", "der", "-out",
                    der], check=True)
    rc, out, err, _ = run(peers, "--cacert", der, "token", "my:proj",
                          ca=False)
    check(rc == 0, "DER --cacert: " + err)
    # A plain folder, a hashed folder, and SSL_CERT_DIR.
    plain = os.path.join(peers.work, "plain-ca")
    os.makedirs(plain)
    shutil.copy(peers.cert("rogue_ca.pem"), os.path.join(plain, "a.pem"))
    shutil.copy(ca, os.path.join(plain, "b.crt"))
    rc, out, err, _ = run(peers, "--capath", plain, "token", "my:proj",
                          ca=False)
    check(rc == 0, "--capath: " + err)
    hashed = os.path.join(peers.work, "hashed-ca")
    os.makedirs(hashed)
    h = subprocess.run(["openssl", "x509", "-in", ca, "-noout", "-hash"],
                       capture_output=True, check=True).stdout.decode().strip()
    shutil.copy(ca, os.path.join(hashed, h + ".0"))
    rc, out, err, _ = run(peers, "token", "my:proj", ca=False,
                          env={"SSL_CERT_DIR": hashed})
    check(rc == 0, "SSL_CERT_DIR: " + err)


TESTS = [t_nginx_front, t_nginx_redirects, t_client_certificate,
         t_tinyproxy_connect, t_tinyproxy_forward, t_noproxy_bypass, t_proxy_auth,
         t_proxy_refuses, t_s_server_failures, t_s_server_chain,
         t_retry_after, t_ipv6_literal, t_resolve, t_pinning,
         t_trust_sources]



def main():
    return common.main(TESTS, Peers, 'network')


if __name__ == "__main__":
    sys.exit(main())
