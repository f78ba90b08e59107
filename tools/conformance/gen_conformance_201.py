#!/usr/bin/env python3
"""Writes docs/conformance-2.0.1.md: every OCPP 2.0.1 part 6 test case a Charging Station runs
in the Core, Advanced Security, Local Authorization List Management and Smart Charging
certification profiles (part 5 section 4), each with the tests of this repository that cover
it, or the reason it is not covered.

The case list comes from part 5 (part5_cs_cases.py); the coverage from
tools/conformance/v201_coverage.tsv (TC id, status covered|partial|not, references or reason).
A reference is `unit:TEXT` (a Catch2 TEST_CASE whose name contains TEXT, under tests/) or
`it:FILE` (an integration scenario tests/integration/FILE). Every reference must exist and
every case must have a row.

Usage: gen_conformance_201.py [--check]   (--check: fail when the document is not current)
"""
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PART5 = os.environ.get(
    "OCPP_SPEC_PART5",
    os.path.join(ROOT, "..", "shared", "ocpp-spec", "v201-ed3",
                 "OCPP-2.0.1_edition3_part5_certification_profiles.md"))
CASES = os.path.join(ROOT, "tools", "conformance", "v201_cases.tsv")
COVERAGE = os.path.join(ROOT, "tools", "conformance", "v201_coverage.tsv")
DOC = os.path.join(ROOT, "docs", "conformance-2.0.1.md")


def load_cases():
    # The extracted list is committed (the specification is not part of the repository);
    # refreshed from part 5 when it is at hand.
    if os.path.exists(PART5):
        out = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "conformance",
                                                           "part5_cs_cases.py"), PART5],
                             check=True, capture_output=True, text=True).stdout
        if os.path.exists(CASES) and open(CASES, encoding="utf-8").read() != out:
            if "--check" in sys.argv:
                sys.exit(f"{CASES} differs from part 5: run {sys.argv[0]}")
        if "--check" not in sys.argv:
            open(CASES, "w", encoding="utf-8").write(out)
    rows = []
    for line in open(CASES, encoding="utf-8"):
        line = line.rstrip("\n")
        if line:
            rows.append(line.split("\t"))
    return rows


def test_case_names():
    names = []
    for d, _, files in os.walk(os.path.join(ROOT, "tests")):
        if "node_modules" in d:
            continue
        for f in files:
            if f.endswith(".cpp"):
                text = open(os.path.join(d, f), encoding="utf-8", errors="replace").read()
                # TEST_CASE("name" "continued", ...): adjacent string literals joined.
                for m in re.finditer(r'TEST_CASE\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)', text):
                    names.append("".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))))
    return names


def main():
    cases = load_cases()
    coverage = {}
    for n, line in enumerate(open(COVERAGE, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or parts[1] not in ("covered", "partial", "not"):
            sys.exit(f"{COVERAGE}:{n}: want 'TC_ID<TAB>covered|partial|not<TAB>text'")
        coverage[parts[0]] = (parts[1], parts[2])
    names = test_case_names()
    errors = []
    for profile, group, tc, scenario, mc, condition in cases:
        if tc not in coverage:
            errors.append(f"{tc} ({scenario}) has no row in {COVERAGE}")
            continue
        status, text = coverage[tc]
        if status == "not":
            continue
        for ref in re.findall(r"(unit|it):([^;]+)", text):
            kind, what = ref[0], ref[1].strip()
            if kind == "unit" and not any(what in name for name in names):
                errors.append(f"{tc}: no TEST_CASE named with '{what}'")
            if kind == "it" and not os.path.exists(os.path.join(ROOT, "tests", "integration", what)):
                errors.append(f"{tc}: no tests/integration/{what}")
    if errors:
        sys.exit("\n".join(errors))

    counts = {}
    lines = []
    current = None
    for profile, group, tc, scenario, mc, condition in cases:
        status, text = coverage[tc]
        counts.setdefault(profile, {"covered": 0, "partial": 0, "not": 0})[status] += 1
        if profile != current:
            current = profile
            lines += ["", f"## {profile}", "",
                      "| Test case | Use case group | Scenario | M/C | Status | Covered by / why not |",
                      "| --- | --- | --- | --- | --- | --- |"]
        refs = text.replace("|", "\\|")
        refs = re.sub(r"unit:([^;]+)", lambda m: f"unit test “{m.group(1).strip()}”", refs)
        refs = re.sub(r"it:([^;]+)", lambda m: f"`tests/integration/{m.group(1).strip()}`", refs)
        mark = {"covered": "covered", "partial": "partly", "not": "**not covered**"}[status]
        cond = f" ({condition})" if mc == "C" and condition else ""
        lines.append(f"| {tc} | {group} | {scenario} | {mc}{cond} | {mark} | {refs} |")

    head = [
        "# OCPP 2.0.1 conformance: the test cases of part 6 and the tests that cover them",
        "",
        "<!-- Generated by tools/conformance/gen_conformance_201.py from part 5 section 4 and",
        "     tools/conformance/v201_coverage.tsv; edit those, not this file. -->",
        "",
        "Every test case the OCA's test tool runs against a Charging Station in the Core, Advanced",
        "Security, Local Authorization List Management and Smart Charging certification profiles",
        "(OCPP 2.0.1 edition 3, part 5 section 4; the steps of each in part 6), with the tests of",
        "this repository that check the same behaviour (unit tests on the simulated clock under",
        "`tests/v201/`, integration scenarios against the strict ocpp-rpc CSMS under",
        "`tests/integration/`), or why it is not covered. M = mandatory, C = conditional on an",
        "optional feature. The generator fails when a case has no row or a reference names a test",
        "that does not exist (ctest `docs.conformance_201`).",
        "",
        "| Profile | Cases | Covered | Partly | Not covered |",
        "| --- | --- | --- | --- | --- |",
    ]
    for profile, c in counts.items():
        total = sum(c.values())
        head.append(f"| {profile} | {total} | {c['covered']} | {c['partial']} | {c['not']} |")
    doc = "\n".join(head + lines) + "\n"
    if "--check" in sys.argv:
        if not os.path.exists(DOC) or open(DOC, encoding="utf-8").read() != doc:
            sys.exit(f"{DOC} is not current: run {sys.argv[0]}")
        return
    open(DOC, "w", encoding="utf-8").write(doc)


if __name__ == "__main__":
    main()
