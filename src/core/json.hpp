// Bounded JSON parsing for everything that did not come from our own encoder: frames from the
// network, and rows read back from the store (a disk can hand back anything).
//
// RapidJSON's default reader recurses once per nesting level, so a frame of 200,000 '[' runs
// the stack out. This parser uses the iterative reader and stops at a fixed depth, far above
// what any OCPP schema needs; invalid UTF-8 is a parse error, so no string we later echo back
// (in a CALLERROR description, a log line) can make our own frames invalid.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ocpp::core {

/// Nesting levels allowed in one JSON text, counting the outer array of an OCPP-J frame.
/// The deepest OCPP 1.6 message (SetChargingProfile) needs 6, OCPP 2.0.1's deepest (a
/// charging profile with sales tariffs and customData) needs 11.
inline constexpr std::size_t kMaxJsonDepth = 32;

/// What a parse saw of a top-level array before it stopped, so that a frame that breaks
/// (too deep, a bad number, invalid UTF-8 later on) can still be answered by its message id.
struct ArrayHead {
  bool is_array = false;
  bool has_type = false;  // element 0 is an integer
  std::int64_t type = 0;
  bool has_id = false;  // element 1 is a string
  std::string id;
  std::size_t elements = 0;  // top-level elements seen (all of them when the parse succeeded)
};

/// Parses `text` into `doc` without recursion. Returns false with a short reason in `error`
/// when the text is not one valid JSON value, nests deeper than `max_depth`, is not UTF-8, or
/// has an object with the same member name twice (RFC 8259 §4).
/// `head`, when given, is filled even when the parse fails.
bool parse_json(rapidjson::Document& doc, std::string_view text, std::string* error = nullptr,
                ArrayHead* head = nullptr, std::size_t max_depth = kMaxJsonDepth);

}  // namespace ocpp::core
