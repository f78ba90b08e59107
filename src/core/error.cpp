#include "ocpp/error.hpp"

#include "ocpp/rpc_error.hpp"

namespace ocpp {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ocpp"; }
  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::ok: return "success";
      case Errc::invalid_argument: return "invalid argument";
      case Errc::invalid_state: return "operation not valid in the current state";
      case Errc::unknown_connector: return "unknown connector";
      case Errc::transaction_active: return "a transaction is already running on the connector";
      case Errc::no_transaction: return "no transaction is running on the connector";
      case Errc::queue_full: return "the durable message queue is full";
      case Errc::storage_error: return "storage error";
      case Errc::storage_corrupt: return "the database file is corrupt or not a database";
      case Errc::storage_locked: return "the database is locked by another process";
      case Errc::storage_readonly: return "the database file cannot be written";
      case Errc::storage_version: return "the database was written by a newer library version";
      case Errc::transport_error: return "transport error";
      case Errc::subprotocol_rejected: return "the server did not accept the OCPP subprotocol";
      case Errc::tls_error: return "TLS error";
      case Errc::not_running: return "the runner is not running";
      case Errc::encode_error: return "message could not be encoded";
      case Errc::decode_error: return "message could not be decoded";
      case Errc::resource_exhausted: return "out of file descriptors, memory or ports";
    }
    return "unknown ocpp error";
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  // A function-local constant object: immutable, so no shared mutable state.
  static const Category category;
  return category;
}

std::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

std::string_view to_string(RpcErrorCode code, RpcDialect dialect) noexcept {
  const bool v16 = dialect == RpcDialect::ocpp16;
  switch (code) {
    case RpcErrorCode::NotImplemented: return "NotImplemented";
    case RpcErrorCode::NotSupported: return "NotSupported";
    case RpcErrorCode::InternalError: return "InternalError";
    case RpcErrorCode::ProtocolError: return "ProtocolError";
    case RpcErrorCode::SecurityError: return "SecurityError";
    case RpcErrorCode::FormatViolation: return v16 ? "FormationViolation" : "FormatViolation";
    case RpcErrorCode::PropertyConstraintViolation: return "PropertyConstraintViolation";
    case RpcErrorCode::OccurrenceConstraintViolation:
      return v16 ? "OccurenceConstraintViolation" : "OccurrenceConstraintViolation";
    case RpcErrorCode::TypeConstraintViolation: return "TypeConstraintViolation";
    case RpcErrorCode::GenericError: return "GenericError";
    // OCPP-J 1.6 has neither: a frame that is not a valid RPC message does not conform to the
    // PDU structure (docs/protocol-choices.md).
    case RpcErrorCode::MessageTypeNotSupported: return v16 ? "FormationViolation" : "MessageTypeNotSupported";
    case RpcErrorCode::RpcFrameworkError: return v16 ? "FormationViolation" : "RpcFrameworkError";
  }
  return "GenericError";
}

std::string_view to_string(RpcErrorCode code) noexcept { return to_string(code, RpcDialect::ocpp16); }

}  // namespace ocpp
