#!/usr/bin/python3
"""bench/bench.py - `make bench`: sonarbadge against curl and Python
requests, all on loopback, in one run. Writes $BUILD/bench/results.json,
results.md (the tables of BENCHMARKS.md) and chart.svg (gnuplot).

  (a) one token read: median wall time of RUNS runs and peak RSS
      (GNU time's %M), ECDSA P-256 then RSA-2048;
  (b) rotating PROJECTS projects (renew, then read, each): sonarbadge
      rotate on one kept-alive connection vs a shell loop of curl calls vs
      requests.Session: total wall time (median of ROT_RUNS);
  (c) sonarbadge's peak heap (valgrind massif) for one token read, trusting
      one CA file, then the Debian bundle plus that CA;
  (d) sizes: stripped dynamic binary, stripped static binary, the core's
      .text/.data/.bss per file for Cortex-M4 (arm-none-eabi-gcc -Os), and
      the deepest stack path of a token read (-fstack-usage and
      -fcallgraph-info=su);
  (g)-(k) bench/scale.py: a server that splits head and body with Nagle
      on, rotate --jobs with server latency, the state file's cost, check
      on large files, peak RSS of rotate --all by project count.
Every server is nginx or the stand-in on 127.0.0.1; every loop is bounded.
"""
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

from benchlib import (CURL_LOOP, OUT, PROJECTS, PY, PY_ROTATE, ROOT,
                      ROT_RUNS, RUNS, SONARBADGE, STATIC, TOKEN, TOKEN_RE,
                      free_port, log, run_measured, version, wait_port)
import scale

KINDS = [("ec", "ECDSA P-256"), ("rsa", "RSA-2048")]
# The core (HTTP, JSON, Sonar API and the client around them), no TLS, no
# port; the CLI-only modules are listed apart.
CORE = ["src/sb_http.c", "src/sb_json.c", "src/sb_api.c", "src/sb_exchange.c",
        "src/sb_client.c", "src/sb_conn.c", "src/sb_url.c", "src/sb_net.c",
        "src/sb_util.c", "src/sb_error.c"]
EXTRA = ["src/sb_badges.c", "src/sb_projects.c", "src/sb_fetch.c",
         "src/sb_rewrite.c"]

PY_READ = r'''
import os, sys, requests
url, ca, key = sys.argv[1:4]
r = requests.get(url + "/api/project_badges/token", params={"project": key},
                 auth=(os.environ["SONAR_TOKEN"], ""), verify=ca)
r.raise_for_status()
print(r.json()["token"])
'''


class Nginx:
    def __init__(self, work, certs):
        self.dir = os.path.join(work, "nginx")
        os.makedirs(self.dir, exist_ok=True)
        self.ports = {"ec": free_port(), "rsa": free_port()}
        conf = open(os.path.join(ROOT, "bench", "nginx.conf.in")).read()
        conf = (conf.replace("@DIR@", self.dir).replace("@CERTS@", certs)
                .replace("@EC_PORT@", str(self.ports["ec"]))
                .replace("@RSA_PORT@", str(self.ports["rsa"])))
        with open(os.path.join(self.dir, "nginx.conf"), "w") as f:
            f.write(conf)
        locs = open(os.path.join(ROOT, "bench", "locations.conf")).read()
        with open(os.path.join(self.dir, "locations.conf"), "w") as f:
            f.write(locs.replace("@DIR@", self.dir))
        self.proc = subprocess.Popen(
            ["nginx", "-c", os.path.join(self.dir, "nginx.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not all(wait_port(p) for p in self.ports.values()):
            self.stop()
            raise RuntimeError("nginx did not start: " + open(
                os.path.join(self.dir, "error.log")).read()[-500:])

    def url(self, kind):
        return "https://localhost:%d" % self.ports[kind]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def read_clients(url, ca):
    return {
        "sonarbadge": [SONARBADGE, "--url", url, "--cacert", ca, "token",
                       "bench-project"],
        "curl": ["curl", "-s", "-f", "-u", TOKEN + ":", "--cacert", ca,
                 url + "/api/project_badges/token?project=bench-project"],
        "python-requests": [PY, "-c", PY_READ, url, ca, "bench-project"],
    }


def bench_read(nginx, certs, env):
    res = {}
    for kind, _ in KINDS:
        ca = os.path.join(certs, kind, "ca.pem")
        res[kind] = {}
        for name, argv in read_clients(nginx.url(kind), ca).items():
            for _ in range(3):  # warm the page cache
                run_measured(argv, env)
            walls, rss = [], []
            for _ in range(RUNS):
                w, r, out = run_measured(argv, env)
                if not TOKEN_RE.search(out):
                    raise RuntimeError("%s printed no token: %r" % (name, out))
                walls.append(w)
                rss.append(r)
            res[kind][name] = {
                "median_ms": statistics.median(walls) * 1000,
                "min_ms": min(walls) * 1000, "max_ms": max(walls) * 1000,
                "rss_kib": statistics.median(rss), "rss_max_kib": max(rss)}
            log("  (a) %-4s %-16s median %7.2f ms  peak RSS %6d KiB" % (
                kind, name, res[kind][name]["median_ms"],
                res[kind][name]["rss_kib"]))
    return res


def bench_rotate(nginx, certs, env, work):
    projects = os.path.join(work, "projects.txt")
    with open(projects, "w") as f:
        for i in range(PROJECTS):
            f.write("bench-project-%04d\n" % i)
    loop = os.path.join(work, "curl_loop.sh")
    with open(loop, "w") as f:
        f.write(CURL_LOOP)
    res = {}
    for kind, _ in KINDS:
        ca = os.path.join(certs, kind, "ca.pem")
        url = nginx.url(kind)
        e = dict(env, CA=ca, URL=url, PROJECTS=projects)
        clients = {
            "sonarbadge": [SONARBADGE, "--url", url, "--cacert", ca, "rotate",
                           "--from", projects],
            "curl": ["sh", loop],
            "python-requests": [PY, "-c", PY_ROTATE, url, ca, projects],
        }
        res[kind] = {}
        for name, argv in clients.items():
            walls = []
            for _ in range(ROT_RUNS):
                w, r, out = run_measured(argv, e, timeout=1200)
                lines = [ln for ln in out.splitlines() if TOKEN_RE.search(ln)]
                if len(lines) != PROJECTS:
                    raise RuntimeError("%s rotated %d of %d projects" % (
                        name, len(lines), PROJECTS))
                walls.append(w)
            res[kind][name] = {"median_s": statistics.median(walls),
                               "runs_s": walls}
            log("  (b) %-4s %-16s %8.2f s for %d projects" % (
                kind, name, res[kind][name]["median_s"], PROJECTS))
    return res


def massif_peak(argv, env, out):
    subprocess.run(["valgrind", "--tool=massif", "--massif-out-file=" + out]
                   + argv, env=env, check=True, capture_output=True,
                   timeout=300)
    peak, peak_total = 0, 0
    heap = extra = 0
    for line in open(out):
        if line.startswith("mem_heap_B="):
            heap = int(line.split("=")[1])
        elif line.startswith("mem_heap_extra_B="):
            extra = int(line.split("=")[1])
            if heap > peak:
                peak = heap
                peak_total = heap + extra
    return peak, peak_total


def bench_heap(nginx, certs, env, work):
    ca = os.path.join(certs, "ec", "ca.pem")
    bundle = os.path.join(work, "bundle.pem")
    debian = "/etc/ssl/certs/ca-certificates.crt"
    with open(bundle, "w") as f:
        f.write(open(debian).read())
        f.write(open(ca).read())
    ncerts = open(bundle).read().count("BEGIN CERTIFICATE")
    res = {"bundle_certs": ncerts, "bundle_bytes": os.path.getsize(bundle)}
    for label, trust in (("one_ca", ca), ("bundle", bundle)):
        argv = [SONARBADGE, "--url", nginx.url("ec"), "--cacert", trust,
                "token", "bench-project"]
        peak, total = massif_peak(argv, env,
                                  os.path.join(work, "massif.%s" % label))
        res[label] = {"heap_b": peak, "heap_with_overhead_b": total}
        log("  (c) %-7s peak heap %7d B (%.1f KiB), with malloc overhead %d B"
            % (label, peak, peak / 1024, total))
    return res


def stripped_size(path, work):
    dst = os.path.join(work, os.path.basename(path) + ".stripped")
    shutil.copy(path, dst)
    subprocess.run(["strip", dst], check=True)
    return os.path.getsize(dst)


def arm_sizes(work):
    """Core files for Cortex-M4 at -Os: sizes and stack frames."""
    adir = os.path.join(work, "arm")
    inc = os.path.join(adir, "inc")
    os.makedirs(inc, exist_ok=True)
    shutil.copy("/usr/include/jsmn.h", inc)  # header-only, host-neutral
    cc = ["arm-none-eabi-gcc", "-std=c11", "-Os", "-mcpu=cortex-m4",
          "-mthumb", "-ffunction-sections", "-fdata-sections",
          "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-fstack-usage",
          "-fcallgraph-info=su", "-Iinclude", "-Isrc", "-I" + inc]
    rows, frames, graph = [], [], {}
    for src in CORE + EXTRA:
        obj = os.path.join(adir, os.path.basename(src)[:-2] + ".o")
        subprocess.run(cc + ["-c", src, "-o", obj], cwd=ROOT, check=True)
        out = subprocess.run(["arm-none-eabi-size", "-A", obj],
                             capture_output=True, text=True,
                             check=True).stdout
        sec = {"text": 0, "data": 0, "bss": 0}
        for line in out.splitlines():
            f = line.split()
            if len(f) < 2 or not f[1].isdigit():
                continue
            name, size = f[0], int(f[1])
            if name.startswith(".text") or name.startswith(".rodata"):
                sec["text"] += size  # flash: code and constants
            elif name.startswith(".data"):
                sec["data"] += size
            elif name.startswith(".bss"):
                sec["bss"] += size
        rows.append({"file": src, "core": src in CORE, **sec})
        su = obj[:-2] + ".su"
        for line in open(su):
            loc, size, kind = line.rstrip("\n").split("\t")
            frames.append({"function": loc.split(":")[-1], "file": src,
                           "bytes": int(size), "kind": kind})
        parse_ci(obj[:-2] + ".ci", graph)
    frames.sort(key=lambda f: -f["bytes"])
    path, depth = deepest(graph, "sb_token_get")
    return {"files": rows, "largest_frames": frames[:10],
            "token_read_path": path, "token_read_stack_b": depth,
            "gcc": version(["arm-none-eabi-gcc", "--version"])}


def parse_ci(path, graph):
    """-fcallgraph-info (VCG): node stack sizes and call edges."""
    text = open(path).read()
    for m in re.finditer(r'node: \{ title: "([^"]+)" label: "([^"]*)"', text):
        title, label = m.group(1), m.group(2)
        size = re.search(r"\\n(\d+) bytes", label)
        node = graph.setdefault(title, {"size": 0, "calls": set(),
                                        "defined": False})
        if size:
            node["size"] = int(size.group(1))
            node["defined"] = True
    for m in re.finditer(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"',
                         text):
        graph.setdefault(m.group(1), {"size": 0, "calls": set(),
                                      "defined": False})["calls"].add(
            m.group(2))


def deepest(graph, root):
    """Largest sum of frames along a call path from root (no recursion;
    calls through the port's function pointers are not followed)."""
    # Titles of static functions carry a file prefix; match by suffix.
    by_name = {}
    for t in graph:
        by_name.setdefault(t.split(":")[-1], []).append(t)
    memo = {}

    def best(t, stack):
        if t in memo:
            return memo[t]
        if t in stack:
            return (0, [])
        node = graph.get(t)
        if node is None or not node["defined"]:
            alts = [a for a in by_name.get(t.split(":")[-1], [])
                    if graph[a]["defined"]]
            if not alts:
                return (0, [])
            t, node = alts[0], graph[alts[0]]
        stack.add(t)
        sub = max((best(c, stack) for c in node["calls"]),
                  key=lambda x: x[0], default=(0, []))
        stack.discard(t)
        r = (node["size"] + sub[0],
             [(t.split(":")[-1], node["size"])] + sub[1])
        memo[t] = r
        return r

    roots = by_name.get(root, [root])
    depth, path = best(roots[0], set())
    return path, depth


def sizes(work):
    res = {"dynamic_stripped_b": stripped_size(SONARBADGE, work)}
    if os.path.exists(STATIC):
        res["static_stripped_b"] = stripped_size(STATIC, work)
        res["static_unstripped_b"] = os.path.getsize(STATIC)
    res["arm"] = arm_sizes(work)
    core = [r for r in res["arm"]["files"] if r["core"]]
    res["arm"]["core_text_b"] = sum(r["text"] for r in core)
    res["arm"]["core3_text_b"] = sum(
        r["text"] for r in core if r["file"] in CORE[:3])
    log("  (d) stripped %d B, static stripped %s B, Cortex-M4 core .text %d B"
        " (http+json+api %d B), token read stack %d B" % (
            res["dynamic_stripped_b"], res.get("static_stripped_b"),
            res["arm"]["core_text_b"], res["arm"]["core3_text_b"],
            res["arm"]["token_read_stack_b"]))
    return res


def machine():
    cpu = "unknown"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = open("/proc/meminfo").readline().split()[1]
    # where the state files of (i) are fsync'd
    fs = subprocess.run(["findmnt", "-n", "-o", "FSTYPE,SOURCE,OPTIONS",
                         "--target", OUT], capture_output=True,
                        text=True).stdout.strip()
    return {"cpu": cpu, "cpus": os.cpu_count(), "mem_kib": int(mem),
            "kernel": platform.release(),
            "debian": open("/etc/debian_version").read().strip(),
            "bench_filesystem": fs,
            "loadavg_at_start": open("/proc/loadavg").read().split()[:3]}


def tools():
    mbed = "unknown"
    try:
        mbed = subprocess.run(["dpkg-query", "-W", "-f=${Version}",
                               "libmbedtls-dev"], capture_output=True,
                              text=True).stdout
    except OSError:
        pass
    req = subprocess.run([PY, "-c", "import requests,urllib3,ssl;print("
                          "requests.__version__,urllib3.__version__,"
                          "ssl.OPENSSL_VERSION)"], capture_output=True,
                         text=True).stdout.strip()
    return {"sonarbadge": version([SONARBADGE, "--version"]),
            "libmbedtls-dev": mbed,
            "curl": version(["curl", "--version"]),
            "python": version([PY, "--version"]),
            "requests urllib3 ssl": req,
            "nginx": version(["nginx", "-v"]),
            "valgrind": version(["valgrind", "--version"]),
            "gcc": version(["gcc", "--version"]),
            "gnuplot": version(["gnuplot", "--version"])}


def chart(res, work):
    dat = os.path.join(work, "chart.dat")
    with open(dat, "w") as f:
        f.write("# client ec_ms rsa_ms ec_rot_s rsa_rot_s\n")
        for name in ("sonarbadge", "curl", "python-requests"):
            f.write("%s %.3f %.3f %.3f %.3f\n" % (
                name, res["read"]["ec"][name]["median_ms"],
                res["read"]["rsa"][name]["median_ms"],
                res["rotate"]["ec"][name]["median_s"],
                res["rotate"]["rsa"][name]["median_s"]))
    svg = os.path.join(OUT, "chart.svg")
    more = scale.chart(res, work)  # (g) to (k), two panels a row
    rows = 1 + (len(more) + 1) // 2
    gp = """
set terminal svg size 900,{height} dynamic font "sans,11"
set output '{svg}'
set multiplot layout {rows},2
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key top left
set yrange [0:*]
set title "(a) one token read: median wall time of {runs} runs"
set ylabel "milliseconds"
plot '{dat}' using 2:xtic(1) title "ECDSA P-256" lc rgb "#3465a4", \\
     '' using 3 title "RSA-2048" lc rgb "#f57900"
set title "(b) rotating {n} projects: total wall time"
set ylabel "seconds (log scale)"
set logscale y
set yrange [*:*]
plot '{dat}' using 4:xtic(1) title "ECDSA P-256" lc rgb "#3465a4", \\
     '' using 5 title "RSA-2048" lc rgb "#f57900"
unset logscale y
""".format(svg=svg, dat=dat, runs=RUNS, n=PROJECTS, rows=rows,
           height=420 * rows) + "".join(more) + "unset multiplot\n"
    subprocess.run(["gnuplot"], input=gp, text=True, check=True)
    return svg


def report(res):
    r, lines = res, []
    w = lines.append
    w("### (a) One token read (median of %d runs, each under GNU time; "
      "peak RSS: median of the runs' %%M)\n" % RUNS)
    w("| certificate | client | median wall | min–max | peak RSS | "
      "wall vs curl | RSS vs curl |")
    w("|---|---|---:|---:|---:|---:|---:|")
    for kind, label in KINDS:
        c = r["read"][kind]["curl"]
        for name, v in r["read"][kind].items():
            w("| %s | %s | %.2f ms | %.2f–%.2f ms | %d KiB | %.2f× | %.2f× |" % (
                label, name, v["median_ms"], v["min_ms"], v["max_ms"],
                v["rss_kib"], v["median_ms"] / c["median_ms"],
                v["rss_kib"] / c["rss_kib"]))
    w("\n### (b) Rotating %d projects (renew, then read, each; median of %d "
      "runs)\n" % (PROJECTS, ROT_RUNS))
    w("| certificate | client | total wall | per project | "
      "sonarbadge is faster by |")
    w("|---|---|---:|---:|---:|")
    for kind, label in KINDS:
        s = r["rotate"][kind]["sonarbadge"]["median_s"]
        for name, v in r["rotate"][kind].items():
            w("| %s | %s | %.2f s | %.2f ms | %s |" % (
                label, name, v["median_s"], v["median_s"] * 1000 / PROJECTS,
                "—" if name == "sonarbadge" else "%.1f×" % (v["median_s"] / s)))
    h = r["heap"]
    w("\n### (c) sonarbadge's peak heap, one token read (valgrind massif)\n")
    w("| trust store | peak heap (mem_heap_B) | with malloc overhead |")
    w("|---|---:|---:|")
    w("| one CA file | %d B (%.1f KiB) | %d B |" % (
        h["one_ca"]["heap_b"], h["one_ca"]["heap_b"] / 1024,
        h["one_ca"]["heap_with_overhead_b"]))
    w("| Debian bundle + the CA (%d certificates, %d bytes) | %d B (%.1f KiB) "
      "| %d B |" % (h["bundle_certs"], h["bundle_bytes"], h["bundle"]["heap_b"],
                    h["bundle"]["heap_b"] / 1024,
                    h["bundle"]["heap_with_overhead_b"]))
    s = r["sizes"]
    w("\n### (d) Sizes\n")
    w("| binary | bytes |")
    w("|---|---:|")
    w("| build/sonarbadge, stripped (dynamic: libc, libmbed*.so) | %d |" %
      s["dynamic_stripped_b"])
    if "static_stripped_b" in s:
        w("| build/sonarbadge-static, stripped (glibc and mbedTLS inside) | "
          "%d |" % s["static_stripped_b"])
    a = s["arm"]
    w("\nCortex-M4, `arm-none-eabi-gcc -Os -mcpu=cortex-m4 -mthumb` (%s); "
      ".text includes .rodata (what goes to flash):\n" % a["gcc"])
    w("| file | part | .text | .data | .bss |")
    w("|---|---|---:|---:|---:|")
    for row in a["files"]:
        w("| %s | %s | %d | %d | %d |" % (
            row["file"], "core" if row["core"] else "CLI features",
            row["text"], row["data"], row["bss"]))
    w("| **core total** | | **%d** (%.1f KiB) | %d | %d |" % (
        a["core_text_b"], a["core_text_b"] / 1024,
        sum(x["data"] for x in a["files"] if x["core"]),
        sum(x["bss"] for x in a["files"] if x["core"])))
    w("| of which sb_http.c + sb_json.c + sb_api.c | | %d (%.1f KiB) | | |" % (
        a["core3_text_b"], a["core3_text_b"] / 1024))
    w("\nDeepest stack of a token read (`sb_token_get`, Cortex-M4, "
      "-fcallgraph-info=su; port hooks and TLS not included): **%d bytes**\n"
      % a["token_read_stack_b"])
    w("`" + " → ".join("%s (%d)" % f for f in a["token_read_path"]) + "`\n")
    w("Largest frames (Cortex-M4):\n")
    w("| function | file | bytes |")
    w("|---|---|---:|")
    for f in a["largest_frames"]:
        w("| %s | %s | %d |" % (f["function"], f["file"], f["bytes"]))
    goals = scale.goals(r)
    if goals:
        w("\n### Goals of (g) to (k)\n")
        w("| goal | measured | |")
        w("|---|---|---|")
        for goal, measured, met in goals:
            w("| %s | %s | %s |" % (goal, measured, "met" if met else
                                     "**missed**"))
    return "\n".join(lines) + "\n" + scale.report(r)


def main():
    t_start = time.time()
    os.makedirs(OUT, exist_ok=True)
    work = os.path.join(OUT, "work")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    certs = os.path.join(work, "certs")
    subprocess.run(["sh", os.path.join(ROOT, "bench", "gen_certs.sh"), certs],
                   check=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "SONAR_TOKEN": TOKEN, "LC_ALL": "C", "HOME": work}
    res = {"machine": machine(), "tools": tools(), "runs": RUNS,
           "projects": PROJECTS, "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    log("bench: nginx on loopback; results in %s" % OUT)
    nginx = Nginx(work, certs)
    try:
        res["read"] = bench_read(nginx, certs, env)
        res["rotate"] = bench_rotate(nginx, certs, env, work)
        res["heap"] = bench_heap(nginx, certs, env, work)
        res.update(scale.run_nginx_rows(nginx, certs, env, work))
    finally:
        nginx.stop()
    log("bench: the stand-in (tests/standin/sonar_standin.py) on loopback")
    res.update(scale.run_standin_rows(certs, env, work))
    res["sizes"] = sizes(work)
    res["chart"] = chart(res, work)
    res["elapsed_s"] = time.time() - t_start
    log("bench: %.0f s" % res["elapsed_s"])
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(res, f, indent=1, default=list)
    md = report(res)
    with open(os.path.join(OUT, "results.md"), "w") as f:
        f.write(md)
    print(md)


if __name__ == "__main__":
    sys.exit(main())
