#!/usr/bin/env python3
"""Count every test result of `make test` and print the closing line.

    summary.py RESULTS_DIR START_TIME EXPECTED_NAME...

RESULTS_DIR holds NAME.result files ("pass" or "fail", one test each),
NAME.tap files (TAP from Criterion and the docs test, one test a line) and
NAME.xml files (JUnit XML from pytest, one test a <testcase>, failed if it
holds a <failure> or an <error>). An expected name with none of them, or
with a file that holds no test, counts as a failure: its build broke before
the test could run. A skipped test (TAP "ok ... # SKIP", JUnit <skipped>)
is counted as a failure: in `make test` everything a test needs is built
first, so a skip means something is missing. Exit status 1 if anything failed.
"""
import os
import sys
import time
import xml.etree.ElementTree as ET


def main():
    results, start, expected = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    passed = failed = 0
    failures = []
    for name in expected:
        result = os.path.join(results, name + ".result")
        tap = os.path.join(results, name + ".tap")
        if os.path.exists(result):
            with open(result) as f:
                ok = f.read().strip() == "pass"
            passed += ok
            failed += not ok
            if not ok:
                failures.append(name)
        elif os.path.exists(tap):
            count = 0
            with open(tap) as f:
                for line in f:
                    if line.startswith("ok ") and "# SKIP" in line.upper():
                        failed += 1
                        count += 1
                        failures.append("%s: skipped, which make test does not accept: %s" % (name, line.strip()))
                    elif line.startswith("ok "):
                        passed += 1
                        count += 1
                    elif line.startswith("not ok "):
                        failed += 1
                        count += 1
                        failures.append("%s: %s" % (name, line.strip()))
            if count == 0:
                failed += 1
                failures.append("%s: ran no test" % name)
        elif os.path.exists(os.path.join(results, name + ".xml")):
            try:
                cases = list(ET.parse(os.path.join(results, name + ".xml")).getroot().iter("testcase"))
            except ET.ParseError as e:
                cases = []
                failures.append("%s: unreadable JUnit XML (%s)" % (name, e))
            for case in cases:
                bad = case.find("failure") if case.find("failure") is not None else case.find("error")
                if bad is None and case.find("skipped") is None:
                    passed += 1
                else:
                    failed += 1
                    failures.append("%s: %s: %s" % (name, case.get("name"), (bad.get("message") if bad is not None
                                                                              else "skipped").split("\n")[0]))
            if not cases:
                failed += 1
                failures.append("%s: ran no test" % name)
        else:
            failed += 1
            failures.append("%s: no result (did its build fail? see above)" % name)
    for f in failures:
        print("failed: " + f)
    print("make test took %.1f s" % (time.time() - start))
    print("summary: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
