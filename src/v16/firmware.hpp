// Firmware Management profile (OCPP 1.6 sections 4.4, 4.5, 5.9, 5.19): the state other
// modules may read. TriggerMessage (section 5.17) answers a trigger for
// FirmwareStatusNotification / DiagnosticsStatusNotification with these values.
#pragma once

#include "ocpp/v16/engine.hpp"
#include "ocpp/v16/generated/messages.hpp"

namespace ocpp::v16 {

/// The firmware update's current status as FirmwareStatusNotification would report it:
/// Idle when no update is in progress (section 5.17: "Idle" is only sent on a trigger).
FirmwareStatus current_firmware_status(const Engine::Impl& engine);

/// The diagnostics upload's current status as DiagnosticsStatusNotification would report it:
/// Idle when no upload is in progress.
DiagnosticsStatus current_diagnostics_status(const Engine::Impl& engine);

}  // namespace ocpp::v16
