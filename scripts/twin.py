"""Differential twin tests: each testdata/twin/CATEGORY.star runs under
python3 (CPython, the oracle) and under the starsock interpreter, and the
two outputs must agree case by case. Run from the repository root after
`make build`:

    python3 scripts/twin.py [testdata/twin/CATEGORY.star ...]

A case file is written in the common subset of Python and the dialect; it
calls case(name, fn) from testdata/twin/prelude.star, which prints a
"--- name" header and the outcome. Under python3 this file supplies what the
dialect predeclares (catch, Starlark's type(), sys.argv, socket); starsock
runs the prelude and the case file concatenated. One process per file per
language; sys.argv[1] is a fresh temporary directory for AF_UNIX paths.

Exits 1 on any difference, missing case or crash of either side.
"""
import builtins
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from star_on_cpython import catch, star_type

TWIN_DIR = "testdata/twin"
PRELUDE = os.path.join(TWIN_DIR, "prelude.star")
STARSOCK = os.environ.get("STARSOCK", "bin/starsock")
PER_FILE_TIMEOUT = 120  # seconds; a hang is reported as a crash
HEADER = "--- "


def run_under_cpython(path, tmp):
    """The child side: exec the prelude, then the case file, as a dialect
    script would see them."""
    sys_stub = type(sys)("sys")
    sys_stub.argv = [path, tmp]
    sys_stub.exit = sys.exit
    env = {"__builtins__": builtins, "__name__": "__star__", "socket": socket,
           "catch": catch, "type": star_type, "time": time, "sys": sys_stub}
    for p in (PRELUDE, path):
        with open(p) as f:
            exec(compile(f.read(), p, "exec"), env)


def launch(cmd):
    try:
        # stdin is /dev/null: a case adopts descriptor 0 as a non-socket.
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=PER_FILE_TIMEOUT)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        return "timeout after %ds" % PER_FILE_TIMEOUT, out, ""


def run_cpython(path, tmp):
    return launch([sys.executable, __file__, "--cpython", path, tmp])


def prelude_lines():
    with open(PRELUDE) as f:
        return len(f.read().splitlines())


def run_starsock(path, tmp):
    combined = os.path.join(tmp, "twin_" + os.path.basename(path))
    with open(PRELUDE) as pre, open(path) as case, open(combined, "w") as out:
        out.write(pre.read() + "\n" + case.read())
    return launch([STARSOCK, combined, tmp])


def split_cases(stdout):
    """Returns [(name, output)] in order, and any text before the first
    header."""
    cases, preamble, name, lines = [], [], None, []
    for line in stdout.splitlines():
        if line.startswith(HEADER):
            if name is not None:
                cases.append((name, "\n".join(lines)))
            name, lines = line[len(HEADER):], []
        elif name is None:
            preamble.append(line)
        else:
            lines.append(line)
    if name is not None:
        cases.append((name, "\n".join(lines)))
    return cases, "\n".join(preamble)


def indent(text):
    return "\n".join("    | " + l for l in text.splitlines()) or "    | (nothing)"


class Report:
    def __init__(self):
        self.cases = 0
        self.differences = 0
        self.crashes = 0
        self.per_category = []

    def difference(self, category, name, py, star):
        self.differences += 1
        print("DIFF %s/%s" % (category, name))
        print("  python3:\n" + indent(py))
        print("  starsock:\n" + indent(star))

    def crash(self, category, side, rc, stderr):
        self.crashes += 1
        print("CRASH %s under %s (exit %s)" % (category, side, rc))
        if side == "starsock":
            print("  (starsock ran the prelude's %d lines first: subtract them from line numbers)"
                  % (prelude_lines() + 1))
        print(indent(stderr.strip()[-3000:]))

    def duplicates(self, category, names):
        self.crashes += 1
        print("DUPLICATE case names in %s: %s" % (category, ", ".join(names)))


def compare_file(path, report):
    category = os.path.splitext(os.path.basename(path))[0]
    tmps = [tempfile.mkdtemp(prefix="twin"), tempfile.mkdtemp(prefix="twin")]
    try:
        with ThreadPoolExecutor(2) as pool:
            py_future = pool.submit(run_cpython, path, tmps[0])
            star_future = pool.submit(run_starsock, path, tmps[1])
            py, star = py_future.result(), star_future.result()
    finally:
        for t in tmps:
            shutil.rmtree(t, ignore_errors=True)
    for side, (rc, _, stderr) in (("python3", py), ("starsock", star)):
        if rc != 0:
            report.crash(category, side, rc, stderr)
    py_cases, py_pre = split_cases(py[1])
    star_cases, star_pre = split_cases(star[1])
    if py_pre or star_pre:
        report.difference(category, "(before the first case)", py_pre, star_pre)
    names = [n for n, _ in py_cases]
    if len(set(names)) != len(names):
        report.duplicates(category, sorted({n for n in names if names.count(n) > 1}))
    star_by_name = dict(star_cases)
    for name, out in py_cases:
        if name not in star_by_name:
            report.difference(category, name, out, "(case missing)")
        elif star_by_name[name] != out:
            report.difference(category, name, out, star_by_name[name])
    py_names = set(names)
    for name, out in star_cases:
        if name not in py_names:
            report.difference(category, name, "(case missing)", out)
    report.cases += len(py_cases)
    report.per_category.append((category, len(py_cases)))


def main(argv):
    if argv[:1] == ["--cpython"]:
        run_under_cpython(argv[1], argv[2])
        return 0
    if not os.access(STARSOCK, os.X_OK):
        print("twin: %s not found: run make build first" % STARSOCK)
        return 1
    paths = argv or sorted(p for p in glob.glob(os.path.join(TWIN_DIR, "*.star")) if p != PRELUDE)
    report = Report()
    for p in paths:
        compare_file(p, report)
    print("twin: %d cases, %d differences, %d crashes (%s)" % (
        report.cases, report.differences, report.crashes,
        ", ".join("%s %d" % c for c in report.per_category)))
    return 1 if report.differences or report.crashes else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
