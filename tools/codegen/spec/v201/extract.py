#!/usr/bin/env python3
"""Refreshes the device model inputs of gen_v201_device_model.py from the OCPP 2.0.1 edition 3
documents (run by hand, not by scripts/generate.sh; see README.md beside this file).

Usage: extract.py SPEC_DIR

SPEC_DIR holds OCPP-2.0.1_edition3_part2_specification.md and appendices-csv/. Writes, beside
this script:
  dm_components_vars.csv   the rows of appendices-csv/dm_components_vars.csv without the
                           Description column (names, instance, required, data type, unit)
  dm_referenced_vars.csv   from part 2 chapter 2 ("Referenced Components and Variables"), one
                           row per variable table: section, component, variable, instance,
                           mutability, attribute types, values list
Python 3 standard library only.
"""

import csv
import html
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
LIST = re.compile(r"^[A-Za-z0-9_.\-]+(\s*,\s*[A-Za-z0-9_.\-]+)+$")

# Names the converted text of chapter 2 spells otherwise than the appendix (which wins):
# conversion slips ("l" for "I", a stray space) and two spelling variants.
# (component, name in chapter 2) -> name in the appendix.
VARIABLES = {
    ("AuthCtrlr", "AdditionallInfoItemsPerMessage"): "AdditionalInfoItemsPerMessage",
    ("AuthCtrlr", "LocalAuthorizationOffline"): "LocalAuthorizeOffline",
    ("AuthCtrlr", "LocalPreauthorize"): "LocalPreAuthorize",
    ("AuthCtrlr", "MasterPassGroupld"): "MasterPassGroupId",
    ("ISO15118Ctrlr", "Seccld"): "SeccId",
    ("ISO15118Ctrlr", "V2G Certificate InstallationEnabled"): "V2GCertificateInstallationEnabled",
    ("SampledDataCtrlr", "TxEndInterval"): "TxEndedInterval",
    ("AlignedDataCtrlr", "TxEndInterval"): "TxEndedInterval",
}
# (component, variable, instance in chapter 2) -> instance in the appendix.
INSTANCES = {
    ("CustomizationCtrlr", "CustomImplementationEnabled", "<VendorId>"): "<vendorId>",
    ("OCPPCommCtrlr", "FieldLength", ".<message>.<field>"): "",
}


def copy_components_vars(spec_dir):
    src = os.path.join(spec_dir, "appendices-csv", "dm_components_vars.csv")
    with open(src, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    with open(os.path.join(HERE, "dm_components_vars.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";", lineterminator="\n")
        for row in rows:
            w.writerow([c.strip() for c in row[:6]])
    return len(rows) - 1


def referenced_vars(spec_dir):
    path = os.path.join(spec_dir, "OCPP-2.0.1_edition3_part2_specification.md")
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    start = next(i for i, l in enumerate(lines) if l.startswith("# 2. Referenced Components"))
    section = ""
    out = []
    for line in lines[start:]:
        m = re.match(r"# 2\.(\d+)\.\s*([A-Za-z].*)$", line)
        if m:
            section = m.group(2).strip()
            continue
        if not line.startswith("<table><tr><td>Required"):
            continue
        body = line.split("<td>Description</td>")[0]
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in CELL.findall(body)]
        pairs = {}
        types = []
        for key, value in zip(cells, cells[1:]):
            k = key.lower()
            if k == "attributetype":
                types.append(value)
            elif k not in pairs:
                pairs[k] = value
        component = pairs.get("componentname", "")
        variable = pairs.get("variablename", "")
        if not component or not variable:
            continue
        if component.endswith("Ctrl"):
            component += "r"
        variable = VARIABLES.get((component, variable), variable)
        instance = pairs.get("variableinstance", "")
        instance = INSTANCES.get((component, variable, instance), instance)
        values = pairs.get("valueslist", pairs.get("valuelist", ""))
        values = ",".join(v.strip() for v in values.split(",")) if LIST.match(values) else ""
        out.append([section, component, variable, instance,
                    pairs.get("mutability", ""), " ".join(types), values])
    with open(os.path.join(HERE, "dm_referenced_vars.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";", lineterminator="\n")
        w.writerow(["Section", "Component", "Variable", "Instance", "Mutability", "AttributeTypes",
                    "ValuesList"])
        w.writerows(out)
    return len(out)


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    print("dm_components_vars.csv: %d rows" % copy_components_vars(argv[1]))
    print("dm_referenced_vars.csv: %d rows" % referenced_vars(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
