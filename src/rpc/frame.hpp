// OCPP-J framing (OCPP-J 1.6 section 4): CALL [2,id,action,payload],
// CALLRESULT [3,id,payload], CALLERROR [4,id,code,description,details].
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>

#include "ocpp/rpc_error.hpp"

namespace ocpp::rpc {

/// Message ids are at most 36 characters (OCPP-J 1.6 section 4.1.3).
inline constexpr std::size_t kMaxMessageIdLength = 36;

struct Frame {
  enum class Kind { Call, CallResult, CallError, Invalid };
  Kind kind = Kind::Invalid;
  std::string id;
  std::string action;                         // Call
  rapidjson::Document doc;                    // owns the parsed text
  const rapidjson::Value* payload = nullptr;  // Call, CallResult
  std::string error_code;                     // CallError: any string the peer sent
  std::string error_description;              // CallError
  // Invalid: whether a CALLERROR can be addressed to the sender (the id was readable and the
  // frame was a CALL or of an unknown type), and with which code (MessageTypeNotSupported for
  // an unknown type, else RpcFrameworkError; both spelled FormationViolation by OCPP-J 1.6).
  bool reply_possible = false;
  RpcErrorCode reply_code = RpcErrorCode::RpcFrameworkError;
  // Invalid and not answerable: whether it may have been a CALL (its type was not read as a
  // CALLRESULT or CALLERROR); OCPP 2.0.1 answers those with message id "-1".
  bool maybe_call = true;
  std::string reason;
};

/// Parses one text frame. Never throws; anything malformed is Kind::Invalid with the reason.
Frame parse_frame(std::string_view text);

/// ErrorDescription is at most 255 characters (OCPP 2.0.1 part 4 table 7); longer
/// descriptions are cut at a UTF-8 character boundary.
inline constexpr std::size_t kMaxErrorDescription = 255;

/// Builds frames. payload_json must be a JSON object text.
std::string make_call(std::string_view id, std::string_view action, std::string_view payload_json);
std::string make_call_result(std::string_view id, std::string_view payload_json);
std::string make_call_error(std::string_view id, RpcErrorCode code, std::string_view description,
                            RpcDialect dialect = RpcDialect::ocpp16);

}  // namespace ocpp::rpc
