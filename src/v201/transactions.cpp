// Block E of OCPP 2.0.1 part 2: when a transaction starts and ends (TxStartPoint and
// TxStopPoint, E01 and E06), what each TransactionEventRequest carries (seqNo, triggerReason,
// offline flag, idToken, evse, meter values) and its durable write.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "v201/engine_impl.hpp"

namespace ocpp::v201 {

namespace {

std::optional<std::string> unit_of(MeasurandEnumType m) {
  const std::string_view name = to_string(m);
  if (name.rfind("Energy.Active", 0) == 0) return "Wh";
  if (name.rfind("Energy.Reactive", 0) == 0) return "varh";
  if (name.rfind("Energy.Apparent", 0) == 0) return "VAh";
  if (name.rfind("Power.Active", 0) == 0 || name == "Power.Offered") return "W";
  if (name.rfind("Power.Reactive", 0) == 0) return "var";
  if (name.rfind("Current", 0) == 0) return "A";
  if (name == "Voltage") return "V";
  if (name == "SoC") return "Percent";
  return std::nullopt;
}

}  // namespace

std::optional<std::vector<MeterValueType>> meter_values(const EvseTx& e,
                                                        const std::vector<MeasurandEnumType>& list,
                                                        ReadingContextEnumType context, DateTime at,
                                                        bool sign) {
  MeterValueType mv;
  mv.timestamp = at;
  for (MeasurandEnumType m : list) {
    auto it = e.readings.find(m);
    if (it == e.readings.end()) continue;
    SampledValueType sv;
    sv.value = it->second;
    sv.context = context;
    sv.measurand = m;
    if (auto unit = unit_of(m)) {
      sv.unitOfMeasure = UnitOfMeasureType{};
      sv.unitOfMeasure->unit = *unit;
    }
    if (sign) {
      // E02.FR.14, J01.FR.21, J02.FR.21: the meter's signature of this very reading.
      auto s = e.signatures.find(m);
      if (s != e.signatures.end()) sv.signedMeterValue = s->second;
    }
    mv.sampledValue.push_back(std::move(sv));
  }
  // sampledValue has at least one item (schema): nothing read, no meterValue.
  if (mv.sampledValue.empty()) return std::nullopt;
  return std::vector<MeterValueType>{std::move(mv)};
}

void add_ended_sample(Transaction& t, std::vector<MeterValueType> sample) {
  for (auto& mv : sample) t.ended_samples.push_back(std::move(mv));
  // One place is kept for the Transaction.End values.
  auto& v = t.ended_samples;
  if (v.size() < kEndedMeterValuesMax) return;
  std::vector<MeterValueType> kept;
  for (std::size_t i = 0; i < v.size(); ++i)
    if (i == 0 || i + 1 == v.size() || i % 2 == 0) kept.push_back(std::move(v[i]));
  v = std::move(kept);
}

namespace {

// The triggerReason that goes with a reason the firmware ends a transaction for.
TriggerReasonEnumType trigger_for(ReasonEnumType reason) {
  switch (reason) {
    case ReasonEnumType::Local:
      return TriggerReasonEnumType::StopAuthorized;
    case ReasonEnumType::Remote:
      return TriggerReasonEnumType::RemoteStop;
    case ReasonEnumType::DeAuthorized:
      return TriggerReasonEnumType::Deauthorized;
    case ReasonEnumType::EVDisconnected:
      return TriggerReasonEnumType::EVCommunicationLost;
    case ReasonEnumType::EnergyLimitReached:
      return TriggerReasonEnumType::EnergyLimitReached;
    case ReasonEnumType::TimeLimitReached:
      return TriggerReasonEnumType::TimeLimitReached;
    case ReasonEnumType::ImmediateReset:
      return TriggerReasonEnumType::ResetCommand;
    case ReasonEnumType::StoppedByEV:
      return TriggerReasonEnumType::ChargingStateChanged;
    case ReasonEnumType::Timeout:
      return TriggerReasonEnumType::EVConnectTimeout;
    case ReasonEnumType::MasterPass:
      // C16: an idToken presented at the station ended it (E07.FR.02), not a fault.
      return TriggerReasonEnumType::StopAuthorized;
    default:
      // EmergencyStop, GroundFault, OvercurrentFault, PowerLoss, PowerQuality, Reboot, ...
      // E06.FR.16: a transaction stopped by an abnormal error or fault condition.
      return TriggerReasonEnumType::AbnormalCondition;
  }
}

}  // namespace

bool parse_tx_points(std::string_view list, unsigned& out) {
  static constexpr std::pair<std::string_view, unsigned> kNames[] = {
      {"ParkingBayOccupancy", kParkingBayOccupancy},
      {"EVConnected", kEVConnected},
      {"Authorized", kAuthorized},
      {"DataSigned", kDataSigned},
      {"PowerPathClosed", kPowerPathClosed},
      {"EnergyTransfer", kEnergyTransfer}};
  unsigned bits = 0;
  while (!list.empty()) {
    const auto comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    auto it = std::find_if(std::begin(kNames), std::end(kNames),
                           [&](const auto& n) { return n.first == item; });
    if (it == std::end(kNames)) return false;
    bits |= it->second;
  }
  out = bits;
  return true;
}

namespace {

std::vector<MeasurandEnumType> parse_measurands(const std::optional<std::string>& list,
                                                std::vector<MeasurandEnumType> fallback) {
  if (!list) return fallback;
  std::vector<MeasurandEnumType> out;
  std::string_view rest = *list;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    MeasurandEnumType m;
    if (from_string(item, m)) out.push_back(m);
  }
  return out;
}

}  // namespace

void Engine::Impl::load_tx_settings() {
  // The device model holds the values (checked against their values lists when set); the
  // settings are their parsed form, read again whenever one of these controllers changes.
  TxSettings s;
  auto seconds = [this](std::string_view c, std::string_view v, std::chrono::seconds d) {
    auto n = dm_.get_int(c, v);
    return n ? std::chrono::seconds(*n) : d;
  };
  auto flag = [this](std::string_view c, std::string_view v, bool d) {
    return dm_.get_bool(c, v).value_or(d);
  };
  if (auto v = dm_.get_string("TxCtrlr", "TxStartPoint")) parse_tx_points(*v, s.start_points);
  if (auto v = dm_.get_string("TxCtrlr", "TxStopPoint")) parse_tx_points(*v, s.stop_points);
  s.stop_tx_on_invalid_id = flag("TxCtrlr", "StopTxOnInvalidId", s.stop_tx_on_invalid_id);
  s.stop_tx_on_ev_side_disconnect =
      flag("TxCtrlr", "StopTxOnEVSideDisconnect", s.stop_tx_on_ev_side_disconnect);
  s.unlock_on_ev_side_disconnect =
      flag("OCPPCommCtrlr", "UnlockOnEVSideDisconnect", s.unlock_on_ev_side_disconnect);
  s.max_energy_on_invalid_id =
      std::max<std::int64_t>(0, dm_.get_int("TxCtrlr", "MaxEnergyOnInvalidId").value_or(0));
  s.ev_connection_timeout = seconds("TxCtrlr", "EVConnectionTimeOut", s.ev_connection_timeout);
  s.offline_tx_for_unknown_id =
      flag("AuthCtrlr", "OfflineTxForUnknownIdEnabled", s.offline_tx_for_unknown_id);
  s.authorize_remote_start = flag("AuthCtrlr", "AuthorizeRemoteStart", s.authorize_remote_start);
  const bool sampled = flag("SampledDataCtrlr", "Enabled", true);
  s.sampled_interval = sampled
                           ? seconds("SampledDataCtrlr", "TxUpdatedInterval", s.sampled_interval)
                           : std::chrono::seconds(0);
  s.started_measurands = parse_measurands(dm_.get_string("SampledDataCtrlr", "TxStartedMeasurands"),
                                          s.started_measurands);
  s.updated_measurands = parse_measurands(dm_.get_string("SampledDataCtrlr", "TxUpdatedMeasurands"),
                                          s.updated_measurands);
  s.ended_measurands =
      parse_measurands(dm_.get_string("SampledDataCtrlr", "TxEndedMeasurands"), s.ended_measurands);
  s.sampled_ended_interval =
      sampled ? seconds("SampledDataCtrlr", "TxEndedInterval", s.sampled_ended_interval)
              : std::chrono::seconds(0);
  const bool aligned = flag("AlignedDataCtrlr", "Enabled", true);
  s.aligned_interval = aligned ? seconds("AlignedDataCtrlr", "Interval", s.aligned_interval)
                               : std::chrono::seconds(0);
  s.aligned_measurands =
      parse_measurands(dm_.get_string("AlignedDataCtrlr", "Measurands"), s.aligned_measurands);
  s.aligned_send_during_idle =
      flag("AlignedDataCtrlr", "SendDuringIdle", s.aligned_send_during_idle);
  s.aligned_ended_interval =
      aligned ? seconds("AlignedDataCtrlr", "TxEndedInterval", s.aligned_ended_interval)
              : std::chrono::seconds(0);
  s.aligned_ended_measurands = parse_measurands(
      dm_.get_string("AlignedDataCtrlr", "TxEndedMeasurands"), s.aligned_ended_measurands);
  // Absent unless the meter signs (EngineOptions::signed_meter_values): then false.
  s.sign_sampled = flag("SampledDataCtrlr", "SignReadings", false);
  s.sign_aligned = flag("AlignedDataCtrlr", "SignReadings", false);
  tx_settings_ = std::move(s);
  // E12 (OCPPCommCtrlr.MessageAttempts / MessageAttemptInterval of TransactionEvent).
  rpc::RetryPolicy retry;
  if (auto n = dm_.get_int("OCPPCommCtrlr", "MessageAttempts", "TransactionEvent"))
    retry.attempts = static_cast<int>(std::max<std::int64_t>(*n, 1));
  if (auto n = dm_.get_int("OCPPCommCtrlr", "MessageAttemptInterval", "TransactionEvent"))
    retry.interval = std::chrono::seconds(*n);
  session_.set_retry_policy(retry);
}

void Engine::Impl::follow_tx_settings() {
  load_tx_settings();
  dm_.on_changed([this](const Variable& v, AttributeEnumType type, Now now) {
    const auto& c = v.key.component;
    if (type != AttributeEnumType::Actual ||
        (c != "TxCtrlr" && c != "AuthCtrlr" && c != "SampledDataCtrlr" && c != "AlignedDataCtrlr" &&
         c != "OCPPCommCtrlr" && c != "AuthCacheCtrlr" && c != "LocalAuthListCtrlr"))
      return;
    load_auth_settings();
    const auto before = tx_settings_;
    load_tx_settings();
    if (before.aligned_interval != tx_settings_.aligned_interval ||
        before.aligned_ended_interval != tx_settings_.aligned_ended_interval)
      schedule_aligned(now);
    // A new TxUpdatedInterval or TxEndedInterval counts from now for the ongoing transactions.
    auto restart = [&](std::chrono::seconds iv, std::optional<MonoTime> Transaction::*next) {
      for (EvseTx& e : evse_txs_)
        if (e.tx)
          (*e.tx).*next = iv.count() > 0 ? std::optional<MonoTime>(now.mono + iv) : std::nullopt;
    };
    if (before.sampled_interval != tx_settings_.sampled_interval)
      restart(tx_settings_.sampled_interval, &Transaction::next_sample);
    if (before.sampled_ended_interval != tx_settings_.sampled_ended_interval)
      restart(tx_settings_.sampled_ended_interval, &Transaction::next_ended_sample);
  });
}

std::string Engine::Impl::next_transaction_id(Now now) {
  // E01.FR.08: never the same transactionId twice, also across reboots, repairs and firmware
  // updates. The counter is durable; the wall clock and the host's seed keep ids apart even
  // when the store is replaced.
  ++tx_counter_;
  if (auto ec = store_.kv_set(kTxCounterKey, std::to_string(tx_counter_)))
    log(0, "cannot store the transaction counter: " + ec.message());
  const auto wall = std::chrono::duration_cast<std::chrono::seconds>(now.wall.time_since_epoch());
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%08llx-%lld",
                static_cast<unsigned long long>(wall.count()) & 0xffffffffULL,
                static_cast<unsigned long long>(options_.id_seed) & 0xffffffffULL,
                static_cast<long long>(tx_counter_));
  return buf;
}

std::error_code Engine::Impl::write_event(int evse_id, TransactionEventEnumType type,
                                          TriggerReasonEnumType trigger, Now now,
                                          std::optional<ReasonEnumType> stopped,
                                          std::optional<ReadingContextEnumType> context) {
  EvseTx& e = evse_tx(evse_id);
  Transaction& t = *e.tx;
  if (e.remote_start_unsent) trigger = TriggerReasonEnumType::RemoteStart;  // F01.FR.19
  TransactionEventRequest req;
  req.eventType = type;
  req.timestamp = now.wall;
  req.triggerReason = trigger;
  req.seqNo = t.next_seq_no;          // E01.FR.07: 0 for Started, then one more per message
  if (!online()) req.offline = true;  // E04.FR.03
  req.transactionInfo.transactionId = t.transaction_id;
  // E01.FR.18: the chargingState whenever it changed (and in the first message).
  if (!t.charging_state || *t.charging_state != e.charging_state)
    req.transactionInfo.chargingState = e.charging_state;
  if (t.remote_start_id && e.remote_start_unsent)
    req.transactionInfo.remoteStartId = t.remote_start_id;  // F01.FR.25, F02.FR.01
  if (type == TransactionEventEnumType::Ended) {
    req.transactionInfo.stoppedReason = stopped;  // E06.FR.08
    req.transactionInfo.timeSpentCharging = static_cast<std::int32_t>(std::min<std::int64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(t.charging_time).count(), INT32_MAX));
  }
  // E01.FR.16: evse.id and connectorId once the EV is connected; the EVSE from the start.
  // F06.FR.07, F06.FR.11: a triggered message names its EVSE again (a TriggerMessage for all
  // EVSEs gets one per EVSE; part 6 TC_F_14 checks evse.id in each).
  if (type == TransactionEventEnumType::Started || trigger == TriggerReasonEnumType::Trigger ||
      (t.connector_id != 0 && !t.connector_sent)) {
    req.evse = EVSEType{};
    req.evse->id = evse_id;
    if (t.connector_id != 0) req.evse->connectorId = t.connector_id;
  }
  if (t.id_token && !t.id_token_sent) req.idToken = *t.id_token;  // E01.FR.10, E02.FR.01
  if (t.stop_id_token) req.idToken = *t.stop_id_token;            // E07.FR.02
  if (context) {
    const auto& list =
        *context == ReadingContextEnumType::Transaction_Begin ? tx_settings_.started_measurands
        : *context == ReadingContextEnumType::Transaction_End ? tx_settings_.ended_measurands
        : *context == ReadingContextEnumType::Sample_Clock    ? tx_settings_.aligned_measurands
                                                              : tx_settings_.updated_measurands;
    // SampledDataCtrlr.SignReadings for the transaction's own samples (E02.FR.14, J02.FR.21);
    // the clock-aligned ones follow AlignedDataCtrlr.SignReadings (J01.FR.21).
    req.meterValue =
        meter_values(e, list, *context, now.wall,
                     *context == ReadingContextEnumType::Sample_Clock ? tx_settings_.sign_aligned
                                                                      : tx_settings_.sign_sampled);
    if (type == TransactionEventEnumType::Ended && !t.ended_samples.empty()) {
      // E06.FR.11: the values taken at the start and every TxEndedInterval, then the end's.
      std::vector<MeterValueType> all = t.ended_samples;
      if (req.meterValue)
        for (auto& mv : *req.meterValue) all.push_back(std::move(mv));
      req.meterValue = std::move(all);
    }
  }

  OutboxMessage msg;
  msg.action = "TransactionEvent";
  msg.payload = codec::to_json(req);
  msg.protocol = kProtocol;
  msg.tx_seq_no = t.next_seq_no + 1;
  if (type == TransactionEventEnumType::Started) {
    TransactionRecord rec;
    rec.protocol = kProtocol;
    rec.evse_id = evse_id;
    rec.connector_id = t.connector_id;
    if (t.id_token) {
      rec.id_token = t.id_token->idToken;
      rec.data =
          std::string(R"({"idTokenType":")") + std::string(to_string(t.id_token->type)) + "\"}";
    }
    rec.transaction_id = t.transaction_id;
    rec.seq_no = msg.tx_seq_no;
    if (auto ec = store_.transaction_begin(rec, msg)) return ec;
    session_.appended(msg.seq);
    t.tx_key = rec.tx_key;
  } else if (type == TransactionEventEnumType::Ended) {
    msg.tx_key = t.tx_key;
    if (auto ec = store_.transaction_end(t.tx_key, msg)) return ec;
    session_.appended(msg.seq);
  } else {
    msg.tx_key = t.tx_key;
    if (auto ec = session_.append(msg)) return ec;
  }
  // Written: what it told the CSMS is told.
  ++t.next_seq_no;
  t.charging_state = e.charging_state;
  if (req.evse && req.evse->connectorId) t.connector_sent = true;
  if (req.idToken) t.id_token_sent = true;
  t.stop_id_token.reset();
  e.remote_start_unsent = false;
  const std::optional<bool> unlock_cable = std::exchange(e.unlock_cable, std::nullopt);
  Pending& p = pending_[t.tx_key];
  p.transaction_id = t.transaction_id;
  ++p.queued;
  if (hooks_.transaction_event) {
    TransactionEventInfo info;
    info.evseId = evse_id;
    info.connectorId = t.connector_id;
    info.transactionId = t.transaction_id;
    info.eventType = type;
    info.triggerReason = trigger;
    info.seqNo = req.seqNo;
    info.offline = req.offline.value_or(false);
    info.chargingState = req.transactionInfo.chargingState;
    info.stoppedReason = stopped;
    if (req.idToken) info.idToken = req.idToken->idToken;
    info.unlockCable = unlock_cable;
    defer([h = hooks_.transaction_event, info = std::move(info)] { h(info); });
  }
  return {};
}

std::error_code Engine::Impl::evaluate_start(int evse_id, TriggerReasonEnumType trigger, Now now) {
  EvseTx& e = evse_tx(evse_id);
  if (e.tx) return {};
  const unsigned sp = tx_settings_.start_points;
  const bool plugged = e.plugged_connector != 0;
  const bool authorized = e.authorized.has_value();
  // E01.FR.01 to E01.FR.06. ParkingBayOccupancy (E01.FR.01): an EV arrived in the bay (the
  // firmware's detector) since the last transaction. DataSigned (E01.FR.04): a signing meter,
  // signed readings switched on, and a signed reading since the last transaction.
  const bool data_signed = (sp & kDataSigned) && options_.signed_meter_values &&
                           tx_settings_.sign_sampled && e.signed_since_tx;
  const bool start =
      data_signed || ((sp & kParkingBayOccupancy) && e.bay_arrival) ||
      ((sp & kEVConnected) && plugged) || ((sp & kAuthorized) && authorized) ||
      ((sp & kPowerPathClosed) && plugged && authorized) ||
      ((sp & kEnergyTransfer) && e.charging_state == ChargingStateEnumType::Charging);
  if (!start) return {};
  Transaction t;
  e.signed_since_tx = false;
  e.bay_arrival = false;
  t.transaction_id = next_transaction_id(now);
  t.connector_id = e.plugged_connector;
  t.id_token = e.authorized;
  t.remote_start_id = e.remote_start_id;
  t.started = now.mono;
  if (e.charging_state == ChargingStateEnumType::Charging) t.charging_since = now.mono;
  auto energy = e.readings.find(MeasurandEnumType::Energy_Active_Import_Register);
  if (energy != e.readings.end()) t.energy_start = energy->second;
  // E06.FR.11: the Ended message carries the TxEndedMeasurands taken at the start too.
  if (auto mv =
          meter_values(e, tx_settings_.ended_measurands, ReadingContextEnumType::Transaction_Begin,
                       now.wall, tx_settings_.sign_sampled))
    add_ended_sample(t, std::move(*mv));
  if (tx_settings_.sampled_ended_interval.count() > 0)
    t.next_ended_sample = now.mono + tx_settings_.sampled_ended_interval;
  e.tx = std::move(t);
  if (auto ec = write_event(evse_id, TransactionEventEnumType::Started, trigger, now, std::nullopt,
                            ReadingContextEnumType::Transaction_Begin)) {
    e.tx.reset();
    return ec;
  }
  if (tx_settings_.sampled_interval.count() > 0)
    e.tx->next_sample = now.mono + tx_settings_.sampled_interval;
  smart_charging_tx_started(evse_id, now);  // smart charging (block K)
  return {};
}

std::error_code Engine::Impl::end_transaction(int evse_id, TriggerReasonEnumType trigger,
                                              std::optional<ReasonEnumType> reason, Now now) {
  EvseTx& e = evse_tx(evse_id);
  if (!e.tx) return make_error_code(Errc::no_transaction);
  if (e.tx->charging_since) {
    e.tx->charging_time += now.mono - *e.tx->charging_since;
    e.tx->charging_since.reset();
  }
  if (auto ec = write_event(evse_id, TransactionEventEnumType::Ended, trigger, now, reason,
                            ReadingContextEnumType::Transaction_End))
    return ec;
  const std::int64_t tx_key = e.tx->tx_key;
  e.tx.reset();
  smart_charging_tx_ended(tx_key, now);  // smart charging (block K): its TxProfiles go
  e.authorized.reset();
  e.group_id_token.reset();
  e.remote_start_id.reset();
  e.connect_deadline.reset();
  apply_scheduled_availability(now);
  firmware_transaction_ended(now);  // firmware update (L01.FR.06)
  return {};
}

std::error_code Engine::Impl::authorization_ended(int evse_id, TriggerReasonEnumType trigger,
                                                  ReasonEnumType reason, Now now,
                                                  std::optional<IdTokenType> stopped_by) {
  EvseTx& e = evse_tx(evse_id);
  e.authorized.reset();
  e.group_id_token.reset();
  if (!e.tx) return {};
  // E07.FR.02: the StopAuthorized message carries the idToken that ended the authorization
  // (another one of the group, C09.FR.03, or the same one again).
  e.tx->stop_id_token = std::move(stopped_by);
  // E05.FR.10, E06.FR.03, E06.FR.06: the transaction ends with its authorization.
  if (tx_settings_.stop_points & (kAuthorized | kPowerPathClosed | kEnergyTransfer))
    return end_transaction(evse_id, trigger, reason, now);
  // E05.FR.09: it goes on (until the EV leaves) without energy.
  e.tx->deauthorized = true;
  if (e.charging_state != ChargingStateEnumType::Idle)
    set_charging_time(e, ChargingStateEnumType::EVConnected, now);
  return write_event(evse_id, TransactionEventEnumType::Updated, trigger, now);
}

void Engine::Impl::set_charging_time(EvseTx& e, ChargingStateEnumType next, Now now) {
  if (e.tx) {
    const bool was = e.charging_state == ChargingStateEnumType::Charging;
    const bool is = next == ChargingStateEnumType::Charging;
    if (was && !is && e.tx->charging_since) {
      e.tx->charging_time += now.mono - *e.tx->charging_since;
      e.tx->charging_since.reset();
    } else if (!was && is) {
      e.tx->charging_since = now.mono;
    }
  }
  e.charging_state = next;
}

std::error_code Engine::Impl::plug_in(int evse_id, int connector_id, Now now) {
  if (!connector(evse_id, connector_id)) return make_error_code(Errc::unknown_connector);
  EvseTx& e = evse_tx(evse_id);
  if (e.plugged_connector == connector_id) return {};
  // E01.FR.14: one connector of an EVSE at a time.
  // E10: the EV comes back to the connector of its suspended transaction.
  if (e.plugged_connector != 0 ||
      (e.tx && e.tx->connector_id != 0 && e.tx->connector_id != connector_id))
    return make_error_code(Errc::transaction_active);
  e.plugged_connector = connector_id;
  e.connect_deadline.reset();
  if (e.charging_state == ChargingStateEnumType::Idle)
    set_charging_time(e, ChargingStateEnumType::EVConnected, now);
  // E02.FR.05: the connector is Occupied.
  set_connector_status(evse_id, connector_id, ConnectorStatusEnumType::Occupied, now);
  if (!e.tx) return evaluate_start(evse_id, TriggerReasonEnumType::CablePluggedIn, now);
  e.tx->connector_id = connector_id;
  return write_event(evse_id, TransactionEventEnumType::Updated,
                     TriggerReasonEnumType::CablePluggedIn, now);
}

std::error_code Engine::Impl::plug_out(int evse_id, Now now) {
  if (!valid_evse(evse_id)) return make_error_code(Errc::unknown_connector);
  EvseTx& e = evse_tx(evse_id);
  if (e.plugged_connector == 0) return make_error_code(Errc::invalid_state);
  const int connector_id = e.plugged_connector;
  e.plugged_connector = 0;
  set_charging_time(e, ChargingStateEnumType::Idle, now);
  set_connector_status(evse_id, connector_id, ConnectorStatusEnumType::Available, now);
  if (!e.tx) return {};
  const unsigned sp = tx_settings_.stop_points;
  // E06.FR.02, E06.FR.06, E06.FR.07 (no energy can flow without the EV, whether or not it
  // was flowing: a transaction that could no longer end is not left open); and E09.FR.01
  // where the authorization is a stop point.
  const bool ends = (sp & (kEVConnected | kPowerPathClosed | kEnergyTransfer)) ||
                    (tx_settings_.stop_tx_on_ev_side_disconnect && (sp & kAuthorized));
  if (ends) {
    e.unlock_cable = true;  // E06.FR.10: the transaction ended
    return end_transaction(evse_id, TriggerReasonEnumType::EVCommunicationLost,
                           ReasonEnumType::EVDisconnected, now);
  }
  // E09.FR.02, E09.FR.03, E10.FR.01: OCPPCommCtrlr.UnlockOnEVSideDisconnect (ReadOnly false
  // with permanently attached cables).
  e.unlock_cable =
      tx_settings_.unlock_on_ev_side_disconnect && !options_.cable_permanently_attached;
  if (tx_settings_.stop_tx_on_ev_side_disconnect) {
    // E09.FR.01: deauthorized; energy only after a new authorization.
    e.authorized.reset();
    e.tx->deauthorized = true;
  } else if (options_.cable_permanently_attached &&
             tx_settings_.ev_connection_timeout.count() > 0) {
    // E10.FR.02: suspended; deauthorized unless the EV is back within EVConnectionTimeOut.
    e.connect_deadline = now.mono + tx_settings_.ev_connection_timeout;
  }
  return write_event(evse_id, TransactionEventEnumType::Updated,
                     TriggerReasonEnumType::EVCommunicationLost, now);
}

std::error_code Engine::Impl::set_charging_state(int evse_id, ChargingStateEnumType state,
                                                 Now now) {
  if (!valid_evse(evse_id)) return make_error_code(Errc::unknown_connector);
  EvseTx& e = evse_tx(evse_id);
  if (e.charging_state == state) return {};
  const bool was_charging = e.charging_state == ChargingStateEnumType::Charging;
  set_charging_time(e, state, now);
  if (!e.tx) return evaluate_start(evse_id, TriggerReasonEnumType::ChargingStateChanged, now);
  if (was_charging && state != ChargingStateEnumType::Charging &&
      (tx_settings_.stop_points & kEnergyTransfer)) {
    // E06.FR.07.
    return end_transaction(evse_id, TriggerReasonEnumType::ChargingStateChanged,
                           state == ChargingStateEnumType::SuspendedEV ? ReasonEnumType::StoppedByEV
                                                                       : ReasonEnumType::Other,
                           now);
  }
  return write_event(evse_id, TransactionEventEnumType::Updated,
                     TriggerReasonEnumType::ChargingStateChanged, now);
}

std::error_code Engine::Impl::set_measurand(int evse_id, MeasurandEnumType m, double value,
                                            Now now) {
  if (!valid_evse(evse_id)) return make_error_code(Errc::unknown_connector);
  if (!std::isfinite(value)) return make_error_code(Errc::invalid_argument);
  EvseTx& e = evse_tx(evse_id);
  e.readings[m] = value;
  e.signatures.erase(m);  // a signature belongs to the reading it signed
  if (m != MeasurandEnumType::Energy_Active_Import_Register || !e.tx) return {};
  if (!e.tx->energy_start) e.tx->energy_start = value;
  // E05.FR.02, E05.FR.03: MaxEnergyOnInvalidId reached by a refused idToken's transaction.
  if (e.tx->invalid_id && !e.tx->deauthorized &&
      transaction_energy(e) >= static_cast<double>(tx_settings_.max_energy_on_invalid_id))
    return suspend_for_invalid_id(evse_id, now);
  return {};
}

std::error_code Engine::Impl::set_signed_measurand(int evse_id, MeasurandEnumType m, double value,
                                                   const SignedMeterValueType& signed_value,
                                                   Now now) {
  if (!valid_evse(evse_id)) return make_error_code(Errc::unknown_connector);
  if (!options_.signed_meter_values) return make_error_code(Errc::invalid_state);
  // The schema's lengths of SignedMeterValueType: what cannot be sent is refused here.
  if (signed_value.signedMeterData.empty() || signed_value.signedMeterData.size() > 2500 ||
      signed_value.signingMethod.size() > 50 || signed_value.encodingMethod.size() > 50 ||
      signed_value.publicKey.size() > 2500)
    return make_error_code(Errc::invalid_argument);
  if (auto ec = set_measurand(evse_id, m, value, now)) return ec;
  EvseTx& e = evse_tx(evse_id);
  auto& s = e.signatures[m] = signed_value;
  s.customData.reset();  // the host's raw JSON is not checked: not sent
  if (e.tx) return {};
  // Only a reading outside a transaction starts the next one: those of the one that ended
  // do not.
  e.signed_since_tx = true;
  // E01.FR.04: with DataSigned in TxStartPoint, the signed reading starts the transaction.
  return evaluate_start(evse_id, TriggerReasonEnumType::SignedDataReceived, now);
}

std::error_code Engine::Impl::set_parking_bay_occupied(int evse_id, bool occupied, Now now) {
  if (!valid_evse(evse_id)) return make_error_code(Errc::unknown_connector);
  EvseTx& e = evse_tx(evse_id);
  if (e.bay_occupied == occupied) return {};
  e.bay_occupied = occupied;
  e.bay_arrival = occupied && !e.tx;
  if (occupied) {
    if (e.tx) return {};
    // E01.FR.01: the EV in the bay starts the transaction (triggerReason EVDetected).
    return evaluate_start(evse_id, TriggerReasonEnumType::EVDetected, now);
  }
  // E06.FR.01: the EV left the bay; stoppedReason Local as part 6 TC_E_19 expects of a
  // transaction not stopped remotely.
  if (e.tx && (tx_settings_.stop_points & kParkingBayOccupancy))
    return end_transaction(evse_id, TriggerReasonEnumType::EVDeparted, ReasonEnumType::Local, now);
  return {};
}

std::error_code Engine::Impl::stop_transaction(int evse_id, ReasonEnumType reason, Now now) {
  if (!valid_evse(evse_id)) return make_error_code(Errc::unknown_connector);
  EvseTx& e = evse_tx(evse_id);
  // C16.FR.01 (the Master Pass UI) and C16.FR.02: the Ended message carries the Master Pass
  // idToken that stopped it (StopAuthorized, E07.FR.02; TC_C_47 to TC_C_49 accept it).
  if (e.tx && reason == ReasonEnumType::MasterPass && master_pass_token_)
    e.tx->stop_id_token = master_pass_token_;
  return end_transaction(evse_id, trigger_for(reason), reason, now);
}

std::optional<MonoTime> Engine::Impl::tx_next_deadline() const {
  std::optional<MonoTime> d;
  for (const EvseTx& e : evse_txs_) {
    if (e.connect_deadline && (!d || *e.connect_deadline < *d)) d = e.connect_deadline;
    if (e.tx && e.tx->next_sample && (!d || *e.tx->next_sample < *d)) d = e.tx->next_sample;
    if (e.tx && e.tx->next_ended_sample && (!d || *e.tx->next_ended_sample < *d))
      d = e.tx->next_ended_sample;
  }
  return d;
}

void Engine::Impl::tx_timer(Now now) {
  for (std::size_t i = 0; i < evse_txs_.size(); ++i) {
    const int evse_id = static_cast<int>(i) + 1;
    EvseTx& e = evse_txs_[i];
    if (e.connect_deadline && now.mono >= *e.connect_deadline) {
      e.connect_deadline.reset();
      if (e.tx && e.plugged_connector == 0) {
        // E03.FR.05, F02.FR.07: no cable within EVConnectionTimeOut; E10.FR.02: the EV of a
        // suspended transaction is not back, it is deauthorized (ending it per TxStopPoint).
        // E03.FR.15: with ParkingBayOccupancy in TxStopPoint the transaction outlives the
        // timeout (it ends when the EV leaves the bay): deauthorized only.
        const bool suspended = e.tx->connector_id != 0;
        const bool bay_stops = (tx_settings_.stop_points & kParkingBayOccupancy) != 0;
        if (auto ec = suspended || bay_stops
                          ? authorization_ended(evse_id, TriggerReasonEnumType::EVConnectTimeout,
                                                ReasonEnumType::Timeout, now)
                          : end_transaction(evse_id, TriggerReasonEnumType::EVConnectTimeout,
                                            ReasonEnumType::Timeout, now))
          log(0, "cannot end the transaction of EVSE " + std::to_string(evse_id) + ": " +
                     ec.message());
      } else if (!e.tx) {
        e.authorized.reset();  // the authorization lapses with the timeout
        e.remote_start_id.reset();
        e.remote_start_unsent = false;
      }
    }
    if (e.tx && e.tx->next_ended_sample && now.mono >= *e.tx->next_ended_sample) {
      // SampledDataCtrlr.TxEndedInterval: only for the Ended message (E06.FR.11).
      e.tx->next_ended_sample =
          tx_settings_.sampled_ended_interval.count() > 0
              ? std::optional<MonoTime>(now.mono + tx_settings_.sampled_ended_interval)
              : std::nullopt;
      if (auto mv = meter_values(e, tx_settings_.ended_measurands,
                                 ReadingContextEnumType::Sample_Periodic, now.wall,
                                 tx_settings_.sign_sampled))
        add_ended_sample(*e.tx, std::move(*mv));
    }
    if (e.tx && e.tx->next_sample && now.mono >= *e.tx->next_sample) {
      // J02: a sampled meter value every SampledDataTxUpdatedInterval.
      e.tx->next_sample = tx_settings_.sampled_interval.count() > 0
                              ? std::optional<MonoTime>(now.mono + tx_settings_.sampled_interval)
                              : std::nullopt;
      if (meter_values(e, tx_settings_.updated_measurands, ReadingContextEnumType::Sample_Periodic,
                       now.wall, false)) {
        if (auto ec = write_event(evse_id, TransactionEventEnumType::Updated,
                                  TriggerReasonEnumType::MeterValuePeriodic, now, std::nullopt,
                                  ReadingContextEnumType::Sample_Periodic))
          log(0, "cannot queue the meter values of EVSE " + std::to_string(evse_id) + ": " +
                     ec.message());
      }
    }
  }
}

}  // namespace ocpp::v201
