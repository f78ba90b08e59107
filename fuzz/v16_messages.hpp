// The 78 OCPP 1.6 message types (request and response of each action) by number, for targets
// that pick a type from input bytes or check what the engine sends against the schema.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <string>

#include "fuzz_support.hpp"

#include "ocpp/v16/generated/messages.hpp"

namespace fuzz::v16 {

/// Number of message types: index = 2 * action + (response ? 1 : 0).
std::size_t message_type_count();
std::size_t message_type(ocpp::v16::Action action, bool response);
ocpp::v16::Action action_of(std::size_t index);
bool is_response(std::size_t index);

/// Decodes json as message type index (the generated codec, which enforces the schema). On
/// success *encoding (if given) receives the codec's re-encoding; on failure *error (if given)
/// the reason.
bool decode_as(std::size_t index, const rapidjson::Value& json, std::string* encoding = nullptr,
               std::string* error = nullptr);

/// Decodes json as message type index; when that succeeds, checks that the decoded message
/// validates, that its encoding parses, decodes again and encodes to the same text, and that
/// this second message validates too. Aborts on a violation; returns whether json decoded.
bool check_round_trip(std::size_t index, const rapidjson::Value& json);

/// A value of the enumeration E chosen by one byte of in (a Reader, or anything with byte()).
/// to_string is empty past the last value.
template <class E, class Source>
E pick_enum(Source& in) {
  int n = 0;
  while (n < 64 && !ocpp::v16::to_string(static_cast<E>(n)).empty()) ++n;
  return static_cast<E>(in.byte() % (n > 0 ? n : 1));
}

}  // namespace fuzz::v16
