#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Counts test cases from Meson's testlog.json files.

cmocka tests print TAP, so each test case counts once; a test binary that
speaks no TAP (an integration script run for its exit code) counts once by
its result. A binary that dies before finishing its TAP plan counts as one
more failure, so a crash is never lost. Prints one line per pass and
writes the totals as "passed failed skipped" to the file named last.
"""
import json
import re
import sys

def count(path):
    passed = failed = skipped = 0
    failures = []
    with open(path) as f:
        for line in f:
            t = json.loads(line)
            out = t.get("stdout") or ""
            plan = re.search(r"^1\.\.(\d+)", out, re.M)
            oks = nots = skips = 0
            for m in re.finditer(r"^(ok|not ok) \d+( - ([^#\n]*))?(.*)$", out, re.M):
                if "# SKIP" in m.group(4) or "# skip" in m.group(4):
                    skips += 1
                elif m.group(1) == "ok":
                    oks += 1
                else:
                    nots += 1
                    failures.append(f"{t['name']}: {(m.group(3) or '').strip()}")
            if t["result"] == "SKIP" and oks + nots + skips == 0:
                # A whole binary skipped ("1..0 # SKIP why"): one skip.
                skips = 1
                why = re.search(r"^1\.\.0\s*#\s*(?:SKIP|skip)\s*(.*)$", out, re.M)
                failures.append(f"{t['name']}: skipped: {why.group(1) if why else 'no reason given'}")
            elif plan is None and oks + nots + skips == 0:
                if t["result"] == "OK":
                    oks = 1
                elif t["result"] == "SKIP":
                    skips = 1
                else:
                    nots = 1
                    failures.append(f"{t['name']}: {t['result']}")
            elif t["result"] not in ("OK", "SKIP") and nots == 0:
                nots = 1
                failures.append(f"{t['name']}: {t['result']} (exit {t.get('returncode')})")
            elif plan and oks + nots + skips < int(plan.group(1)):
                nots += 1
                failures.append(f"{t['name']}: stopped after {oks + nots + skips} of {plan.group(1)} cases")
            passed += oks
            failed += nots
            skipped += skips
    return passed, failed, skipped, failures

def main():
    *logs, label, out = sys.argv[1:]
    p, f, s, failures = count(logs[0])
    for line in failures:
        print(f"  {'SKIPPED' if ': skipped: ' in line else 'FAILED'} {line.replace(': skipped: ', ': ')}")
    msg = f"{label}: {p} passed, {f} failed"
    if s:
        msg += f", {s} skipped"
    print(msg)
    with open(out, "w") as fh:
        fh.write(f"{p} {f} {s}\n")

if __name__ == "__main__":
    main()
