"""Test data of a generated codec: tests/<v>/generated/codec_cases.hpp.

Derived from the JSON schemas themselves (this module walks the schema files, not the model
the codec is generated from), so that a wrong reading of a schema by the codec generator shows
up as a failing test rather than being repeated here. For every message:

- a maximal payload: every property present, arrays with items, open objects (customData)
  with vendor properties, bounded integers at their maximum;
- a minimal payload: the required properties only, bounded integers at their minimum;
- variants of the maximal payload, each changing one thing: still valid (every value of an
  enumeration, strings of exactly maxLength characters, extra members of open objects, any
  JSON for an untyped property), or breaking one rule, with the error code the codec must
  answer (docs/codegen.md, "Error classification"); the test checks that the error message
  names the field the variant changed.
"""

import json
import os

from model import GenError

# A string pattern with multi-byte characters: maxLength counts characters, not bytes.
TEXT = "Text-\u00e9\u00fc\u2713-"
DATE_MAX = "2024-02-29T23:59:59.999Z"
DATE_MIN = "1970-01-01T00:00:00.000Z"
VENDOR_EXTRA = {"vendorCounter": 342, "vendorFlags": [True, None, {"n": 0.25}]}
OPEN_EXTRA = {"extensionNote": "kept", "extensionList": [1, 2]}
ANY_VALUE = {"any": ["json", 1, True, None, {"deep": [[]]}]}
ANY_VARIANTS = ["null", "\"text\"", "12", "[1,{\"a\":[]}]", "false"]
INT_MIN, INT_MAX = -2147483648, 2147483647


def text(n):
    return (TEXT * (n // len(TEXT) + 1))[:n]


class Walker:
    def __init__(self, schema, message):
        self.defs = schema.get("definitions", {})
        self.message = message

    def resolve(self, node):
        ref = node.get("$ref")
        if ref is None:
            return node, None
        name = ref[len("#/definitions/"):]
        return self.defs[name], name

    # ---- valid payloads ----------------------------------------------------------------

    def example(self, node, maximal):
        node, name = self.resolve(node)
        if "enum" in node:
            return node["enum"][-1 if maximal else 0]
        t = node.get("type")
        if t is None:
            return ANY_VALUE
        if t == "integer":
            if maximal:
                return int(node.get("maximum", INT_MAX))
            return int(node.get("minimum", INT_MIN))
        if t == "number":
            return 12345.678 if maximal else -0.5
        if t == "boolean":
            return maximal
        if t == "string":
            if node.get("format") == "date-time":
                return DATE_MAX if maximal else DATE_MIN
            n = min(node.get("maxLength", 40), 12) if maximal else 0
            return text(n)
        if t == "array":
            lo, hi = node.get("minItems", 0), node.get("maxItems", 2)
            n = max(lo, min(hi, 2)) if maximal else lo
            return [self.example(node["items"], maximal) for _ in range(n)]
        if t == "object":
            props = node.get("properties", {})
            req = node.get("required", [])
            out = {}
            for p, sub in props.items():
                if maximal or p in req:
                    out[p] = self.example(sub, maximal)
            if maximal and node.get("additionalProperties", True) is not False:
                out.update(VENDOR_EXTRA if name == "CustomDataType" else OPEN_EXTRA)
            if name == "CustomDataType":
                out["vendorId"] = "com.example.\u00e9" if maximal else "v"
            return out
        raise GenError("%s: no example for type %r" % (self.message, t))

    # ---- variants of the maximal payload ------------------------------------------------
    # Each is (change, JSON pointer, value, count, expected error class or None).

    def variants(self, node, value, ptr, out, seen_enums, seen_types):
        node, name = self.resolve(node)
        wrong = []  # (replacement JSON, error class)
        if "enum" in node:
            wrong = [("42", "type"), ("\"NotAValueOfTheEnum\"", "property")]
            if name not in seen_enums:
                seen_enums.add(name)
                for v in node["enum"]:
                    out.append(("set", ptr, json.dumps(v), 0, None))
        elif node.get("type") is None:
            for v in ANY_VARIANTS:
                out.append(("set", ptr, v, 0, None))
        elif node["type"] == "integer":
            wrong = [("\"42\"", "type"), ("4.5", "type"), ("2147483648", "type")]
            if "minimum" in node:
                wrong.append((str(int(node["minimum"]) - 1), "property"))
                out.append(("set", ptr, str(int(node["minimum"])), 0, None))
            if "maximum" in node:
                wrong.append((str(int(node["maximum"]) + 1), "property"))
            out.append(("set", ptr, "%d.0" % value, 0, None))  # a zero fraction is accepted
        elif node["type"] == "number":
            wrong = [("\"4.5\"", "type"), ("null", "type")]
            out.append(("set", ptr, "-3", 0, None))
        elif node["type"] == "boolean":
            wrong = [("1", "type"), ("\"true\"", "type")]
        elif node["type"] == "string":
            wrong = [("42", "type"), ("{}", "type")]
            if node.get("format") == "date-time":
                wrong.append(("\"2024-13-01T00:00:00Z\"", "property"))
                wrong.append(("\"yesterday\"", "property"))
            elif "maxLength" in node:
                out.append(("long", ptr, None, node["maxLength"], None))
                out.append(("long", ptr, None, node["maxLength"] + 1, "property"))
        elif node["type"] == "array":
            wrong = [("{}", "format"), ("\"a\"", "type"), ("null", "type")]
            lo, hi = node.get("minItems"), node.get("maxItems")
            if lo:
                out.append(("repeat", ptr, None, lo - 1, "occurrence"))
            if hi is not None:
                out.append(("repeat", ptr, None, hi, None))
                out.append(("repeat", ptr, None, hi + 1, "occurrence"))
            if value:
                self.variants(node["items"], value[0], ptr + "/0", out, seen_enums, seen_types)
        elif node["type"] == "object":
            wrong = [("[]", "format"), ("42", "type"), ("null", "type")]
            # A named type is decoded by the same code wherever it is: its properties are
            # varied where it first appears; elsewhere only the property holding it is.
            if name not in seen_types:
                seen_types.add(name)
                self.object_variants(node, value, ptr, out, seen_enums, seen_types)
        for v, cls in wrong:
            out.append(("set", ptr, v, 0, cls))

    def object_variants(self, node, value, ptr, out, seen_enums, seen_types):
        props = node.get("properties", {})
        required = node.get("required", [])
        if node.get("additionalProperties", True) is False:
            out.append(("set", ptr + "/unexpectedProperty", "1", 0, "format"))
        else:
            out.append(("set", ptr + "/anotherVendorProperty", "{\"x\":[null]}", 0, None))
        for p in required:
            out.append(("remove", ptr + "/" + p, None, 0, "occurrence"))
        for p, sub in props.items():
            if p not in required:
                out.append(("remove", ptr + "/" + p, None, 0, None))
            self.variants(sub, value[p], ptr + "/" + p, out, seen_enums, seen_types)


def cpp_raw(s):
    if ")json\"" in s:
        raise GenError("example text contains the raw-string delimiter")
    return "R\"json(%s)json\"" % s


def dumps(v):
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def gen_cases_hpp(front, model, schema_dir):
    o = [front.header_comment()]
    o.append("//\n// Test data of the %s codec, from the JSON schemas (tools/codegen/cases.py):\n"
             "// for every message a maximal and a minimal valid payload, and variants of the\n"
             "// maximal one that stay valid or break one rule (with the expected error code).\n"
             % front.label)
    o.append("#pragma once\n\n#include <cstddef>\n\nnamespace test::%s_cases {\n\n" % front.name)
    o.append("struct Message {\n"
             "  const char* name;     // \"BootNotificationRequest\"\n"
             "  const char* maximal;  // every property, arrays with items, vendor data in open objects\n"
             "  const char* minimal;  // the required properties only\n"
             "};\n\n")
    o.append("enum class Change {\n"
             "  Set,     // put `value` (JSON text) at `pointer`\n"
             "  Remove,  // remove the property at `pointer`\n"
             "  Long,    // put a string of `count` characters (some multi-byte) at `pointer`\n"
             "  Repeat,  // make the array at `pointer` `count` copies of its first item\n"
             "};\n\n")
    o.append("inline constexpr const char* kFormat = \"%s\";\n"
             "inline constexpr const char* kOccurrence = \"%s\";\n"
             "inline constexpr const char* kType = \"TypeConstraintViolation\";\n"
             "inline constexpr const char* kProperty = \"PropertyConstraintViolation\";\n\n" %
             (front.errors["format"], front.errors["occurrence"]))
    o.append("struct Variant {\n"
             "  std::size_t message;  // index into kMessages\n"
             "  Change change;\n"
             "  const char* pointer;  // JSON pointer (RFC 6901) into the maximal payload\n"
             "  const char* value;\n"
             "  std::size_t count;\n"
             "  const char* code;     // the expected error code (at `pointer`); nullptr: still valid\n"
             "};\n\n")
    messages = []
    variants = []
    seen_enums = set()
    seen_types = set()
    for action in model.actions:
        for role in ("Request", "Response"):
            fname = action + front.request_suffix + ".json" if role == "Request" else \
                action + "Response.json"
            with open(os.path.join(schema_dir, fname), encoding="utf-8") as fh:
                schema = json.load(fh)
            w = Walker(schema, action + role)
            maximal = w.example(schema, True)
            minimal = w.example(schema, False)
            index = len(messages)
            messages.append((action + role, maximal, minimal))
            out = []
            w.object_variants(schema, maximal, "", out, seen_enums, seen_types)
            for change, ptr, value, count, expect in out:
                variants.append((index, change, ptr, value, count, expect))
    o.append("inline constexpr Message kMessages[] = {\n")
    for name, maximal, minimal in messages:
        o.append("    {\"%s\",\n     %s,\n     %s},\n" % (name, cpp_raw(dumps(maximal)),
                                                      cpp_raw(dumps(minimal))))
    o.append("};\n\n")
    o.append("inline constexpr Variant kVariants[] = {\n")
    kinds = {"set": "Set", "remove": "Remove", "long": "Long", "repeat": "Repeat"}
    codes = {None: "nullptr", "format": "kFormat", "occurrence": "kOccurrence", "type": "kType",
             "property": "kProperty"}
    for index, change, ptr, value, count, expect in variants:
        o.append("    {%d, Change::%s, \"%s\", %s, %d, %s},\n" %
                 (index, kinds[change], ptr, cpp_raw(value) if value is not None else "nullptr",
                  count, codes[expect]))
    o.append("};\n\n}  // namespace test::%s_cases\n" % front.name)
    return "".join(o)
