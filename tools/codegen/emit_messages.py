"""messages.hpp: the public C++ types of one OCPP version (standard library only)."""

from model import EXTRA_MEMBER, enumerator, ordered_structs, uses


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
    if k == "raw":
        return "ocpp::RawJson"
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


def gen_messages_hpp(front, model):
    o = [front.header_comment()]
    o.append(front.messages_intro)
    o.append("#pragma once\n\n")
    o.append("#include <cstdint>\n#include <optional>\n#include <string>\n#include <string_view>\n"
             "#include <vector>\n\n")
    if uses(model, lambda t: t.kind == "raw") or any(st.keep_extra for st in model.structs.values()):
        o.append("#include \"ocpp/raw_json.hpp\"\n")
    o.append("#include \"ocpp/time.hpp\"\n\n")
    o.append("// X-macro over the %d actions, in alphabetical order.\n" % len(model.actions))
    o.append("#define OCPP_%s_ACTIONS(X)" % front.name.upper())
    for a in model.actions:
        o.append(" \\\n  X(%s)" % a)
    o.append("\n\nnamespace %s {\n\n" % front.namespace)
    o.append("/// The actions of %s (the message names of the CALLs).\n" % front.label)
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
    o.append("}  // namespace %s\n" % front.namespace)
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
    members = []
    for f in st.fields:
        t = cpp_type(f.type)
        if f.required:
            o.append("  %s %s%s;\n" % (t, f.member, default_init(f.type, model)))
        else:
            o.append("  std::optional<%s> %s;\n" % (t, f.member))
        members.append(f.member)
    if st.keep_extra:
        o.append("  std::optional<ocpp::RawJson> %s;\n" % EXTRA_MEMBER)
        members.append(EXTRA_MEMBER)
    o.append("};\n")
    if members:
        o.append("inline bool operator==(const %s& a, const %s& b) noexcept {\n" % (st.name, st.name))
        conds = ["a.%s == b.%s" % (m, m) for m in members]
        o.append("  return " + " &&\n         ".join(conds) + ";\n}\n")
    else:
        o.append("inline bool operator==(const %s&, const %s&) noexcept { return true; }\n" %
                 (st.name, st.name))
    o.append("inline bool operator!=(const %s& a, const %s& b) noexcept { return !(a == b); }\n\n" %
             (st.name, st.name))
