"""The internal JSON codec of one OCPP version on RapidJSON: codec.hpp, codec_enums*.cpp and the
codec_*.cpp of the types and messages (decode enforcing the schema, encode, validate, to_json).
"""

from codec_support import (CODEC_HPP_SUPPORT, EXTRA_SUPPORT, INT_RANGE_SUPPORT,
                           JSON_TEXT_SUPPORT, RAW_SUPPORT)
from emit_messages import cpp_type
from model import EXTRA_MEMBER, GenError, all_types, c_str, enumerator, uses


def raw_fields(name):
    """The internal struct of the declared properties of a raw (open) object."""
    return "%sFields" % name


def bounded_int(t):
    return t.kind == "int" and (t.minimum is not None or t.maximum is not None)


def gen_codec_hpp(front, model):
    e = front.errors
    o = [front.header_comment()]
    o.append("//\n// JSON codec of the %s messages: decode (enforcing the schema), encode, validate.\n"
             "// Error codes follow %s as described in docs/codegen.md.\n" % (front.label, front.error_ref))
    o.append("#pragma once\n\n")
    o.append("#include <rapidjson/document.h>\n#include <rapidjson/stringbuffer.h>\n"
             "#include <rapidjson/writer.h>\n\n")
    o.append("#include <cmath>\n#include <cstddef>\n#include <cstdint>\n#include <string>\n"
             "#include <string_view>\n\n")
    o.append("#include \"core/json.hpp\"\n#include \"ocpp/rpc_error.hpp\"\n#include \"ocpp/time.hpp\"\n"
             "#include \"%s\"\n\n" % front.messages_include)
    o.append("namespace %s::codec {\n\n" % front.namespace)
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
             "/// Text that is not JSON gives %s.\n" % e["format"])
    o.append("template <class T>\nbool from_json(std::string_view text, T& out, Error& err) {\n"
             "  rapidjson::Document doc;\n"
             "  std::string why;\n"
             "  if (!ocpp::core::parse_json(doc, text, &why)) {\n"
             "    err.code = ocpp::RpcErrorCode::%s;\n"
             "    err.message = \"not valid JSON: \" + why;\n"
             "    return false;\n  }\n"
             "  return decode(doc, out, err);\n}\n" % e["format"])
    o.append(front.spell(CODEC_HPP_SUPPORT))
    for name in sorted(model.raws):
        o.append("// The declared properties of %s, which is kept whole as ocpp::RawJson.\n" % name)
        o.append("struct %s {\n" % raw_fields(name))
        for f in model.raws[name].fields:
            o.append("  %s %s;\n" % (cpp_type(f.type) if f.required else
                                      "std::optional<%s>" % cpp_type(f.type), f.member))
        o.append("};\n\n")
    o.append("// Internal decoders and validators: leave paths relative (see at()).\n")
    for st in all_types(model):
        o.append("bool decode_impl(const rapidjson::Value& json, %s& out, Error& err);\n" % st.name)
        o.append("bool validate_impl(const %s& msg, Error& err);\n" % st.name)
    for name in sorted(model.raws):
        o.append("bool decode_impl(const rapidjson::Value& json, %s& out, Error& err);\n" %
                 raw_fields(name))
    extras = []
    if uses(model, bounded_int):
        extras.append(INT_RANGE_SUPPORT)
    keep = any(st.keep_extra for st in model.structs.values())
    if model.raws or keep or uses(model, lambda t: t.kind == "raw"):
        extras.append(JSON_TEXT_SUPPORT)
    if model.raws or uses(model, lambda t: t.kind == "raw"):
        extras.append(RAW_SUPPORT)
    if keep:
        extras.append(EXTRA_SUPPORT)
    if extras:
        o.append("\n" + front.spell("".join(extras)).rstrip("\n") + "\n")
    o.append("\n}  // namespace detail\n\n}  // namespace %s::codec\n" % front.namespace)
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


def gen_codec_enums_cpp(front, model, enum_names, with_action):
    o = [front.header_comment()]
    if with_action and len(enum_names) == len(model.enums):
        what = "Action and of every enumeration"
    else:
        what = "%sthe enumerations %s to %s" % ("Action and of " if with_action else "",
                                                 enum_names[0], enum_names[-1])
    o.append("//\n// to_string / from_string of %s of messages.hpp.\n\n" % what)
    o.append("#include <cstring>\n#include <string_view>\n\n#include \"%s\"\n\n" % front.messages_include)
    o.append("namespace %s {\n\n" % front.namespace)
    items = [("Action", [(a, a) for a in model.actions])] if with_action else []
    for name in enum_names:
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
    o.append("}  // namespace %s\n" % front.namespace)
    return "".join(o)


# --------------------------------------------------------------------------------------------
# codec bodies


def max_len_arg(t):
    return "%d" % t.max_length if t.max_length is not None else "static_cast<std::size_t>(-1)"


def range_check(t, expr):
    lo = "%d" % t.minimum if t.minimum is not None else "-2147483648LL"
    hi = "%d" % t.maximum if t.maximum is not None else "2147483647"
    return "if (!detail::check_range(%s, %s, %s, err)) return FAIL;" % (expr, lo, hi)


def decode_value(t, src, dst, ind):
    """C++ statements that decode src into dst; on failure they return false (path still to add)."""
    k = t.kind
    if k in ("int", "num", "bool"):
        lines = ["if (!detail::get(%s, %s, err)) return FAIL;" % (src, dst)]
        if bounded_int(t):
            lines.append(range_check(t, dst))
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
    if k == "raw" and t.name is None:
        return [ind + "detail::get_any(%s, %s);" % (src, dst)]
    if k == "raw":
        return [ind + "if (!detail::decode_raw<detail::%s>(%s, %s, err)) return FAIL;" %
                (raw_fields(t.name), src, dst)]
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
    if k == "raw":
        return [ind + "detail::put_raw(w, %s);" % expr]
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
    if k in ("num", "enum", "struct", "raw"):
        return True
    if k == "int":
        return bounded_int(t)
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
    if k == "raw" and t.name is None:
        return [ind + "if (!detail::check_any(%s, err)) return FAIL;" % expr]
    if k == "raw":
        return [ind + "if (!detail::check_raw<detail::%s>(%s, err)) return FAIL;" %
                (raw_fields(t.name), expr)]
    if k == "int":
        return [ind + range_check(t, expr)]
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


def gen_decode_impl(o, st, cpp_name):
    req = [f for f in st.fields if f.required]
    bits = {f.name: i for i, f in enumerate(req)}
    if len(req) > 32:
        raise GenError("%s: more than 32 required fields" % st.name)
    if st.keep_extra and not st.fields:
        raise GenError("%s: an open object without declared properties" % st.name)
    o.append("bool detail::decode_impl(const rapidjson::Value& json, %s&%s, Error& err) {\n" %
             (cpp_name, " out" if st.fields else ""))
    o.append("  if (!detail::expect_object(json, err)) return false;\n")
    if req:
        o.append("  std::uint32_t seen = 0;\n")
    if st.keep_extra:
        o.append("  detail::ExtraProperties extra;\n")
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
                    dst = "out.%s" % f.member
                else:
                    o.append(ind + "out.%s.emplace();\n" % f.member)
                    dst = "*out.%s" % f.member
                for line in with_at(decode_value(f.type, "v", dst, ind), f.name):
                    o.append(line + "\n")
                if f.required:
                    o.append(ind + "seen |= 0x%xu;\n" % (1 << bits[f.name]))
                o.append(ind + "continue;\n        }\n")
            o.append("        break;\n")
        o.append("      default:\n        break;\n    }\n")
        if st.closed:
            o.append("    return detail::unknown_property(err, key, key_len);\n")
        elif st.keep_extra:
            o.append("    extra.add(m->name, v);\n")
        o.append("  }\n")
        if st.keep_extra:
            o.append("  extra.finish(out.%s);\n" % EXTRA_MEMBER)
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


def gen_struct_codec(front, st):
    o = []
    n = st.name
    gen_decode_impl(o, st, n)

    # public decode
    o.append("bool decode(const rapidjson::Value& json, %s& out, Error& err) {\n" % n)
    if st.role is not None:
        o.append("  if (!json.IsObject()) {\n"
                 "    err.code = ocpp::RpcErrorCode::%s;\n" % front.errors["format"] +
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
            for line in encode_value(f.type, "msg.%s" % f.member, "  "):
                o.append(line + "\n")
        else:
            o.append("  if (msg.%s) {\n" % f.member)
            o.append("  " + key)
            for line in encode_value(f.type, "*msg.%s" % f.member, "    "):
                o.append(line + "\n")
            o.append("  }\n")
    if st.keep_extra:
        o.append("  if (msg.%s) detail::put_members(w, *msg.%s);\n" % (EXTRA_MEMBER, EXTRA_MEMBER))
    o.append("  w.EndObject();\n}\n\n")

    # validate_impl
    checked = [f for f in st.fields if needs_validate(f.type)]
    if checked or st.keep_extra:
        o.append("bool detail::validate_impl(const %s& msg, Error& err) {\n" % n)
        for f in checked:
            if f.required:
                for line in with_at(validate_value(f.type, "msg.%s" % f.member, "  "), f.name):
                    o.append(line + "\n")
            else:
                o.append("  if (msg.%s) {\n" % f.member)
                for line in with_at(validate_value(f.type, "(*msg.%s)" % f.member, "    "), f.name):
                    o.append(line + "\n")
                o.append("  }\n")
        if st.keep_extra:
            o.append("  if (msg.%s) {\n" % EXTRA_MEMBER)
            o.append("    static const char* const declared[] = {%s};\n" %
                     ", ".join(c_str(f.name) for f in st.fields))
            o.append("    if (!detail::check_members(*msg.%s, declared, %d, err))\n" %
                     (EXTRA_MEMBER, len(st.fields)))
            o.append("      return detail::at(err, %s);\n  }\n" % c_str(EXTRA_MEMBER))
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


def gen_codec_cpp(front, structs, what, raws=()):
    """structs: the types and messages of one file; raws: the raw objects whose declared
    properties it decodes (decode_impl only)."""
    o = [front.header_comment()]
    o.append("//\n// Codec of %s.\n\n" % what)
    o.append("#include <cstring>\n#include <string>\n\n#include \"%s\"\n\n" % front.codec_include)
    o.append("namespace %s::codec {\n\n" % front.namespace)
    for st in raws:
        gen_decode_impl(o, st, "detail::" + raw_fields(st.name))
    for st in structs:
        o.append(gen_struct_codec(front, st))
    o.append("}  // namespace %s::codec\n" % front.namespace)
    return "".join(o)


