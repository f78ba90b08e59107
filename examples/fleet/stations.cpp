#include "stations.hpp"

#include "ocpp/v16/charge_point.hpp"
#include "ocpp/v201/charging_station.hpp"

namespace fleet {
namespace {

// Fills the version-neutral part of the configuration: where the CSMS is, the store, TLS,
// the credentials.
template <class Config>
void common_config(const StationSetup& s, Config& c, std::string& error) {
  c.csms_url = s.group->url;
  c.ca_file = s.group->ca_file;
  c.client_cert_file = with_identity(s.group->client_cert, s.id);
  c.client_key_file = with_identity(s.group->client_key, s.id);
  if (!s.group->password.empty()) c.password = s.group->password;
  if (s.group->security_profile)
    c.security_profile = static_cast<ocpp::SecurityProfile>(*s.group->security_profile);
  if (s.db) {
    auto store = s.db->store(s.id);
    if (!store)
      error = "store of " + s.id + ": " + store.error().message();
    else
      c.store = std::move(store.value());
  }
}

// The hooks whose signatures both versions share: the connection and the frames.
template <class Hooks>
void common_hooks(const StationSetup& s, Hooks& h) {
  StationEvents* ev = s.events;
  const int slot = s.slot;
  h.connection = [ev, slot](bool up, const std::string& reason) {
    ev->on_connection(slot, up, reason);
  };
  if (s.frames)
    h.frame = [ev, slot](bool out, const std::string& text) { ev->on_frame(slot, out, text); };
}

class V16Station final : public Station {
 public:
  explicit V16Station(std::unique_ptr<ocpp::v16::ChargePoint> cp) : cp_(std::move(cp)) {}

  std::error_code plug_in(int c) override { return cp_->plug_in(c); }
  std::error_code present(int c, const std::string& tag) override {
    return cp_->present_id_tag(tag, c);
  }
  std::error_code charging(int) override { return {}; }
  std::error_code meter(int c, std::int64_t wh) override { return cp_->set_meter_energy(c, wh); }
  std::error_code stop(int c) override {
    // No transaction (refused, or already stopped by the CSMS): only the cable comes out.
    auto ec = cp_->stop_transaction(c, ocpp::v16::Reason::Local);
    if (ec == ocpp::Errc::no_transaction) ec = {};
    const auto ec2 = cp_->unplug(c);
    return ec ? ec : ec2;
  }
  std::error_code power_back(int c) override {
    auto ec = cp_->stop_transaction(c, ocpp::v16::Reason::PowerLoss);
    if (ec == ocpp::Errc::no_transaction) ec = {};
    auto ec2 = cp_->unplug(c);
    if (ec2 == ocpp::Errc::invalid_state) ec2 = {};
    return ec ? ec : ec2;
  }
  std::error_code fault(int c, bool on) override {
    return on ? cp_->report_fault(c, ocpp::v16::ChargePointErrorCode::GroundFailure)
              : cp_->clear_fault(c);
  }
  std::size_t queued() const override { return cp_->queued_transaction_messages(); }

 private:
  std::unique_ptr<ocpp::v16::ChargePoint> cp_;
};

std::unique_ptr<Station> make_v16(const StationSetup& s, std::string& error) {
  using namespace ocpp::v16;
  ChargePointConfig c;
  common_config(s, c, error);
  if (!error.empty()) return nullptr;
  c.charge_point_id = s.id;
  c.connectors = s.group->connectors;
  c.vendor = s.group->vendor;
  c.model = s.group->model;
  c.configuration = {
      {"MeterValueSampleInterval", std::to_string(s.group->behaviour.meter_interval_s)}};
  Hooks h;
  StationEvents* ev = s.events;
  const int slot = s.slot;
  common_hooks(s, h);
  h.boot = [ev, slot](RegistrationStatus st, std::int32_t) {
    if (st == RegistrationStatus::Accepted) ev->on_booted(slot);
  };
  h.authorize = [ev, slot](const std::string&, const IdTagInfo& info) {
    if (info.status != AuthorizationStatus::Accepted) ev->on_refused(slot);
  };
  h.transaction_started = [ev, slot](const TransactionInfo&) { ev->on_transaction(slot, true); };
  h.transaction_stopped = [ev, slot](const TransactionInfo&, Reason, std::int32_t) {
    ev->on_transaction(slot, false);
  };
  auto cp = ChargePoint::create(*s.runner, std::move(c), std::move(h));
  if (!cp) {
    error = cp.error().message();
    return nullptr;
  }
  return std::make_unique<V16Station>(std::move(cp.value()));
}

class V201Station final : public Station {
 public:
  explicit V201Station(std::unique_ptr<ocpp::v201::ChargingStation> cs) : cs_(std::move(cs)) {}

  std::error_code plug_in(int evse) override { return cs_->plug_in(evse, 1); }
  std::error_code present(int evse, const std::string& tag) override {
    ocpp::v201::IdTokenType t;
    t.idToken = tag;
    t.type = ocpp::v201::IdTokenEnumType::ISO14443;
    return cs_->present_id_token(evse, t);
  }
  std::error_code charging(int evse) override {
    return cs_->set_charging_state(evse, ocpp::v201::ChargingStateEnumType::Charging);
  }
  std::error_code meter(int evse, std::int64_t wh) override {
    return cs_->set_measurand(evse, ocpp::v201::MeasurandEnumType::Energy_Active_Import_Register,
                              static_cast<double>(wh));
  }
  std::error_code stop(int evse) override {
    auto ec = cs_->stop_transaction(evse, ocpp::v201::ReasonEnumType::Local);
    if (ec == ocpp::Errc::no_transaction) ec = {};
    const auto ec2 = cs_->plug_out(evse);
    return ec ? ec : ec2;
  }
  std::error_code power_back(int evse) override {
    const auto ec = cs_->plug_out(evse);
    return ec == ocpp::Errc::invalid_state ? std::error_code{} : ec;
  }
  std::error_code fault(int evse, bool on) override {
    return cs_->set_connector_status(evse, 1,
                                     on ? ocpp::v201::ConnectorStatusEnumType::Faulted
                                        : ocpp::v201::ConnectorStatusEnumType::Available);
  }
  std::size_t queued() const override { return cs_->queued_transaction_messages(); }

 private:
  std::unique_ptr<ocpp::v201::ChargingStation> cs_;
};

std::unique_ptr<Station> make_v201(const StationSetup& s, std::string& error) {
  using namespace ocpp::v201;
  ChargingStationConfig c;
  common_config(s, c, error);
  if (!error.empty()) return nullptr;
  c.identity = s.id;
  c.evses.assign(static_cast<std::size_t>(s.group->connectors), 1);
  c.charging_station.vendorName = s.group->vendor;
  c.charging_station.model = s.group->model;
  Hooks h;
  StationEvents* ev = s.events;
  const int slot = s.slot;
  common_hooks(s, h);
  h.boot = [ev, slot](RegistrationStatusEnumType st, std::int32_t) {
    if (st == RegistrationStatusEnumType::Accepted) ev->on_booted(slot);
  };
  h.authorization = [ev, slot](int, const IdTokenType&, const IdTokenInfoType& info) {
    if (info.status != AuthorizationStatusEnumType::Accepted) ev->on_refused(slot);
  };
  h.transaction_event = [ev, slot](const TransactionEventInfo& e) {
    if (e.eventType == TransactionEventEnumType::Started) ev->on_transaction(slot, true);
    if (e.eventType == TransactionEventEnumType::Ended) ev->on_transaction(slot, false);
  };
  auto cs = ChargingStation::create(*s.runner, std::move(c), std::move(h));
  if (!cs) {
    error = cs.error().message();
    return nullptr;
  }
  // The periodic meter values of a transaction (J02), as 1.6's MeterValueSampleInterval.
  ComponentType comp;
  comp.name = "SampledDataCtrlr";
  VariableType var;
  var.name = "TxUpdatedInterval";
  if (auto ec = cs.value()->set_variable_actual(
          comp, var, std::to_string(s.group->behaviour.meter_interval_s))) {
    error = "TxUpdatedInterval: " + ec.message();
    return nullptr;
  }
  return std::make_unique<V201Station>(std::move(cs.value()));
}

}  // namespace

std::unique_ptr<Station> make_station(const StationSetup& s, std::string& error) {
  error.clear();
  return s.group->ocpp == "2.0.1" ? make_v201(s, error) : make_v16(s, error);
}

}  // namespace fleet
