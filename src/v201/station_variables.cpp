// The components and variables this Charging Station has at run time (part 2 chapter 2,
// "Referenced Components and Variables"), with their defaults; data type and unit come from
// the generated table of the specification (device_model_table). The list and the reasons for
// the defaults are in docs/guides/v201-device-model.md.
#include <limits>
#include <string>

#include "v201/engine_impl.hpp"
#include "v201/generated/device_model_table.hpp"

namespace ocpp::v201 {

namespace {

using M = MutabilityEnumType;

// One variable of the station: where, its default Actual value and mutability (the table
// leaves some Unspecified or ReadOnlyOrReadWrite: the choice is made here), the values list
// where the table has none, and the limits. A variable an erratum added (not in the appendix
// the table is generated from) gives its data type here.
struct Row {
  std::string_view component, variable, instance;
  std::string_view actual;
  M mutability;
  std::string_view values_list = {};
  std::optional<double> min_limit = {};
  std::optional<double> max_limit = {};
  std::optional<DataEnumType> errata_type = {};
};

constexpr std::string_view kTxPoints =
    "ParkingBayOccupancy,EVConnected,Authorized,DataSigned,PowerPathClosed,EnergyTransfer";
constexpr std::string_view kAvailabilityStates = "Available,Occupied,Reserved,Unavailable,Faulted";
constexpr std::string_view kEnergy = "Energy.Active.Import.Register";
// Values of the engine's options: filled in at definition.
constexpr std::string_view kFromOptions = "\x01";

// clang-format off
const Row kStationRows[] = {
    {"OCPPCommCtrlr", "FileTransferProtocols", "", "HTTPS", M::ReadOnly, "FTP,FTPS,HTTP,HTTPS,SFTP"},
    {"OCPPCommCtrlr", "HeartbeatInterval", "", kFromOptions, M::ReadWrite, {}, 1},
    {"OCPPCommCtrlr", "MessageAttemptInterval", "TransactionEvent", "60", M::ReadWrite, {}, 0},
    {"OCPPCommCtrlr", "MessageAttempts", "TransactionEvent", "3", M::ReadWrite, {}, 0},
    {"OCPPCommCtrlr", "MessageTimeout", "Default", kFromOptions, M::ReadOnly},
    // B09, B10 (network_profile.cpp): slot 1 is the connection the firmware configured until
    // the CSMS sets a profile there; ActiveNetworkProfile is read from the engine.
    {"OCPPCommCtrlr", "ActiveNetworkProfile", "", "1", M::ReadOnly},
    {"OCPPCommCtrlr", "NetworkConfigurationPriority", "", "1", M::ReadWrite, "1,2,3"},
    {"OCPPCommCtrlr", "NetworkProfileConnectionAttempts", "", "3", M::ReadWrite, {}, 0},
    {"OCPPCommCtrlr", "OfflineThreshold", "", "60", M::ReadWrite, {}, 0},
    {"OCPPCommCtrlr", "ResetRetries", "", "2", M::ReadWrite, {}, 0},
    {"OCPPCommCtrlr", "UnlockOnEVSideDisconnect", "", kFromOptions, M::ReadWrite},
    {"DeviceDataCtrlr", "BytesPerMessage", "GetReport", "65000", M::ReadOnly},
    {"DeviceDataCtrlr", "BytesPerMessage", "GetVariables", "65000", M::ReadOnly},
    {"DeviceDataCtrlr", "BytesPerMessage", "SetVariables", "65000", M::ReadOnly},
    {"DeviceDataCtrlr", "ConfigurationValueSize", "", "1000", M::ReadOnly},
    {"DeviceDataCtrlr", "ItemsPerMessage", "GetReport", "50", M::ReadOnly},
    {"DeviceDataCtrlr", "ItemsPerMessage", "GetVariables", "50", M::ReadOnly},
    {"DeviceDataCtrlr", "ItemsPerMessage", "SetVariables", "50", M::ReadOnly},
    {"DeviceDataCtrlr", "ReportingValueSize", "", "2500", M::ReadOnly},
    {"TxCtrlr", "EVConnectionTimeOut", "", "120", M::ReadWrite, {}, 0},
    {"TxCtrlr", "MaxEnergyOnInvalidId", "", "0", M::ReadWrite, {}, 0},
    {"TxCtrlr", "StopTxOnEVSideDisconnect", "", "true", M::ReadWrite},
    {"TxCtrlr", "StopTxOnInvalidId", "", "true", M::ReadWrite},
    {"TxCtrlr", "TxBeforeAcceptedEnabled", "", "false", M::ReadWrite},
    {"TxCtrlr", "TxStartPoint", "", "PowerPathClosed", M::ReadWrite, kTxPoints},
    {"TxCtrlr", "TxStopPoint", "", "EVConnected,Authorized", M::ReadWrite, kTxPoints},
    {"AuthCtrlr", "AuthorizeRemoteStart", "", "false", M::ReadWrite},
    {"AuthCtrlr", "DisableRemoteAuthorization", "", "false", M::ReadWrite},
    {"AuthCtrlr", "Enabled", "", "true", M::ReadWrite},
    {"AuthCtrlr", "LocalAuthorizeOffline", "", kFromOptions, M::ReadWrite},
    {"AuthCtrlr", "LocalPreAuthorize", "", kFromOptions, M::ReadWrite},
    {"AuthCtrlr", "MasterPassGroupId", "", "", M::ReadWrite, {}, {}, 36},
    {"AuthCtrlr", "OfflineTxForUnknownIdEnabled", "", kFromOptions, M::ReadWrite},
    {"AuthCacheCtrlr", "Available", "", "true", M::ReadOnly},
    {"AuthCacheCtrlr", "DisablePostAuthorize", "", "false", M::ReadWrite},  // C10.FR.03, C12.FR.05
    {"AuthCacheCtrlr", "Enabled", "", kFromOptions, M::ReadWrite},
    {"AuthCacheCtrlr", "LifeTime", "", kFromOptions, M::ReadWrite, {}, 0},
    {"AuthCacheCtrlr", "Policy", "", "LRU", M::ReadWrite},
    {"LocalAuthListCtrlr", "Available", "", "true", M::ReadOnly},
    {"LocalAuthListCtrlr", "BytesPerMessage", "", kFromOptions, M::ReadOnly},
    {"LocalAuthListCtrlr", "DisablePostAuthorize", "", "false", M::ReadWrite},  // C14.FR.03
    {"LocalAuthListCtrlr", "Enabled", "", kFromOptions, M::ReadWrite},
    {"LocalAuthListCtrlr", "Entries", "", "0", M::ReadOnly},
    {"LocalAuthListCtrlr", "ItemsPerMessage", "", kFromOptions, M::ReadOnly},
    {"SampledDataCtrlr", "Available", "", "true", M::ReadOnly},
    {"SampledDataCtrlr", "Enabled", "", "true", M::ReadWrite},
    {"SampledDataCtrlr", "TxEndedInterval", "", "0", M::ReadWrite, {}, 0},
    {"SampledDataCtrlr", "TxEndedMeasurands", "", kEnergy, M::ReadWrite},
    {"SampledDataCtrlr", "TxStartedMeasurands", "", kEnergy, M::ReadWrite},
    {"SampledDataCtrlr", "TxUpdatedInterval", "", "60", M::ReadWrite, {}, 0},
    {"SampledDataCtrlr", "TxUpdatedMeasurands", "", kEnergy, M::ReadWrite},
    {"AlignedDataCtrlr", "Available", "", "true", M::ReadOnly},
    {"AlignedDataCtrlr", "Enabled", "", "true", M::ReadWrite},
    {"AlignedDataCtrlr", "Interval", "", "900", M::ReadWrite, {}, 0},
    {"AlignedDataCtrlr", "Measurands", "", kEnergy, M::ReadWrite},
    {"AlignedDataCtrlr", "SendDuringIdle", "", "false", M::ReadWrite},
    {"AlignedDataCtrlr", "TxEndedInterval", "", "0", M::ReadWrite, {}, 0},
    {"AlignedDataCtrlr", "TxEndedMeasurands", "", kEnergy, M::ReadWrite},
    // certificate management (M05, A02, A03): AdditionalRootCertificateCheck as the firmware
    // sets it; CertificateEntries counts the installed CA certificates.
    {"SecurityCtrlr", "AdditionalRootCertificateCheck", "", "false", M::ReadOnly},
    // A05.FR.08-10, B09.FR.04, B09.FR.31 (errata 2025-01, 2025-09; connection_security.cpp):
    // ReadOnly, so that only the firmware, never the CSMS, allows going from profile 3 to 2.
    {"SecurityCtrlr", "AllowSecurityProfileDowngrade", "", "false", M::ReadOnly, {}, {}, {},
     DataEnumType::boolean},
    {"SecurityCtrlr", "BasicAuthPassword", "", "", M::WriteOnly, {}, {}, 40},
    {"SecurityCtrlr", "CertSigningRepeatTimes", "", "3", M::ReadWrite, {}, 0, 100},
    {"SecurityCtrlr", "CertSigningWaitMinimum", "", "60", M::ReadWrite, {}, 1},
    {"SecurityCtrlr", "CertificateEntries", "", "0", M::ReadOnly},
    {"SecurityCtrlr", "Identity", "", "", M::ReadOnly},
    {"SecurityCtrlr", "MaxCertificateChainSize", "", "10000", M::ReadOnly},
    {"SecurityCtrlr", "OrganizationName", "", kFromOptions, M::ReadWrite},
// ReadOnly as part 2 defines it; the CSMS raises it all the same, only upwards (A05:
    // connection_security.cpp), stored there.
    {"SecurityCtrlr", "SecurityProfile", "", "1", M::ReadOnly, {}, 1, 3},
    // smart charging (block K)
    {"SmartChargingCtrlr", "Available", "", "true", M::ReadOnly},
    {"SmartChargingCtrlr", "Enabled", "", "true", M::ReadWrite},
    {"SmartChargingCtrlr", "Entries", "ChargingProfiles", "0", M::ReadOnly},
    // K11-K13 (external_limits.cpp): false, the firmware's set_external_limit is refused.
    {"SmartChargingCtrlr", "ExternalControlSignalsEnabled", "", "true", M::ReadWrite},
    {"SmartChargingCtrlr", "LimitChangeSignificance", "", "0", M::ReadWrite, {}, 0, 100},
    // K11.FR.03: the external schedule in NotifyChargingLimitRequest (default false, part 2).
    {"SmartChargingCtrlr", "NotifyChargingLimitWithSchedules", "", "false", M::ReadWrite},
    {"SmartChargingCtrlr", "PeriodsPerSchedule", "", "24", M::ReadOnly},
    {"SmartChargingCtrlr", "ProfileStackLevel", "", "10", M::ReadOnly},
    {"SmartChargingCtrlr", "RateUnit", "", "A,W", M::ReadOnly, "A,W"},
    // firmware update (L01.FR.07, firmware.cpp): false, the free EVSEs are Unavailable while
    // the installation waits for the transactions.
    {"ChargingStation", "AllowNewSessionsPendingFirmwareUpdate", "", "false", M::ReadWrite},
    {"ChargingStation", "AvailabilityState", "", "", M::ReadOnly},
    {"ChargingStation", "Available", "", "true", M::ReadOnly},
    {"ChargingStation", "Model", "", kFromOptions, M::ReadOnly},
    {"ChargingStation", "SupplyPhases", "", "3", M::ReadOnly},
    {"ChargingStation", "VendorName", "", kFromOptions, M::ReadOnly},
};

// Per EVSE (component "EVSE", evse.id) and per connector ("Connector", evse.id, connectorId).
const Row kEvseRows[] = {
    {"EVSE", "AvailabilityState", "", "", M::ReadOnly, kAvailabilityStates},
    {"EVSE", "Available", "", "true", M::ReadOnly},
    {"EVSE", "Power", "", "0", M::ReadOnly},
    {"EVSE", "SupplyPhases", "", "3", M::ReadOnly},
};
const Row kConnectorRows[] = {
    {"Connector", "AvailabilityState", "", "", M::ReadOnly, kAvailabilityStates},
    {"Connector", "Available", "", "true", M::ReadOnly},
    {"Connector", "ConnectorType", "", "Unknown", M::ReadOnly},
    {"Connector", "SupplyPhases", "", "3", M::ReadOnly},
};
// With a signing meter (EngineOptions::signed_meter_values) only: a station without one
// "SHALL NOT report this variable" (part 2 appendix, SampledDataSignReadings and
// AlignedDataSignReadings). On by default: the firmware declared the meter for its signatures.
const Row kSignedMeterRows[] = {
    {"SampledDataCtrlr", "SignReadings", "", "true", M::ReadWrite},
    {"AlignedDataCtrlr", "SignReadings", "", "true", M::ReadWrite},
};
// clang-format on

DataEnumType data_type(device_model::DataType t) {
  using D = device_model::DataType;
  switch (t) {
    case D::Decimal:
      return DataEnumType::decimal;
    case D::Integer:
      return DataEnumType::integer;
    case D::DateTime:
      return DataEnumType::dateTime;
    case D::Boolean:
      return DataEnumType::boolean;
    case D::OptionList:
      return DataEnumType::OptionList;
    case D::SequenceList:
      return DataEnumType::SequenceList;
    case D::MemberList:
      return DataEnumType::MemberList;
    default:
      return DataEnumType::string;  // string, identifierString, passwordString
  }
}

// The measurands (MeasurandEnumType), the values list of the *Measurands variables.
std::string measurands() {
  std::string out;
  for (int m = static_cast<int>(MeasurandEnumType::Current_Export);
       m <= static_cast<int>(MeasurandEnumType::Voltage); ++m) {
    if (!out.empty()) out += ',';
    out += to_string(static_cast<MeasurandEnumType>(m));
  }
  return out;
}

}  // namespace

std::error_code Engine::Impl::define_device_model() {
  if (auto ec = dm_.load()) return ec;
  const std::string_view all_measurands = dm_.keep(measurands());
  auto define = [&](const Row& r, int evse_id, int connector_id,
                    std::function<std::string()> read) -> std::error_code {
    const auto* e = device_model::find(r.component, r.variable, r.instance);
    // A row neither in the specification's table nor added by an erratum.
    if (!e && !r.errata_type) return make_error_code(Errc::invalid_argument);
    Variable v;
    v.key = VariableKey{r.component, {}, evse_id, connector_id, r.variable, r.instance};
    v.data_type = e ? data_type(e->data_type) : *r.errata_type;
    v.mutability = r.mutability;
    // The table gives alternatives ("W, kW"): the first is the one this station uses.
    if (e) v.unit = e->unit.substr(0, e->unit.find(','));
    v.values_list = !r.values_list.empty() ? r.values_list
                    : e                    ? e->values_list
                                           : std::string_view();
    if (v.values_list.empty() && r.variable.size() >= 10 &&
        r.variable.substr(r.variable.size() - 10) == "Measurands")
      v.values_list = all_measurands;
    v.min_limit = r.min_limit;
    v.max_limit = r.max_limit;
    v.default_actual = r.actual;
    if (r.actual == kFromOptions) {
      std::string value;
      const auto flag = [](bool b) { return std::string(b ? "true" : "false"); };
      const std::string_view c = r.component, n = r.variable;
      if (c == "AuthCtrlr" && n == "LocalAuthorizeOffline")
        value = flag(options_.local_authorize_offline);
      else if (c == "AuthCtrlr" && n == "LocalPreAuthorize")
        value = flag(options_.local_pre_authorize);
      else if (c == "AuthCtrlr" && n == "OfflineTxForUnknownIdEnabled")
        value = flag(options_.offline_tx_for_unknown_id);
      else if (c == "AuthCacheCtrlr" && n == "Enabled")
        value = flag(options_.auth_cache_enabled);
      else if (c == "AuthCacheCtrlr" && n == "LifeTime")
        value = std::to_string(options_.auth_cache_life_time.count());
      else if (c == "LocalAuthListCtrlr" && n == "Enabled")
        value = flag(options_.local_list_enabled);
      else if (c == "LocalAuthListCtrlr" && n == "ItemsPerMessage")
        value = std::to_string(options_.local_list_items_per_message);
      else if (c == "LocalAuthListCtrlr" && n == "BytesPerMessage")
        value = std::to_string(options_.local_list_bytes_per_message);
      else if (n == "UnlockOnEVSideDisconnect")
        value = flag(!options_.cable_permanently_attached);
      else if (r.variable == "HeartbeatInterval")
        value = std::to_string(options_.heartbeat_interval.count());
      else if (r.variable == "MessageTimeout")
        value = std::to_string(options_.call_timeout.count());
      else if (r.variable == "Model")
        value = options_.charging_station.model;
      else  // VendorName, OrganizationName
        value = options_.charging_station.vendorName;
      v.default_actual = dm_.keep(std::move(value));
    }
    // Permanently attached cables: ReadOnly false (part 2 appendix, UnlockOnEVSideDisconnect).
    if (r.variable == "UnlockOnEVSideDisconnect" && options_.cable_permanently_attached)
      v.mutability = M::ReadOnly;
    if (r.component == "LocalAuthListCtrlr" && r.variable == "Entries") {
      // The idTokens in the list now; maxLimit what it can hold (part 2 appendix).
      v.max_limit = static_cast<double>(options_.local_list_max_entries);
      read = [this] { return std::to_string(local_list_.size()); };
    }
    if (r.component == "SmartChargingCtrlr" && r.variable == "Entries") {
      // smart charging (block K): the profiles installed now, maxLimit what may be.
      v.max_limit = static_cast<double>(options_.max_charging_profiles);
      read = [this] { return std::to_string(smart_.profiles.size()); };
    }
    if (r.component == "OCPPCommCtrlr" && r.variable == "ActiveNetworkProfile")
      read = [this] { return std::to_string(active_network_profile_); };
    if (r.component == "OCPPCommCtrlr" && r.variable == "MessageTimeout")
      read = [this] { return std::to_string(session_.call_timeout().count()); };
    if (r.component == "SecurityCtrlr" && r.variable == "CertificateEntries") {
      // certificate management (M05.FR.06): installed now; maxLimit what the store holds.
      v.max_limit = static_cast<double>(kCertificateEntriesMax);
      read = [this] { return std::to_string(certificate_entries()); };
    }
    // Every text is a literal, the generated table's or kept by the model.
    return dm_.define(std::move(v), std::move(read), DeviceModel::Texts::static_storage);
  };
  for (const Row& r : kStationRows) {
    std::function<std::string()> read;
    if (r.variable == "AvailabilityState")
      read = [this] { return station_operative_ ? "Available" : "Unavailable"; };
    if (auto ec = define(r, -1, -1, std::move(read))) return ec;
  }
  if (options_.signed_meter_values)
    for (const Row& r : kSignedMeterRows)
      if (auto ec = define(r, -1, -1, {})) return ec;
  for (std::size_t e = 0; e < evses_.size(); ++e) {
    const int evse_id = static_cast<int>(e + 1);
    for (const Row& r : kEvseRows) {
      std::function<std::string()> read;
      if (r.variable == "AvailabilityState") read = [this, evse_id] { return evse_state(evse_id); };
      if (auto ec = define(r, evse_id, -1, std::move(read))) return ec;
    }
    for (std::size_t k = 0; k < evses_[e].connectors.size(); ++k) {
      const int connector_id = static_cast<int>(k + 1);
      for (const Row& r : kConnectorRows) {
        std::function<std::string()> read;
        if (r.variable == "AvailabilityState")
          read = [this, evse_id, connector_id] {
            return std::string(to_string(effective_status(evse_id, connector_id)));
          };
        if (auto ec = define(r, evse_id, connector_id, std::move(read))) return ec;
      }
    }
  }
  // OCPPCommCtrlr.HeartbeatInterval is the heartbeat's interval (G02.FR.02): a value stored
  // by SetVariables in an earlier run holds from the start; a change restarts the timer.
  if (auto hb = dm_.get_int("OCPPCommCtrlr", "HeartbeatInterval"))
    heartbeat_interval_ = std::chrono::seconds(*hb);
  dm_.on_changed([this](const Variable& v, AttributeEnumType type, Now now) {
    if (type != AttributeEnumType::Actual || v.key.component != "OCPPCommCtrlr" ||
        v.key.variable != "HeartbeatInterval")
      return;
    if (auto hb = dm_.get_int("OCPPCommCtrlr", "HeartbeatInterval")) {
      heartbeat_interval_ = std::chrono::seconds(*hb);
      if (online() && *hb > 0) next_heartbeat_ = now.mono + heartbeat_interval_;
    }
  });
  return {};
}

std::string Engine::Impl::evse_state(int evse_id) const {
  // The EVSE as a whole: Unavailable when it or the station is Inoperative (G03, G04);
  // Faulted when every connector is; else Occupied / Reserved when a connector is, else
  // Available when one is (part 2 G01 describes the connector states).
  const auto& evse = evses_[static_cast<std::size_t>(evse_id) - 1];
  if (!station_operative_ || !evse.operative) return "Unavailable";
  bool all_faulted = true, occupied = false, reserved = false, available = false;
  for (std::size_t k = 0; k < evse.connectors.size(); ++k) {
    const auto s = effective_status(evse_id, static_cast<int>(k + 1));
    all_faulted = all_faulted && s == ConnectorStatusEnumType::Faulted;
    occupied = occupied || s == ConnectorStatusEnumType::Occupied;
    reserved = reserved || s == ConnectorStatusEnumType::Reserved;
    available = available || s == ConnectorStatusEnumType::Available;
  }
  if (all_faulted) return "Faulted";
  if (occupied) return "Occupied";
  if (reserved) return "Reserved";
  return available ? "Available" : "Unavailable";
}

std::int64_t Engine::Impl::message_limit(std::string_view variable,
                                         std::string_view instance) const {
  // Read-only values of this station: always present and positive unless the firmware set a
  // strange one; then no limit but the schema's.
  auto n = dm_.get_int("DeviceDataCtrlr", variable, instance);
  return n && *n > 0 ? *n : std::numeric_limits<std::int32_t>::max();
}

}  // namespace ocpp::v201
