#!/usr/bin/env python3
"""Lists the OCPP 2.0.1 (edition 3) part 5 certification test cases a Charging Station runs in
the Core, Advanced Security, Local Authorization List Management and Smart Charging profiles:
one line per case, tab-separated: profile, group (use case), test case id, scenario, M/C,
condition. Usage: part5_cs_cases.py PART5.md"""
import html
import re
import sys

PROFILES = {
    "4.2": "Core",
    "4.3": "Advanced Security",
    "4.4": "Local Authorization List Management",
    "4.5": "Smart Charging",
}


def cells(row):
    return [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def main(path):
    text = open(path, encoding="utf-8").read()
    text = text[text.index("# 4.2. Test Cases Core"):]  # past the table of contents
    # Each section "4.N. Test Cases ..." is followed by one table.
    sections = re.split(r"(?:^|\n)#? ?(4\.\d)\. Test Cases", text)
    out = []
    for i in range(1, len(sections) - 1, 2):
        number, body = sections[i], sections[i + 1]
        if number not in PROFILES:
            continue
        table = re.search(r"<table>(.*?)</table>", body, re.S).group(1)
        group = ""
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
            c = cells(row)
            if len(c) < 3:
                continue
            if not c[0] and c[1]:
                group = c[1]
                continue
            if not re.match(r"TC_[A-Z]_\d+", c[0]):
                continue
            cs = c[2] if len(c) > 2 else ""
            if cs not in ("M", "C"):
                continue  # a CSMS-only case
            condition = c[4] if len(c) > 4 else ""
            out.append("\t".join([PROFILES[number], group, c[0], c[1], cs, condition]))
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
