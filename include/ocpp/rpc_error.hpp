// The error codes of OCPP-J (OCPP-J 1.6 section 4.2.3; OCPP 2.0.1 part 4 section 4.3).
#pragma once

#include <string_view>

#include "ocpp/export.hpp"

namespace ocpp {

/// The OCPP-J version a connection speaks: it chooses how a CALLERROR code is spelled and how
/// an unreadable frame is answered.
enum class RpcDialect {
  ocpp16,   ///< OCPP-J 1.6
  ocpp201,  ///< OCPP 2.0.1 part 4
};

/// An OCPP-J CALLERROR code, one set for every version; the wire spelling is chosen per
/// version by to_string(code, dialect). The library sends only these; it accepts any string
/// from the peer.
enum class RpcErrorCode {
  NotImplemented,
  NotSupported,
  InternalError,
  ProtocolError,
  SecurityError,
  FormatViolation,                       ///< 1.6 spells it "FormationViolation"
  FormationViolation = FormatViolation,  ///< the OCPP-J 1.6 name of FormatViolation
  PropertyConstraintViolation,
  OccurrenceConstraintViolation,         ///< 1.6 spells it "OccurenceConstraintViolation"
  OccurenceConstraintViolation = OccurrenceConstraintViolation,  ///< sic: the 1.6 name
  TypeConstraintViolation,
  GenericError,
  MessageTypeNotSupported,  ///< 2.0.1: a message type number not supported (1.6: FormationViolation)
  RpcFrameworkError,        ///< 2.0.1: not a valid RPC request (1.6: FormationViolation)
};

/// The code as written on the wire by the given version, e.g. "FormationViolation" (1.6) or
/// "FormatViolation" (2.0.1). Codes a version does not have are spelled as that version's
/// nearest one.
OCPP_API std::string_view to_string(RpcErrorCode code, RpcDialect dialect) noexcept;

/// The code as OCPP-J 1.6 writes it (to_string(code, RpcDialect::ocpp16)).
OCPP_API std::string_view to_string(RpcErrorCode code) noexcept;

}  // namespace ocpp
