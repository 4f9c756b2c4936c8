#!/usr/bin/env python3
"""test/layers.py: the layering of src/, checked from #include lines and calls.

    python3 test/layers.py [SRC_DIR]

Modules are the files of src/ by stem (foo.c with foo.h), except the report
core (src/core/report/), one module: a dispatcher and its format handlers.
Each folder is a layer, lowest first:

    core/json < core/report < core < common (with guc, compat) < store
    < validate < prioritize < discover < scope < mobilize < ctem.c

(validate sits below prioritize and discover: the exposure trigger notes
the attack graph's changes, and the score reads the graph's path factor.)

Checks:
  1. no file under core/ includes a PostgreSQL (server) header: only system
     headers, <jansson.h> and other core headers;
  2. no file includes a header of a higher layer, and no module calls a
     function defined in a module of a higher layer;
  3. no two modules depend on each other in a circle (by #include or call).

Prints one line per violation, then "N passed, N failed" (one check each).
Exit status 0 only when all three hold.
"""
import os
import re
import sys

LAYERS = ["core/json", "core/report", "core", "common", "store",
          "validate", "prioritize", "discover", "scope", "mobilize", "top"]
# system and library headers; PostgreSQL's are never among them
SYSTEM_OK = re.compile(r"^(?!(postgres|postgres_fe|fmgr|c|pg_config|miscadmin|funcapi)\.h$)"
                       r"(?!(access|catalog|commands|common|executor|lib|libpq|mb|nodes|"
                       r"parser|port|storage|tcop|utils)/)[a-z0-9_/]+\.h$")


def layer_of(rel):
    """Layer index of a path relative to src/."""
    d = os.path.dirname(rel)
    base = os.path.basename(rel)
    if d == "":
        if base.startswith(("guc.", "compat.")):
            return LAYERS.index("common")
        return LAYERS.index("top")
    if d.startswith("core/json"):
        return LAYERS.index("core/json")
    if d.startswith("core/report"):
        return LAYERS.index("core/report")
    top = d.split("/")[0]
    if top not in LAYERS:
        raise SystemExit(f"layers.py: {rel}: folder {top!r} has no layer; add it to LAYERS")
    return LAYERS.index(top)


def module_of(rel):
    if rel.startswith("core/report/"):
        return "core/report"
    return os.path.splitext(rel)[0]


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r'"(?:\\.|[^"\\\n])*"', '""', text)
    return text


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "src")
    src = os.path.normpath(src)
    files = []
    for root, _, names in os.walk(src):
        for n in names:
            if n.endswith((".c", ".h")):
                files.append(os.path.relpath(os.path.join(root, n), src))
    files.sort()

    problems = {1: [], 2: [], 3: []}
    deps = {}                       # module -> {module: reason}
    defined = {}                    # function -> module
    calls = {}                      # module -> {function: file}
    texts = {}

    for rel in files:
        raw = open(os.path.join(src, rel), encoding="utf-8").read()
        texts[rel] = raw
        code = strip_comments(raw)
        mod = module_of(rel)
        deps.setdefault(mod, {})
        for m in re.finditer(r'(?m)^\s*#\s*include\s+([<"])([^>"]+)[>"]', raw):
            kind, inc = m.group(1), m.group(2)
            if rel.startswith("core/"):
                ok = (kind == "<" and SYSTEM_OK.match(inc)) or \
                     (kind == '"' and inc.startswith("core/"))
                if not ok:
                    problems[1].append(f"{rel}: pure core includes {kind}{inc}")
            if kind == '"' and os.path.exists(os.path.join(src, inc)):
                if layer_of(inc) > layer_of(rel):
                    problems[2].append(f"{rel} ({LAYERS[layer_of(rel)]}) includes {inc} ({LAYERS[layer_of(inc)]})")
                other = module_of(inc)
                if other != mod:
                    deps[mod].setdefault(other, f"{rel} includes {inc}")
        if rel.endswith(".c"):
            # PostgreSQL style: the return type on its own line, the name at
            # the start of the next; a static function's type line says so
            lines = code.split("\n")
            for i, line in enumerate(lines):
                m = re.match(r"^([A-Za-z_]\w*)\(", line)
                if m and i > 0 and not lines[i - 1].startswith("static") \
                        and not line.rstrip().endswith(";"):
                    defined[m.group(1)] = mod
            for m in re.finditer(r"(?<![\w.>])([A-Za-z_]\w*)\s*\(", code):
                calls.setdefault(mod, {}).setdefault(m.group(1), rel)

    for mod, called in calls.items():
        for fn, rel in called.items():
            other = defined.get(fn)
            if other is None or other == mod:
                continue
            deps[mod].setdefault(other, f"{rel} calls {fn}()")
            lo = layer_of(rel)
            hi = layer_of(other + (".c" if other != "core/report" else "/report.c"))
            if hi > lo:
                problems[2].append(f"{rel} ({LAYERS[lo]}) calls {fn}() of {other} ({LAYERS[hi]})")

    # circles: strongly connected components of more than one module
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in deps.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(deps):
        if v not in index:
            visit(v)
    for comp in sccs:
        why = "; ".join(f"{a} -> {b}: {deps[a][b]}" for a in comp for b in comp if b in deps.get(a, {}))
        problems[3].append(f"circle {' <-> '.join(comp)} ({why})")

    names = {1: "no pure core includes a server header",
             2: "no file depends on a higher layer",
             3: "no circle between modules"}
    passed = failed = 0
    for k in (1, 2, 3):
        for p in problems[k]:
            print(f"  {p}")
        if problems[k]:
            failed += 1
            print(f"not ok {k} - {names[k]} ({len(problems[k])} violations)")
        else:
            passed += 1
            print(f"ok {k} - {names[k]}")
    print(f"{len(files)} files, {len(deps)} modules, {sum(len(d) for d in deps.values())} dependencies")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
