#include "v201_messages.hpp"

#include "v201/generated/codec.hpp"

namespace fuzz::v201 {

namespace {
template <class T>
bool decode_type(const rapidjson::Value& json, std::string* error) {
  T msg;
  ocpp::v201::codec::Error err;
  if (ocpp::v201::codec::decode(json, msg, err)) return true;
  if (error) *error = err.message;
  return false;
}
}  // namespace

bool decode_as(ocpp::v201::Action action, bool response, const rapidjson::Value& json,
               std::string* error) {
  switch (action) {
#define OCPP_FUZZ_CASE(Name)                                               \
  case ocpp::v201::Action::Name:                                           \
    return response ? decode_type<ocpp::v201::Name##Response>(json, error) \
                    : decode_type<ocpp::v201::Name##Request>(json, error);
    OCPP_V201_ACTIONS(OCPP_FUZZ_CASE)
#undef OCPP_FUZZ_CASE
  }
  return false;
}

}  // namespace fuzz::v201
