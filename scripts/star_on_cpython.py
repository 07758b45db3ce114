"""Runs starsock's conformance scripts (testdata/*.star, and CPython's own
socket tests ported in testdata/test_socket/) under CPython, the oracle:
every assertion a script makes about the socket module must hold in
python3 too. The scripts are written in the common subset of Starlark and
Python; this file supplies what the dialect predeclares (catch, fail,
Starlark's type(), the assert module) and rewrites the two spellings Python
cannot parse (load(...) and assert.eq). Run from the repository root:

    python3 scripts/star_on_cpython.py [testdata/x.star ...]

sys.argv[1] of a script is a temporary directory (for AF_UNIX paths),
removed afterwards, as module/socket/scripts_test.go gives it.
"""
import builtins
import glob
import os
import re
import shutil
import socket
import sys
import tempfile
import time
import traceback

STARLARK_TYPES = {str: "string", bool: "bool", int: "int", float: "float",
                  bytes: "bytes", tuple: "tuple", list: "list", dict: "dict",
                  type(None): "NoneType", type(len): "builtin_function_or_method",
                  type(lambda: 0): "function"}


def star_type(v):
    """Starlark's type(): a string. IntEnum constants are plain ints in
    starsock."""
    for t, name in STARLARK_TYPES.items():
        if type(v) is t:
            return name
    if isinstance(v, int):
        return "int"
    return type(v).__name__


def catch(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs), None
    except Exception as e:
        return None, e


class Assert:
    def __init__(self, path):
        self.path = path
        self.failures = 0

    def _error(self, msg):
        self.failures += 1
        frames = [f for f in traceback.extract_stack() if f.filename == self.path]
        where = " <- ".join("%s:%d" % (self.path, f.lineno) for f in reversed(frames))
        print("%s: %s" % (where, msg))

    fail = _error

    def eq(self, x, y):
        if x != y:
            self._error("%r != %r" % (x, y))

    def ne(self, x, y):
        if x == y:
            self._error("%r == %r" % (x, y))

    def true(self, cond, msg="assertion failed"):
        if not cond:
            self._error(msg)

    def lt(self, x, y):
        if not x < y:
            self._error("%s is not less than %s" % (x, y))

    def contains(self, x, y):
        if y not in x:
            self._error("%s does not contain %s" % (x, y))

    def fails(self, f, pattern):
        try:
            f()
        except Exception as e:
            msg = "%s: %s" % (type(e).__name__, e)
            if not re.search(pattern, msg):
                self._error("regular expression (%s) did not match error (%s)" % (pattern, msg))
            return
        self._error("evaluation succeeded unexpectedly (want error matching %r)" % pattern)


def star_fail(*args, sep=" "):
    raise Exception(sep.join(str(a) for a in args))


def python_source(path):
    """A script as Python: load("assert.star", ...) dropped, a load of
    another script (relative to this one) bound from _load, assert.x
    spelled assert_.x."""
    src = open(path).read()
    src = re.sub(r'^load\("assert\.star", "assert"\)$', "", src, flags=re.M)
    src = re.sub(r'^load\(\s*"([^"]+\.star)",(.*?)\)$', lambda m: "%s, = _load(%r, %s)" % (
        ", ".join(re.findall(r'"(\w+)"', m.group(2))),
        os.path.join(os.path.dirname(path), m.group(1)),
        m.group(2).strip().rstrip(",")), src, flags=re.M | re.S)
    return re.sub(r"\bassert\.", "assert_.", src)


def run(path):
    src = python_source(path)
    tmp = tempfile.mkdtemp()
    a = Assert(path)
    modules = {}

    def load(module, *names):
        if module not in modules:
            modules[module] = dict(predeclared)
            exec(compile(python_source(module), module, "exec"), modules[module])
        return tuple(modules[module][n] for n in names)

    env = {"__builtins__": builtins, "__name__": "__star__", "assert_": a,
           "socket": socket, "catch": catch, "type": star_type, "time": time,
           "sys": type(sys)("sys"), "fail": star_fail, "_load": load}
    env["sys"].argv = [path, tmp]
    env["sys"].exit = sys.exit
    predeclared = dict(env)
    try:
        exec(compile(src, path, "exec"), env)
    except Exception:
        a.failures += 1
        traceback.print_exc()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return a.failures


def can_open_raw_sockets():
    try:
        socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close()
        return True
    except OSError:
        return False


def main():
    paths = sys.argv[1:] or (sorted(glob.glob("testdata/*.star")) +
                             sorted(glob.glob("testdata/test_socket/*.star")))
    if not sys.argv[1:] and can_open_raw_sockets():
        paths += sorted(glob.glob("testdata/privileged/*.star"))
    bad = 0
    for p in paths:
        n = run(p)
        print("%-40s %s" % (p, "ok" if n == 0 else "FAIL (%d)" % n))
        bad += n
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
