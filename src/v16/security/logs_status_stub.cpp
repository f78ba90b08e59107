// Until the log module (N01: GetLog, LogStatusNotification) is part of the engine: no upload
// ever runs, so a triggered LogStatusNotification reports Idle. Replaced by that module.
#include "v16/security/logs.hpp"

namespace ocpp::v16 {

UploadLogStatusEnumType current_log_status(const Engine::Impl&) {
  return UploadLogStatusEnumType::Idle;
}

std::optional<std::int32_t> current_log_request_id(const Engine::Impl&) { return std::nullopt; }

}  // namespace ocpp::v16
