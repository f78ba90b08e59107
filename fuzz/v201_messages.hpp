// The OCPP 2.0.1 message types (request and response of each action), for the targets that
// check what the 2.0.1 engine sends against the schema.
#pragma once

#include <rapidjson/document.h>

#include <string>

#include "ocpp/v201/generated/messages.hpp"

namespace fuzz::v201 {

/// Decodes json as the request (response = false) or response of action with the generated
/// codec, which enforces the schema; on failure *error (if given) receives the reason.
bool decode_as(ocpp::v201::Action action, bool response, const rapidjson::Value& json,
               std::string* error = nullptr);

}  // namespace fuzz::v201
