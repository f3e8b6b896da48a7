#!/usr/bin/env python3
"""The shared library and the installed files, as a user of the library
meets them:

- libsonarbadge.so.VERSION has the SONAME libsonarbadge.so.MAJOR, and its
  dynamic symbols are exactly the functions and objects the public headers
  declare (include/sonarbadge/*.h and port/posix/sb_port_posix.h); the
  internal sb_ functions stay in the static archive only;
- `make install DESTDIR=... PREFIX=/usr/local` installs the libraries,
  headers, sonarbadge.pc, the man page and the bash completion, and
  examples/get_token.c builds from that tree with nothing but
  `pkg-config --cflags --libs sonarbadge`, linked against the shared
  library, and with `pkg-config --static` statically; both programs read
  a token from the stand-in over TLS.

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
from sbtest_common import (ADMIN, ROOT, SLOW, Standin, check, main,  # noqa: E402
                           make_workdir)

BUILD = os.environ.get("BUILD", "build")
PUBLIC_HEADERS = [os.path.join(ROOT, "include", "sonarbadge", h)
                  for h in sorted(os.listdir(os.path.join(ROOT, "include", "sonarbadge")))
                  if h.endswith(".h")] + [os.path.join(ROOT, "port", "posix", "sb_port_posix.h")]


def run(args, **kw):
    kw.setdefault("timeout", 300 * SLOW)
    return subprocess.run(args, capture_output=True, text=True, **kw)


def version():
    with open(os.path.join(ROOT, "include", "sonarbadge", "sonarbadge.h")) as f:
        return re.search(r'#define SB_VERSION "([^"]+)"', f.read()).group(1)


def declared_names():
    """Every function and object declared at file scope in the public
    headers (comments and preprocessor lines dropped; typedefs, struct
    members, forward declarations of structs and function-pointer types
    are not symbols)."""
    names = set()
    for path in PUBLIC_HEADERS:
        with open(path) as f:
            text = f.read()
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        # extern "C" { ... } for C++ is no scope of its own.
        text = re.sub(r"#ifdef __cplusplus\n[^#]*#endif", "", text)
        depth = 0
        for line in text.splitlines():
            s = line.strip()
            if s.startswith("#"):
                continue
            if depth == 0 and not line.startswith((" ", "\t", "typedef", "}")) \
                    and not re.match(r"(struct|union|enum)\s+\w+\s*;", s):
                m = re.search(r"\b(sb_\w+)\s*(\(|\[|;)", line)
                if m:
                    names.add(m.group(1))
            depth += line.count("{") - line.count("}")
    return names


def nm(args, path):
    p = run(["nm"] + args + [path])
    check(p.returncode == 0, p.stderr)
    return p.stdout


def sanitized(lib):
    """The library was built with the sanitizers (make test SAN=1)."""
    return "__asan_" in nm(["-u"], lib) or "__ubsan_" in nm(["-u"], lib)


def t_soname_and_links(env):
    v = version()
    real = os.path.join(ROOT, BUILD, "libsonarbadge.so." + v)
    check(os.path.isfile(real), "no " + real)
    p = run(["readelf", "-d", real])
    soname = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", p.stdout)
    major = v.split(".")[0]
    check(soname and soname.group(1) == "libsonarbadge.so." + major,
          "SONAME: %r" % (soname and soname.group(1)))
    for link, target in (("libsonarbadge.so." + major, "libsonarbadge.so." + v),
                         ("libsonarbadge.so", "libsonarbadge.so." + major)):
        path = os.path.join(ROOT, BUILD, link)
        check(os.path.islink(path) and os.readlink(path) == target,
              "%s should link to %s" % (link, target))
    # Position-independent: no text relocations.
    check("TEXTREL" not in p.stdout, "the shared library has text relocations")


def t_exported_symbols(env):
    lib = os.path.join(ROOT, BUILD, "libsonarbadge.so")
    exported = set()
    for line in nm(["-D", "--defined-only"], lib).splitlines():
        parts = line.split()
        # (AddressSanitizer adds an __odr_asan.NAME marker for each
        # exported object: not a symbol of the library's own.)
        if len(parts) == 3 and parts[1] != "A" and not parts[2].startswith("__odr_asan"):
            exported.add(parts[2])
    declared = declared_names()
    check(len(declared) >= 20, "the header parser found only %r" % sorted(declared))
    extra = sorted(exported - declared)
    missing = sorted(declared - exported)
    check(not extra, "exported but not in the public headers: %s" % extra)
    check(not missing, "declared in the public headers but not exported: %s" % missing)
    # The static archive keeps the internal functions the shared one hides.
    internal = set()
    for line in nm(["--defined-only", "-g"], os.path.join(ROOT, BUILD, "libsonarbadge.a")).splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == "T" and parts[2].startswith("sb_"):
            internal.add(parts[2])
    internal -= declared
    check(len(internal) >= 20, "the static archive lost its internal functions: %r"
          % sorted(internal))


class InstallEnv:
    """`make install` into a DESTDIR, and a stand-in with one project;
    both made when a test first needs them (the symbol checks need
    neither: debian/rules runs them at package build time)."""

    def __init__(self):
        self.work = tempfile.mkdtemp(prefix="sonarbadge-lib-")
        self.dest = os.path.join(self.work, "dest")
        self.installed = None
        self.server = None

    def close(self):
        if self.server:
            self.server.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    def standin(self):
        if self.server is None:
            d, self.ca = make_workdir(os.path.join(self.work, "standin-"), {
                "users": {ADMIN: {"login": "admin", "admin_projects": ["*"],
                                  "browse_projects": ["*"]}},
                "projects": [{"key": "my:proj"}],
                "force_authentication": True,
            })
            self.server = Standin(d, "main")
        return self.server

    def install(self):
        if self.installed is None:
            p = run(["make", "--no-print-directory", "-C", ROOT, "install",
                     "BUILD=" + BUILD, "PREFIX=/usr/local", "DESTDIR=" + self.dest])
            self.installed = p
        check(self.installed.returncode == 0,
              "make install: " + self.installed.stderr[-800:])
        return os.path.join(self.dest, "usr", "local")

    def pkg_config(self, *args):
        prefix = self.install()
        e = dict(os.environ)
        e["PKG_CONFIG_PATH"] = os.path.join(prefix, "lib", "pkgconfig")
        e["PKG_CONFIG_SYSROOT_DIR"] = self.dest
        p = run(["pkg-config"] + list(args) + ["sonarbadge"], env=e)
        check(p.returncode == 0, "pkg-config %s: %s" % (" ".join(args), p.stderr))
        flags = []
        for f in p.stdout.split():
            # The sysroot is put before every absolute path; the build of
            # make check-mbedtls3 names its mbedTLS archives by absolute
            # paths outside the installed tree.
            if f.startswith(self.dest + "/") and not os.path.exists(f) \
                    and os.path.isfile(f[len(self.dest):]):
                f = f[len(self.dest):]
            flags.append(f)
        return flags

    def get_token(self, exe, extra_env=None):
        e = {k: v for k, v in os.environ.items() if not k.startswith("SONAR_")}
        e["SONAR_TOKEN"] = ADMIN
        e.update(extra_env or {})
        server = self.standin()
        p = run([exe, server.url(), "my:proj", self.ca], env=e, timeout=60 * SLOW)
        check(p.returncode == 0, "%s: rc=%d %s" % (os.path.basename(exe), p.returncode,
                                                  p.stderr))
        want = server.stats()["tokens"]["my:proj"]
        check(p.stdout.strip() == want, "token %r, the server has %r" % (p.stdout, want))


def t_install_tree(env):
    prefix = env.install()
    v = version()
    major = v.split(".")[0]
    want = ["bin/sonarbadge", "lib/libsonarbadge.a", "lib/libsonarbadge.so." + v,
            "lib/pkgconfig/sonarbadge.pc", "include/sonarbadge/sonarbadge.h",
            "include/sonarbadge/sb_port.h", "include/sonarbadge/sb_limits.h",
            "include/sonarbadge/sb_api.h", "include/sonarbadge/sb_port_posix.h",
            "share/man/man1/sonarbadge.1",
            "share/bash-completion/completions/sonarbadge"]
    for rel in want:
        check(os.path.isfile(os.path.join(prefix, rel)), "not installed: " + rel)
    for link, target in (("lib/libsonarbadge.so." + major, "libsonarbadge.so." + v),
                         ("lib/libsonarbadge.so", "libsonarbadge.so." + major)):
        path = os.path.join(prefix, link)
        check(os.path.islink(path) and os.readlink(path) == target,
              "%s should link to %s" % (link, target))
    with open(os.path.join(prefix, "lib", "pkgconfig", "sonarbadge.pc")) as f:
        pc = f.read()
    check(re.search(r"^Libs: -L\$\{libdir\} -lsonarbadge$", pc, re.M), pc)
    check(re.search(r"^(Libs|Requires)\.private: .*mbed", pc, re.M),
          "mbedTLS is in neither Libs.private nor Requires.private: " + pc)
    check("@" not in pc, "an unreplaced placeholder: " + pc)


def compile_example(env, out, static):
    flags = env.pkg_config("--cflags", "--libs", *(["--static"] if static else []))
    cmd = [os.environ.get("CC", "cc"), "-std=c11", "-Wall", "-Wextra", "-Werror",
           "-o", out, os.path.join(ROOT, "examples", "get_token.c")]
    lib = os.path.join(ROOT, BUILD, "libsonarbadge.a")
    if sanitized(lib):
        # ASan's run-time cannot be linked fully statically: link only
        # libsonarbadge statically then.
        cmd.append("-fsanitize=address,undefined")
        if static:
            flags = [f if f != "-lsonarbadge" else "-Wl,-Bstatic,-lsonarbadge,-Bdynamic"
                     for f in flags]
    elif static:
        cmd.append("-static")
    p = run(cmd + flags)
    check(p.returncode == 0, "%s: %s" % (" ".join(cmd + flags), p.stderr[-1500:]))
    return out


def t_pkg_config_shared(env):
    flags = env.pkg_config("--cflags", "--libs")
    check("-lsonarbadge" in flags and not any("mbed" in f for f in flags),
          "pkg-config --libs: %r" % flags)
    exe = compile_example(env, os.path.join(env.work, "get_token_shared"), static=False)
    p = run(["readelf", "-d", exe])
    check("[libsonarbadge.so.%s]" % version().split(".")[0] in p.stdout,
          "not linked against the shared library: " + p.stdout)
    libdir = os.path.join(env.dest, "usr", "local", "lib")
    # Without the installed library it must not start: it really uses it.
    e = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    p = subprocess.run([exe], capture_output=True, text=True, env=e, timeout=30)
    check(p.returncode != 0 and "libsonarbadge.so" in p.stderr,
          "ran without LD_LIBRARY_PATH: %r" % p.stderr)
    env.get_token(exe, {"LD_LIBRARY_PATH": libdir})


def t_pkg_config_static(env):
    exe = compile_example(env, os.path.join(env.work, "get_token_static"), static=True)
    p = run(["readelf", "-d", exe])
    check("libsonarbadge.so" not in p.stdout, "linked against the shared library")
    env.get_token(exe)


TESTS = [t_soname_and_links, t_exported_symbols, t_install_tree, t_pkg_config_shared,
         t_pkg_config_static]

if __name__ == "__main__":
    sys.exit(main(TESTS, InstallEnv, "library"))
