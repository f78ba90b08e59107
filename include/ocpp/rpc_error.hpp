// The error codes of OCPP-J (OCPP-J 1.6 section 4.2.3; OCPP 2.0.1 part 4 section 4.3).
#pragma once

#include <string_view>

#include "ocpp/export.hpp"

namespace ocpp {

/// An OCPP-J CALLERROR code. The library sends only these; it accepts any string from the peer.
enum class RpcErrorCode {
  NotImplemented,
  NotSupported,
  InternalError,
  ProtocolError,
  SecurityError,
  FormationViolation,
  PropertyConstraintViolation,
  OccurenceConstraintViolation,  // sic: the spelling of OCPP-J 1.6
  TypeConstraintViolation,
  GenericError,
  // OCPP 2.0.1 (part 4, table 8) spells two of the codes above differently and adds two:
  FormatViolation,                ///< 2.0.1's FormationViolation
  OccurrenceConstraintViolation,  ///< 2.0.1's OccurenceConstraintViolation
  MessageTypeNotSupported,        ///< 2.0.1: a message type number not supported
  RpcFrameworkError,              ///< 2.0.1: not a valid RPC request (e.g. no readable message id)
};

/// The code as written on the wire, e.g. "FormationViolation".
OCPP_API std::string_view to_string(RpcErrorCode code) noexcept;

}  // namespace ocpp
