// Security Whitepaper L01 (SignedUpdateFirmware, SignedFirmwareStatusNotification): the state
// other modules use. ExtendedTriggerMessage (5.5) answers a trigger for FirmwareStatusNotification
// with these; the 1.6 UpdateFirmware asks whether it is still allowed (L01.FR.20).
#pragma once

#include <cstdint>
#include <optional>

#include "ocpp/time.hpp"
#include "ocpp/v16/engine.hpp"
#include "ocpp/v16/generated/messages.hpp"

namespace ocpp::v16 {

/// The status a triggered SignedFirmwareStatusNotification carries: the last status sent for a
/// signed update, or Idle when none was sent or the last one was Installed (L01.FR.28/29).
FirmwareStatusEnumType current_signed_firmware_status(const Engine::Impl& engine);

/// The requestId that goes with current_signed_firmware_status(); nullopt with Idle (L01.FR.21).
std::optional<std::int32_t> current_signed_firmware_request_id(const Engine::Impl& engine);

/// Queues a SignedFirmwareStatusNotification with the two values above, for an
/// ExtendedTriggerMessage (after its answer was queued). Volatile, as every status message.
void send_signed_firmware_status_notification(Engine::Impl& engine, Now now);

/// Whether the charge point does secure firmware updates only, so that the 1.6 UpdateFirmware
/// is answered NotSupported (L01.FR.20): true once the SecurityProvider holds a
/// ManufacturerRootCertificate (the only way a SignedUpdateFirmware can be accepted). Asks the
/// provider; false without one.
bool secure_firmware_update_only(const Engine::Impl& engine);

}  // namespace ocpp::v16
