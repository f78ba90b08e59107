"""C++ support code of the generated codec.hpp (namespace <version>::codec::detail).

@FORMAT@ and @OCCURRENCE@ stand for the version's spellings of the error codes
FormationViolation / FormatViolation and OccurenceConstraintViolation /
OccurrenceConstraintViolation (Front.err_format, Front.err_occurrence).
"""

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
  err.code = ocpp::RpcErrorCode::@FORMAT@;
  err.message.assign(name, len);
  err.message.append(": property not allowed");
  return false;
}

inline bool missing(Error& err, const char* name) {
  err.code = ocpp::RpcErrorCode::@OCCURRENCE@;
  err.message.assign(name);
  err.message.append(": required property missing");
  return false;
}

inline bool expect_object(const rapidjson::Value& v, Error& err) {
  if (v.IsObject()) return true;
  if (v.IsArray()) return fail(err, ocpp::RpcErrorCode::@FORMAT@, "expected an object, got an array");
  return fail(err, ocpp::RpcErrorCode::TypeConstraintViolation, "expected an object");
}

inline bool expect_array(const rapidjson::Value& v, Error& err) {
  if (v.IsArray()) return true;
  if (v.IsObject()) return fail(err, ocpp::RpcErrorCode::@FORMAT@, "expected an array, got an object");
  return fail(err, ocpp::RpcErrorCode::TypeConstraintViolation, "expected an array");
}

inline bool check_items(std::size_t n, std::size_t min_items, std::size_t max_items, Error& err) {
  if (n < min_items) {
    err.code = ocpp::RpcErrorCode::@OCCURRENCE@;
    err.message = ": expected at least " + std::to_string(min_items) + " item(s), got " + std::to_string(n);
    return false;
  }
  if (n > max_items) {
    err.code = ocpp::RpcErrorCode::@OCCURRENCE@;
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

# Emitted only when a schema bounds an integer ("minimum" / "maximum").
INT_RANGE_SUPPORT = r'''inline bool check_range(std::int32_t v, std::int64_t minimum, std::int64_t maximum, Error& err) {
  if (v >= minimum && v <= maximum) return true;
  err.code = ocpp::RpcErrorCode::PropertyConstraintViolation;
  if (v < minimum)
    err.message = ": less than the minimum " + std::to_string(minimum);
  else
    err.message = ": greater than the maximum " + std::to_string(maximum);
  return false;
}

'''

# Emitted when RAW_SUPPORT or EXTRA_SUPPORT is.
JSON_TEXT_SUPPORT = r'''inline bool not_json(Error& err, const std::string& why) {
  err.code = ocpp::RpcErrorCode::@FORMAT@;
  err.message = ": not valid JSON: " + why;
  return false;
}

'''

# Emitted only when an open object is kept whole as ocpp::RawJson (customData).
RAW_SUPPORT = r'''// A property without a type: any JSON value (null too), written again, compact.
inline void get_any(const rapidjson::Value& v, ocpp::RawJson& out) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  v.Accept(w);
  out.text.assign(buf.GetString(), buf.GetSize());
}

// For validate: the text is one JSON value (bounded parse).
inline bool check_any(const ocpp::RawJson& raw, Error& err) {
  rapidjson::Document doc;
  std::string why;
  return ocpp::core::parse_json(doc, raw.text, &why) || not_json(err, why);
}

// An open object kept whole: decoding its declared properties into Fields checks them (the
// undeclared ones may be anything); the text is the object written again, compact, with every
// member it had.
template <class Fields>
bool decode_raw(const rapidjson::Value& v, ocpp::RawJson& out, Error& err) {
  Fields fields;
  if (!decode_impl(v, fields, err)) return false;
  get_any(v, out);
  return true;
}

// For validate: the text is one JSON object (bounded parse) and its declared properties hold.
template <class Fields>
bool check_raw(const ocpp::RawJson& raw, Error& err) {
  rapidjson::Document doc;
  std::string why;
  if (!ocpp::core::parse_json(doc, raw.text, &why)) return not_json(err, why);
  Fields fields;
  return decode_impl(doc, fields, err);
}

// Written as it is: validate has checked it. (The type only matters to the writer where a
// key is due, never here.)
inline void put_raw(JsonWriter& w, const ocpp::RawJson& raw) {
  w.RawValue(raw.text.data(), raw.text.size(), rapidjson::kObjectType);
}

'''

# Emitted only when an open object with declared properties is kept typed: its undeclared
# properties go to the member additional_properties (model.EXTRA_MEMBER).
EXTRA_SUPPORT = r'''// Collects the undeclared properties of an open object while it is decoded.
class ExtraProperties {
 public:
  void add(const rapidjson::Value& name, const rapidjson::Value& value) {
    if (!started_) {
      writer_.StartObject();
      started_ = true;
    }
    writer_.Key(name.GetString(), name.GetStringLength());
    value.Accept(writer_);
  }
  void finish(std::optional<ocpp::RawJson>& out) {
    if (!started_) return;
    writer_.EndObject();
    out.emplace();
    out->text.assign(buffer_.GetString(), buffer_.GetSize());
  }

 private:
  rapidjson::StringBuffer buffer_;
  JsonWriter writer_{buffer_};
  bool started_ = false;
};

// Writes the members of the JSON object `extra` into the object being written; validate has
// checked that it is one.
inline void put_members(JsonWriter& w, const ocpp::RawJson& extra) {
  rapidjson::Document doc;
  if (!ocpp::core::parse_json(doc, extra.text) || !doc.IsObject()) return;
  for (auto m = doc.MemberBegin(); m != doc.MemberEnd(); ++m) {
    w.Key(m->name.GetString(), m->name.GetStringLength());
    m->value.Accept(w);
  }
}

// For validate: one JSON object, none of whose members is a declared property.
inline bool check_members(const ocpp::RawJson& extra, const char* const* declared, std::size_t n,
                          Error& err) {
  rapidjson::Document doc;
  std::string why;
  if (!ocpp::core::parse_json(doc, extra.text, &why)) return not_json(err, why);
  if (!doc.IsObject()) return fail(err, ocpp::RpcErrorCode::@FORMAT@, "not a JSON object");
  for (auto m = doc.MemberBegin(); m != doc.MemberEnd(); ++m) {
    const std::string_view name(m->name.GetString(), m->name.GetStringLength());
    for (std::size_t i = 0; i < n; ++i) {
      if (name != declared[i]) continue;
      err.code = ocpp::RpcErrorCode::@FORMAT@;
      err.message = ": repeats the declared property '" + std::string(name) + "'";
      return false;
    }
  }
  return true;
}

'''
