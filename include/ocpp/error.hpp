// Error values of the public API. No exception crosses the API: functions return
// std::error_code or ocpp::Result<T>.
#pragma once

#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

#include "ocpp/export.hpp"

namespace ocpp {

/// Error conditions reported by the library.
enum class Errc {
  ok = 0,
  invalid_argument,       ///< a parameter is out of range or too long for its OCPP field
  invalid_state,          ///< the call does not fit the current state (e.g. stop without a transaction)
  unknown_connector,      ///< connectorId is not 1..N (or 0 where allowed)
  transaction_active,     ///< a transaction is already running on that connector
  no_transaction,         ///< no transaction is running on that connector
  queue_full,             ///< the durable queue is at its bound and nothing could be dropped
  storage_error,          ///< the store failed to read or write
  storage_corrupt,        ///< the database file is not a database or fails its integrity check
  storage_locked,         ///< the database is locked by another process
  storage_readonly,       ///< the database file or its folder cannot be written
  storage_version,        ///< the database was written by a newer version of the library
  transport_error,        ///< the connection failed or was lost
  subprotocol_rejected,   ///< the server did not agree to the OCPP subprotocol
  tls_error,              ///< TLS set-up or certificate verification failed
  not_running,            ///< the runner is not running or is shutting down
  encode_error,           ///< a message could not be encoded (value outside the schema)
  decode_error,           ///< a message could not be decoded
  resource_exhausted,     ///< out of file descriptors, memory or local ports for a connection
};

/// The error category of ocpp::Errc.
OCPP_API const std::error_category& error_category() noexcept;

/// Makes a std::error_code from an ocpp::Errc.
OCPP_API std::error_code make_error_code(Errc e) noexcept;

/// A value or an error. Never throws; value() on an error is a programming error (asserts).
template <class T>
class Result {
 public:
  /// A result holding a value.
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  /// A result holding an error (ec should not be the empty error_code).
  Result(std::error_code ec) : v_(ec) {}     // NOLINT(google-explicit-constructor)
  /// A result holding the error e.
  Result(Errc e) : v_(make_error_code(e)) {} // NOLINT(google-explicit-constructor)

  /// True if the result holds a value.
  bool ok() const noexcept { return v_.index() == 0; }
  /// Same as ok().
  explicit operator bool() const noexcept { return ok(); }
  /// The error; the empty error_code if the result holds a value.
  std::error_code error() const noexcept {
    return ok() ? std::error_code{} : std::get<1>(v_);
  }
  /// The value (only if ok()).
  T& value() & { return std::get<0>(v_); }
  /// The value (only if ok()).
  const T& value() const& { return std::get<0>(v_); }
  /// The value, moved out (only if ok()).
  T&& value() && { return std::get<0>(std::move(v_)); }
  /// Member access to the value (only if ok()).
  T* operator->() { return &std::get<0>(v_); }
  /// Member access to the value (only if ok()).
  const T* operator->() const { return &std::get<0>(v_); }
  /// The value (only if ok()).
  T& operator*() & { return std::get<0>(v_); }
  /// The value (only if ok()).
  const T& operator*() const& { return std::get<0>(v_); }

 private:
  std::variant<T, std::error_code> v_;
};

}  // namespace ocpp

namespace std {
template <>
struct is_error_code_enum<ocpp::Errc> : true_type {};
}  // namespace std
