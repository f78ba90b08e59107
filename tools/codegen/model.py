"""The type model of the generator and the reader that builds it from one OCPP version's JSON
schemas. Version-specific choices (file names, type names, which keywords are allowed, what an
open object becomes) come from the front (gen_v16.py, gen_v201.py); see gen.Front.
"""

import json
import os

# Keywords every version's schemas may use. A front adds its own (Front.extra_keywords).
BASE_KEYWORDS = {
    "$schema", "$id", "title", "description", "javaType", "definitions", "type", "properties",
    "required", "additionalProperties", "items", "enum", "maxLength", "minItems", "maxItems",
    "multipleOf", "format", "$ref",
}
KNOWN_FORMATS = {"date-time", "uri"}


class GenError(Exception):
    pass


class TInt:
    kind = "int"

    def __init__(self, minimum=None, maximum=None):
        self.minimum = minimum
        self.maximum = maximum

    def sig(self):
        return ("int", self.minimum, self.maximum)


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


class TRaw:
    """JSON kept as text (ocpp::RawJson): an open object kept whole, name being its schema
    type, whose declared properties the codec still checks; or, with name None, a property
    the schema gives no type (any JSON value)."""
    kind = "raw"

    def __init__(self, name=None):
        self.name = name

    def sig(self):
        return ("raw", self.name)


class TArray:
    kind = "array"

    def __init__(self, item, min_items, max_items):
        self.item = item
        self.min_items = min_items
        self.max_items = max_items

    def sig(self):
        return ("array", self.item.sig(), self.min_items, self.max_items)


# Names a message struct declares itself (static constexpr Action action; using Response /
# Request): a property with one of these names gets a C++ member with a trailing "_".
MESSAGE_RESERVED = {"action", "Request", "Response"}


class Field:
    def __init__(self, name, typ, required, member=None):
        self.name = name  # the JSON property name
        self.member = member or name  # the C++ member
        self.type = typ
        self.required = required

    def sig(self):
        return (self.name, self.type.sig(), self.required)


# The member of an open object (kept typed) that holds its undeclared properties.
EXTRA_MEMBER = "additional_properties"


class Struct:
    def __init__(self, name, fields, closed, action=None, role=None, keep_extra=False):
        self.name = name
        self.fields = fields
        self.closed = closed  # "additionalProperties": false
        self.action = action
        self.role = role  # "Request", "Response" or None for nested types
        self.keep_extra = keep_extra  # undeclared properties kept in EXTRA_MEMBER

    def sig(self):
        # Property order does not matter: the 1.6 schemas list IdTagInfo's in two orders.
        return (tuple(sorted(f.sig() for f in self.fields)), self.closed, self.keep_extra)


class Model:
    def __init__(self):
        self.enums = {}  # name -> list of wire strings
        self.enum_origin = {}
        self.structs = {}  # name -> Struct (nested types)
        self.struct_origin = {}
        self.raws = {}  # name -> Struct of the declared properties of a raw (open) object
        self.messages = []  # Structs of the messages
        self.actions = []

    def _taken(self, name, kind, origin):
        for other, table in (("enum", self.enums), ("struct", self.structs), ("raw", self.raws)):
            if other != kind and name in table:
                raise GenError("name %s (from %s) is already a %s" % (name, origin, other))

    def add_enum(self, name, values, origin):
        if name in self.enums:
            if self.enums[name] != values:
                raise GenError("enum %s: %s and %s differ (%r vs %r)" %
                               (name, self.enum_origin[name], origin, self.enums[name], values))
            return
        self._taken(name, "enum", origin)
        self.enums[name] = values
        self.enum_origin[name] = origin

    def _add(self, table, kind, st, origin):
        if st.name in table:
            if table[st.name].sig() != st.sig():
                raise GenError("%s %s: %s and %s differ" %
                               (kind, st.name, self.struct_origin[st.name], origin))
            return
        self._taken(st.name, kind, origin)
        table[st.name] = st
        self.struct_origin[st.name] = origin

    def add_struct(self, st, origin):
        self._add(self.structs, "struct", st, origin)

    def add_raw(self, st, origin):
        self._add(self.raws, "raw", st, origin)


def pascal(s):
    return s[:1].upper() + s[1:]


def enumerator(wire):
    out = wire.replace(".", "_").replace("-", "_")
    if not out.replace("_", "").isalnum() or out[0].isdigit():
        raise GenError("enum value %r cannot be a C++ identifier" % wire)
    return out


def integral(value, what):
    """A schema bound such as 0.0 as an int; fails if it has a fraction."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise GenError("%s: %r is not an integer bound" % (what, value))
    return int(value)


class SchemaReader:
    def __init__(self, front, model, file_name, schema):
        self.front = front
        self.model = model
        self.file = file_name
        self.defs = schema.get("definitions", {})
        self.keywords = BASE_KEYWORDS | front.extra_keywords

    def check_keywords(self, node, where):
        unknown = set(node) - self.keywords
        if unknown:
            raise GenError("%s %s: unsupported schema keywords %s" %
                           (self.file, where, sorted(unknown)))
        if "additionalItems" in node and not isinstance(node.get("items"), dict):
            raise GenError("%s %s: additionalItems with a tuple 'items'" % (self.file, where))

    def resolve(self, node, where):
        ref = node.get("$ref")
        if ref is None:
            return node, None
        prefix = "#/definitions/"
        if not ref.startswith(prefix) or ref[len(prefix):] not in self.defs:
            raise GenError("%s %s: unresolvable $ref %r" % (self.file, where, ref))
        name = ref[len(prefix):]
        return self.defs[name], name

    def type_name(self, def_name, owner, prop, what, where):
        name = def_name or self.front.names.get((owner, prop))
        if name is None:
            name = owner + pascal(prop)
            if name in self.model.enums or name in self.model.structs or name in self.model.raws:
                raise GenError("%s %s: unmapped %s, and its fallback name %s collides; "
                               "add it to NAMES" % (self.file, where, what, name))
        return name

    def type_of(self, node, owner, prop, where):
        self.check_keywords(node, where)
        node, def_name = self.resolve(node, where)
        self.check_keywords(node, where)
        bounds = [k for k in ("minimum", "maximum") if k in node]
        if bounds and node.get("type") != "integer":
            raise GenError("%s %s: %s only supported on integers" % (self.file, where, bounds))
        if "enum" in node:
            if node.get("type") != "string":
                raise GenError("%s %s: only string enums are supported" % (self.file, where))
            name = self.type_name(def_name, owner, prop, "enum", where)
            values = list(node["enum"])
            for v in values:
                enumerator(v)
            if len(set(enumerator(v) for v in values)) != len(values):
                raise GenError("%s %s: enum values collide as identifiers" % (self.file, where))
            self.model.add_enum(name, values, "%s %s" % (self.file, where))
            return TEnum(name)
        t = node.get("type")
        if t is None and def_name is None and set(node) <= {"description", "$comment"}:
            return TRaw()
        if t == "integer":
            return TInt(*(integral(node[k], "%s %s %s" % (self.file, where, k))
                          if k in node else None for k in ("minimum", "maximum")))
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
            name = self.type_name(def_name, owner, prop, "object", where)
            origin = "%s %s" % (self.file, where)
            if name in self.front.raw_objects:
                st = self.struct_of(node, name, where, raw=True)
                if st.closed:
                    raise GenError("%s: %s is closed, it cannot be kept raw" % (origin, name))
                self.model.add_raw(st, origin)
                return TRaw(name)
            st = self.struct_of(node, name, where)
            self.model.add_struct(st, origin)
            return TStruct(name)
        raise GenError("%s %s: unsupported type %r" % (self.file, where, t))

    def struct_of(self, node, name, where, action=None, role=None, raw=False):
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
        if EXTRA_MEMBER in props:
            raise GenError("%s %s: a property is named %s" % (self.file, where, EXTRA_MEMBER))
        fields = []
        for pname, pnode in props.items():
            typ = self.type_of(pnode, name, pname, (where + "." if where else "") + pname)
            member = pname + "_" if role is not None and pname in MESSAGE_RESERVED else pname
            if member != pname and member in props:
                raise GenError("%s %s: %s and %s" % (self.file, where, pname, member))
            fields.append(Field(pname, typ, pname in required, member))
        keep = addl is not False and not raw and self.front.open_objects == "keep"
        return Struct(name, fields, addl is False, action, role, keep)


def load_model(front, schema_dir):
    files = sorted(f for f in os.listdir(schema_dir) if f.endswith(".json"))
    if not files:
        raise GenError("no schemas in %s" % schema_dir)
    names = set(f[:-5] for f in files)
    req_suffix = front.request_suffix
    actions = sorted(n[:len(n) - len(req_suffix)] for n in names
                     if not n.endswith("Response") and n.endswith(req_suffix))
    for a in actions:
        if a + "Response" not in names:
            raise GenError("no response schema for %s" % a)
    for n in names:
        if n.endswith("Response"):
            if n[:-len("Response")] + req_suffix not in names:
                raise GenError("no request schema for %s" % n)
        elif not n.endswith(req_suffix):
            raise GenError("schema %s.json is neither a request nor a response" % n)
    model = Model()
    model.actions = actions
    for action in actions:
        for role, fname in (("Request", action + req_suffix + ".json"),
                            ("Response", action + "Response.json")):
            with open(os.path.join(schema_dir, fname), encoding="utf-8") as fh:
                schema = json.load(fh)
            reader = SchemaReader(front, model, fname, schema)
            st = reader.struct_of(schema, action + role, "", action, role)
            model.messages.append(st)
    return model


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


def all_types(model):
    return ordered_structs(model) + model.messages


def uses(model, pred):
    """Whether a field of any type (raw objects' declared properties too) has a type, or an
    array of one, for which pred holds."""
    def walk(t):
        return pred(t) or (t.kind == "array" and walk(t.item))
    return any(walk(f.type) for st in all_types(model) + list(model.raws.values())
               for f in st.fields)


def c_str(s):
    return json.dumps(s)  # ASCII names only: a JSON string is a valid C string literal
