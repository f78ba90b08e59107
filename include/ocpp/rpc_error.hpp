// The error codes of OCPP-J (OCPP-J 1.6 section 4.2.3).
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
};

/// The code as written on the wire, e.g. "FormationViolation".
OCPP_API std::string_view to_string(RpcErrorCode code) noexcept;

}  // namespace ocpp
