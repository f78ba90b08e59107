// ocpp-fleet's charge points: one interface over ocpp::v16::ChargePoint and
// ocpp::v201::ChargingStation, so that the simulation drives either the same way. Connector n
// is connector n of a 1.6 charge point and EVSE n (its connector 1) of a 2.0.1 station.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

#include "ocpp/runner.hpp"
#include "ocpp/sqlite_store.hpp"
#include "scenario.hpp"

namespace fleet {

/// What the charge points tell the simulation, from their hooks (on the runner's thread).
class StationEvents {
 public:
  virtual ~StationEvents() = default;
  /// The connection to the CSMS opened or closed.
  virtual void on_connection(int slot, bool up, const std::string& reason) = 0;
  /// A BootNotification was answered Accepted.
  virtual void on_booted(int slot) = 0;
  /// The presented idTag was not accepted.
  virtual void on_refused(int slot) = 0;
  /// A transaction started (true) or ended (false).
  virtual void on_transaction(int slot, bool started) = 0;
  /// A frame went out (outbound) or came in.
  virtual void on_frame(int slot, bool outbound, const std::string& text) = 0;
};

/// One simulated charge point of either protocol version.
class Station {
 public:
  virtual ~Station() = default;
  /// The EV's cable is plugged in.
  virtual std::error_code plug_in(int connector) = 0;
  /// The driver presents an idTag.
  virtual std::error_code present(int connector, const std::string& id_tag) = 0;
  /// The EV draws energy (2.0.1: chargingState Charging; nothing to tell in 1.6).
  virtual std::error_code charging(int connector) = 0;
  /// The meter's energy register, in Wh.
  virtual std::error_code meter(int connector, std::int64_t wh) = 0;
  /// The session ends: the transaction stops (reason Local) and the cable is unplugged.
  virtual std::error_code stop(int connector) = 0;
  /// Power is back after a cut in the middle of a session on the connector: the firmware
  /// cannot resume the energy delivery, so the transaction ends (1.6: reason PowerLoss; 2.0.1
  /// ended it already at the restart) and the EV leaves.
  virtual std::error_code power_back(int connector) = 0;
  /// A connector fault starts (true) or is cleared.
  virtual std::error_code fault(int connector, bool on) = 0;
  /// Transaction messages not yet acknowledged by the CSMS.
  virtual std::size_t queued() const = 0;
};

/// What creating one charge point needs.
struct StationSetup {
  const Group* group = nullptr;
  std::string id;
  int slot = 0;  ///< passed back in every event
  ocpp::Runner* runner = nullptr;
  ocpp::SqliteDatabase* db = nullptr;  ///< nullptr: the memory store
  StationEvents* events = nullptr;
  bool frames = true;  ///< report frames (for the latencies)
};

/// Creates a charge point of the group's protocol version; on failure returns nullptr and sets
/// error to the library's message.
std::unique_ptr<Station> make_station(const StationSetup& setup, std::string& error);

}  // namespace fleet
