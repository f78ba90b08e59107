// Target codec: the generated OCPP 1.6 codec. The first byte picks one of the 78 message types
// (request or response of each action), the rest is the JSON payload. Whatever decodes must
// validate, re-encode to JSON that decodes again, and re-encode to the same text.
#include <string_view>

#include "core/json.hpp"
#include "fuzz_support.hpp"
#include "v16_messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Reader in(data, size);
  const std::size_t type = in.pick(fuzz::v16::message_type_count());
  rapidjson::Document doc;
  if (!ocpp::core::parse_json(doc, in.rest())) return 0;
  fuzz::v16::check_round_trip(type, doc);
  return 0;
}
