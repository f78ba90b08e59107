#include "v16_messages.hpp"

#include <type_traits>

#include "core/json.hpp"
#include "fuzz_support.hpp"
#include "v16/generated/codec.hpp"

namespace fuzz::v16 {
namespace {

namespace codec = ocpp::v16::codec;
using ocpp::v16::Action;

template <class T>
struct Tag {
  using type = T;
};

#define OCPP_FUZZ_COUNT(Name) +1
constexpr std::size_t kActions = 0 OCPP_V16_ACTIONS(OCPP_FUZZ_COUNT);
#undef OCPP_FUZZ_COUNT

// Calls f(Tag<T>{}) with the message type of index; index < 2 * kActions.
template <class F>
bool visit(std::size_t index, F&& f) {
  const auto action = static_cast<Action>(index / 2);
  const bool response = index % 2 == 1;
  switch (action) {
#define OCPP_FUZZ_CASE(Name)                                                   \
  case Action::Name:                                                           \
    return response ? f(Tag<ocpp::v16::Name##Response>{}) : f(Tag<ocpp::v16::Name##Request>{});
    OCPP_V16_ACTIONS(OCPP_FUZZ_CASE)
#undef OCPP_FUZZ_CASE
  }
  return false;
}

}  // namespace

std::size_t message_type_count() { return 2 * kActions; }
std::size_t message_type(Action action, bool response) {
  return 2 * static_cast<std::size_t>(action) + (response ? 1 : 0);
}
Action action_of(std::size_t index) { return static_cast<Action>(index / 2); }
bool is_response(std::size_t index) { return index % 2 == 1; }

bool decode_as(std::size_t index, const rapidjson::Value& json, std::string* encoding,
               std::string* error) {
  return visit(index, [&](auto tag) {
    typename decltype(tag)::type msg;
    codec::Error err;
    if (!codec::decode(json, msg, err)) {
      if (error) *error = err.message;
      return false;
    }
    if (encoding) *encoding = codec::to_json(msg);
    return true;
  });
}

bool check_round_trip(std::size_t index, const rapidjson::Value& json) {
  return visit(index, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T first;
    codec::Error err;
    if (!codec::decode(json, first, err)) return false;
    // What the decoder accepts, the validator (run on everything the library sends) accepts.
    FUZZ_CHECK_MSG(codec::validate(first, err), err.message);
    const std::string encoded = codec::to_json(first);
    rapidjson::Document doc;
    std::string why;
    FUZZ_CHECK_MSG(ocpp::core::parse_json(doc, encoded, &why), why + " in " + encoded);
    T second;
    FUZZ_CHECK_MSG(codec::decode(doc, second, err), err.message + " in " + encoded);
    FUZZ_CHECK_MSG(codec::validate(second, err), err.message + " in " + encoded);
    const std::string again = codec::to_json(second);
    FUZZ_CHECK_MSG(again == encoded, encoded + " became " + again);
    return true;
  });
}

}  // namespace fuzz::v16
