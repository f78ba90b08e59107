#!/usr/bin/env python3
"""OCPP 2.0.1 front of the code generator (gen.py): the message types and JSON codec of OCPP
2.0.1, from the 2.0.1 JSON schemas of the pinned npm package, and the test data of the codec.

Usage: gen_v201.py [SCHEMA_DIR] [--out ROOT]

Writes include/ocpp/v201/generated/, src/v201/generated/ and tests/v201/generated/ below
ROOT (default: the repository). Python 3 standard library only. See docs/codegen.md.
"""

import sys

import gen

FRONT = gen.Front(
    name="v201",
    script="gen_v201.py",
    label="OCPP 2.0.1",
    schema_dir="ocpp-20-schemas",
    request_suffix="Request",
    # Every type of the 2.0.1 schemas is a named definition reached by "$ref": no table.
    names={},
    # Annotations only: "default" documents the value a receiver assumes for an absent
    # optional field (absent stays absent here), "$comment" says "OCPP 2.0.1 FINAL".
    # "minimum" / "maximum" are enforced (integers only).
    extra_keywords={"$comment", "default", "minimum", "maximum", "additionalItems"},
    # customData (CustomDataType) is the extension point of every 2.0.1 object: kept whole.
    # Any other open object is typed, its undeclared properties kept in additional_properties.
    open_objects="keep",
    raw_objects={"CustomDataType"},
    errors={"format": "FormatViolation", "occurrence": "OccurrenceConstraintViolation"},
    error_ref="OCPP 2.0.1 part 4 (OCPP-J) section 4.3",
    messages_intro=(
        "//\n// The OCPP 2.0.1 messages as C++ types. customData, and any other object the schemas\n"
        "// leave open, keeps what the peer sent as ocpp::RawJson (docs/codegen.md). The JSON\n"
        "// codec is internal to the library (src/v201/generated/codec.hpp).\n"),
    files={"enums": 2, "types": 3, "messages": 6},
    cases=True,
)

if __name__ == "__main__":
    sys.exit(gen.main(FRONT))
