// Feature-profile modules. Each OCPP 1.6 feature profile (and the parts of Core beyond the
// basic session) lives in its own file as a Module: it owns its state, answers the CSMS's
// CALLs of its profile, and joins the common flow (status, authorization, transactions,
// timers) through the virtual functions below, whose defaults do nothing.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "ocpp/time.hpp"
#include "ocpp/v16/generated/messages.hpp"
#include "rpc/frame.hpp"

namespace ocpp::v16 {

struct Connector;

class Module {
 public:
  virtual ~Module() = default;

  /// Restores persisted state after the engine loaded its own (transactions, configuration).
  virtual std::error_code load(Now) { return {}; }
  /// Whether the module answers this CALL from the CSMS; handle() then must answer it.
  virtual bool handles(Action) const { return false; }
  virtual void handle(Action, const rpc::Frame&, Now) {}

  /// Status contributions (OCPP 1.6 section 4.9): Unavailable wins over everything but Faulted;
  /// Reserved applies to a connector with no transaction, no cable and no authorized idTag.
  virtual bool makes_unavailable(const Connector&) const { return false; }
  virtual bool makes_reserved(const Connector&) const { return false; }

  /// Takes over the decision on a presented idTag (cache, local list): returns true if it will
  /// call Engine::Impl::authorization_result itself (now or later).
  virtual bool authorize(int /*connector_id*/, const std::string& /*id_tag*/, Now) { return false; }
  /// An IdTagInfo arrived from the CSMS (Authorize.conf, StartTransaction.conf).
  virtual void on_id_tag_info(const std::string& /*id_tag*/, const IdTagInfo&, Now) {}
  /// Whether the connector may be used by this idTag (reservations); parent when known.
  virtual bool accepts_id_tag(const Connector&, const std::string& /*id_tag*/,
                              const std::optional<std::string>& /*parent*/) const {
    return true;
  }

  /// Before the StartTransaction is written: the module may add to it (reservationId).
  virtual void fill_start_transaction(StartTransactionRequest&, Connector&, Now) {}
  /// Transaction lifecycle (called after the durable write).
  virtual void on_transaction_started(Connector&, std::int64_t /*tx_key*/, Now) {}
  /// Before the StopTransaction is written: the module may add to it (transactionData).
  virtual void fill_stop_transaction(StopTransactionRequest&, std::int64_t /*tx_key*/, Now) {}
  virtual void on_transaction_stopped(Connector&, std::int64_t /*tx_key*/, Reason, Now) {}
  /// RemoteStartTransaction with a chargingProfile: returns false to reject the request.
  virtual bool accept_remote_start_profile(int /*connector_id*/, const ChargingProfile&, Now) {
    return true;
  }
  /// ChangeConfiguration of a key the module owns: returns true to answer Rejected before
  /// anything is stored (SecurityProfile only upwards, Security Whitepaper 7.6).
  virtual bool refuses_change(std::string_view /*key*/, std::string_view /*value*/, Now) const {
    return false;
  }
  /// A key was changed by the CSMS and stored (after the answer was queued).
  virtual void on_configuration_changed(std::string_view /*key*/, Now) {}

  /// BootNotification was accepted (after every start).
  virtual void on_accepted(Now) {}

  /// Timers: run what is due; report the next deadline.
  virtual void on_timer(Now) {}
  virtual std::optional<MonoTime> next_deadline() const { return std::nullopt; }
};

class Engine;

}  // namespace ocpp::v16
