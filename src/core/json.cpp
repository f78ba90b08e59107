#include "core/json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "core/utf8.hpp"

namespace ocpp::core {
namespace {

using Doc = rapidjson::Document;
using rapidjson::SizeType;

// Whether a decoded string holds a UTF-16 surrogate (U+D800..U+DFFF, encoded ED A0..BF xx).
// The reader validates the raw bytes, but turns an escaped lone low surrogate ("\uDC00") into
// those three bytes, which are not UTF-8: echoed in a CALLERROR they would make our own frame
// invalid.
bool has_surrogate(const char* s, SizeType n) {
  // memchr finds the rare lead byte fast; most strings are ASCII and have none.
  const char* end = s + n;
  for (const char* p = s; p < end;) {
    p = static_cast<const char*>(std::memchr(p, 0xED, static_cast<std::size_t>(end - p)));
    if (!p || p + 1 >= end) return false;
    if (static_cast<unsigned char>(p[1]) >= 0xA0) return true;
    ++p;
  }
  return false;
}

// Forwards SAX events to the document, refusing to open a level beyond the limit and noting
// the leading elements of a top-level array.
class BoundedHandler {
 public:
  BoundedHandler(Doc& doc, std::size_t max_depth, ArrayHead* head, bool check_surrogates)
      : doc_(doc), max_depth_(max_depth), head_(head), check_surrogates_(check_surrogates) {}

  bool too_deep() const { return too_deep_; }
  bool surrogate() const { return surrogate_; }
  bool bad_number() const { return bad_number_; }

  bool Null() { return element() && doc_.Null(); }
  bool Bool(bool b) { return element() && doc_.Bool(b); }
  bool Int(int i) { return element(i) && doc_.Int(i); }
  bool Uint(unsigned u) { return element(u) && doc_.Uint(u); }
  bool Int64(std::int64_t i) { return element(i) && doc_.Int64(i); }
  bool Uint64(std::uint64_t u) { return element() && doc_.Uint64(u); }
  bool Double(double d) { return element() && doc_.Double(d); }
  // Numbers arrive as text (kParseNumbersAsStringsFlag) and are converted here: RapidJSON's
  // own conversion is either inexact (a value read, written and read again drifts) or, with
  // kParseFullPrecisionFlag, undefined behaviour in 1.1.0 for a zero with an exponent ("0e-50"
  // calls __builtin_clzll(0)). std::from_chars is exact and locale-independent. The kinds
  // are RapidJSON's: Int, Uint, Int64, Uint64 for integers that fit, Double otherwise. A value
  // beyond double's range (or below its normal range) is an error, as RapidJSON's "number too
  // big" was.
  bool RawNumber(const char* s, SizeType n, bool) {
    const char* end = s + n;
    const bool integer =
        std::find_if(s, end, [](char c) { return c == '.' || c == 'e' || c == 'E'; }) == end;
    if (integer) {
      std::int64_t i = 0;
      if (auto r = std::from_chars(s, end, i); r.ec == std::errc() && r.ptr == end) {
        if (i >= INT32_MIN && i <= INT32_MAX) return Int(static_cast<int>(i));
        if (i >= 0 && i <= UINT32_MAX) return Uint(static_cast<unsigned>(i));
        return Int64(i);
      }
      std::uint64_t u = 0;
      if (auto r = std::from_chars(s, end, u); r.ec == std::errc() && r.ptr == end)
        return Uint64(u);
    }
    double d = 0;
    auto r = std::from_chars(s, end, d);
    if (r.ec != std::errc() || r.ptr != end) {
      bad_number_ = true;
      return false;
    }
    return Double(d);
  }
  bool String(const char* s, SizeType n, bool copy) {
    if (!text(s, n)) return false;
    if (head_ && depth_ == 1 && head_->is_array && head_->elements == 1) {
      head_->has_id = true;
      head_->id.assign(s, n);
    }
    return element() && doc_.String(s, n, copy);
  }
  bool Key(const char* s, SizeType n, bool copy) { return text(s, n) && doc_.Key(s, n, copy); }
  bool StartObject() { return element() && open() && doc_.StartObject(); }
  bool EndObject(SizeType members) {
    --depth_;
    return doc_.EndObject(members);
  }
  bool StartArray() {
    if (head_ && depth_ == 0) head_->is_array = true;
    return element() && open() && doc_.StartArray();
  }
  bool EndArray(SizeType elements) {
    --depth_;
    return doc_.EndArray(elements);
  }

 private:
  // Counts a value that sits directly in the top-level array.
  bool element() {
    if (head_ && depth_ == 1 && head_->is_array) ++head_->elements;
    return true;
  }
  bool element(std::int64_t v) {
    if (head_ && depth_ == 1 && head_->is_array && head_->elements == 0) {
      head_->has_type = true;
      head_->type = v;
    }
    return element();
  }
  bool text(const char* s, SizeType n) {
    if (!check_surrogates_ || !has_surrogate(s, n)) return true;
    surrogate_ = true;
    return false;
  }
  bool open() {
    if (depth_ >= max_depth_) {
      too_deep_ = true;
      return false;
    }
    ++depth_;
    return true;
  }

  Doc& doc_;
  std::size_t max_depth_;
  ArrayHead* head_;
  bool check_surrogates_;
  std::size_t depth_ = 0;
  bool too_deep_ = false;
  bool surrogate_ = false;
  bool bad_number_ = false;
};

// The name an object carries more than once, if any. RFC 8259 §4: names SHOULD be unique, and
// what a receiver makes of duplicates is unpredictable: the generated codec keeps the last one,
// FindMember (used on stored records) finds the first, other parsers refuse the text, so the
// two ends of a connection could act on different values. Without recursion, like the parse.
std::optional<std::string_view> duplicate_name(const rapidjson::Value& root) {
  if (!root.IsArray() && !root.IsObject()) return std::nullopt;
  std::vector<const rapidjson::Value*> todo{&root};  // only arrays and objects
  std::vector<std::string_view> names;
  while (!todo.empty()) {
    const rapidjson::Value& v = *todo.back();
    todo.pop_back();
    if (v.IsArray()) {
      for (const auto& e : v.GetArray())
        if (e.IsArray() || e.IsObject()) todo.push_back(&e);
      continue;
    }
    names.clear();
    for (const auto& m : v.GetObject()) {
      names.emplace_back(m.name.GetString(), m.name.GetStringLength());
      if (m.value.IsArray() || m.value.IsObject()) todo.push_back(&m.value);
    }
    if (names.size() <= 16) {
      // OCPP objects are small: comparing pairs costs less than sorting.
      for (std::size_t a = 1; a < names.size(); ++a)
        for (std::size_t b = 0; b < a; ++b)
          if (names[a].size() == names[b].size() && names[a] == names[b]) return names[a];
      continue;
    }
    std::sort(names.begin(), names.end());
    auto same = std::adjacent_find(names.begin(), names.end());
    if (same != names.end()) return *same;
  }
  return std::nullopt;
}

// Whether a string of the parsed text may hold a surrogate: valid UTF-8 has none of its own
// (valid_utf8 refuses ED A0..BF), so only a "\\uD800".."\\uDFFF" escape can make one. Most
// frames have no backslash at all: one memchr instead of one per string.
bool may_escape_surrogate(std::string_view text) {
  const char* p = text.data();
  const char* end = p + text.size();
  while ((p = static_cast<const char*>(std::memchr(p, '\\', static_cast<std::size_t>(end - p))))) {
    if (end - p >= 3 && p[1] == 'u' && (p[2] == 'd' || p[2] == 'D')) return true;
    p += 2;  // the escaped character (a backslash too) is not the start of another escape
    if (p >= end) break;
  }
  return false;
}

}  // namespace

bool parse_json(Doc& doc, std::string_view text, std::string* error, ArrayHead* head,
                std::size_t max_depth) {
  if (head) *head = ArrayHead{};
  rapidjson::ParseResult result;
  const bool utf8_ok = valid_utf8(text);
  BoundedHandler handler(doc, max_depth, head, !utf8_ok || may_escape_surrogate(text));
  auto generate = [&](Doc& d) {
    // Parsed in place, in a copy of the text the document owns: the strings stay where they
    // are instead of being copied into the document one by one (what the hand-written decoders
    // of the benchmarks' floors pay for with the plain reader). A NUL byte ends the text as it
    // did for the bounded stream: RapidJSON reads '\0' as the end either way.
    char* copy = static_cast<char*>(d.GetAllocator().Malloc(text.size() + 1));
    if (!copy) {
      result.Set(rapidjson::kParseErrorTermination, 0);
      return false;
    }
    std::memcpy(copy, text.data(), text.size());
    copy[text.size()] = '\0';
    rapidjson::InsituStringStream is(copy);
    rapidjson::Reader reader;
    // Numbers as text: converted exactly by BoundedHandler::RawNumber.
    constexpr unsigned kFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseStopWhenDoneFlag |
                                rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseInsituFlag;
    // The whole text is checked for UTF-8 in one fast pass; RapidJSON's own check (a slow path
    // byte by byte in every string) runs only on text that fails it, for the same error and
    // the same readable head (the message id) as before.
    if (utf8_ok)
      result = reader.Parse<kFlags>(is, handler);
    else
      result = reader.Parse<kFlags | rapidjson::kParseValidateEncodingFlag>(is, handler);
    if (result && is.Tell() != text.size()) {
      // Trailing bytes after the value: only whitespace is allowed.
      for (std::size_t i = is.Tell(); i < text.size(); ++i) {
        const char c = text[i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
          result.Set(rapidjson::kParseErrorDocumentRootNotSingular, i);
          break;
        }
      }
    }
    return static_cast<bool>(result);
  };
  doc.SetNull();
  doc.Populate(generate);
  if (result) {
    auto dup = duplicate_name(doc);
    if (!dup) return true;
    doc.SetNull();
    if (error) {
      // The name only when it is short: cutting it could split a UTF-8 sequence.
      *error = "an object has the member name " +
               (dup->size() <= 40 ? "\"" + std::string(*dup) + "\" " : std::string()) +
               "more than once";
    }
    return false;
  }
  doc.SetNull();
  if (error) {
    if (handler.too_deep()) {
      *error = "JSON nested deeper than " + std::to_string(max_depth) + " levels";
    } else if (handler.surrogate()) {
      *error = "a string with an unpaired UTF-16 surrogate escape";
    } else if (handler.bad_number()) {
      *error = "a number out of range at offset " + std::to_string(result.Offset());
    } else {
      *error = std::string(rapidjson::GetParseError_En(result.Code())) + " at offset " +
               std::to_string(result.Offset());
    }
  }
  return false;
}

}  // namespace ocpp::core
