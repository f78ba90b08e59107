// Functional block G (availability) of OCPP 2.0.1 part 2: connector status reporting (G01)
// and ChangeAvailability for an EVSE or connector (G03) and the whole station (G04).
#include "v201/engine_impl.hpp"

namespace ocpp::v201 {

namespace {

// Store keys of the availability ChangeAvailability set (G03.FR.08, G04.FR.09): present, with
// value "Inoperative", only while Inoperative.
const std::string kAvailabilityPrefix = "v201.availability.";
const std::string kInoperative = "Inoperative";

std::string availability_key(int evse_id, int connector_id) {
  if (evse_id == 0) return kAvailabilityPrefix + "station";
  if (connector_id == 0) return kAvailabilityPrefix + "evse." + std::to_string(evse_id);
  return kAvailabilityPrefix + "connector." + std::to_string(evse_id) + "." +
         std::to_string(connector_id);
}

std::string status_notification(int evse_id, int connector_id, ConnectorStatusEnumType status,
                                Now now) {
  StatusNotificationRequest req;
  req.timestamp = now.wall;
  req.connectorStatus = status;
  req.evseId = evse_id;
  req.connectorId = connector_id;
  return codec::to_json(req);
}

}  // namespace

Connector* Engine::Impl::connector(int evse_id, int connector_id) {
  if (evse_id < 1 || static_cast<std::size_t>(evse_id) > evses_.size()) return nullptr;
  auto& evse = evses_[static_cast<std::size_t>(evse_id) - 1].connectors;
  if (connector_id < 1 || static_cast<std::size_t>(connector_id) > evse.size()) return nullptr;
  return &evse[static_cast<std::size_t>(connector_id) - 1];
}

const Connector* Engine::Impl::connector(int evse_id, int connector_id) const {
  return const_cast<Engine::Impl*>(this)->connector(evse_id, connector_id);
}

ConnectorStatusEnumType Engine::Impl::effective_status(int evse_id, int connector_id) const {
  const Connector* c = connector(evse_id, connector_id);
  if (!c) return ConnectorStatusEnumType::Unavailable;
  // G03.FR.06, G04.FR.07: the operative connectors (not Faulted) become Unavailable.
  if (c->status == ConnectorStatusEnumType::Faulted) return c->status;
  const bool evse_operative = evses_[static_cast<std::size_t>(evse_id) - 1].operative;
  if (!station_operative_ || !evse_operative || !c->operative)
    return ConnectorStatusEnumType::Unavailable;
  // firmware update (L01.FR.07): the free EVSEs are Unavailable while the installation waits.
  if (firmware_holds(evse_id)) return ConnectorStatusEnumType::Unavailable;
  return c->status;  // G03.FR.07, G04.FR.08: the original status again
}

std::error_code Engine::Impl::set_connector_status(int evse_id, int connector_id,
                                                   ConnectorStatusEnumType status, Now now) {
  Connector* c = connector(evse_id, connector_id);
  if (!c) return make_error_code(Errc::unknown_connector);
  const auto before = effective_status(evse_id, connector_id);
  c->status = status;
  const auto after = effective_status(evse_id, connector_id);
  if (before == after) return {};
  if (hooks_.status)
    defer([h = hooks_.status, evse_id, connector_id, after] { h(evse_id, connector_id, after); });
  // Before Accepted nothing but BootNotificationRequest goes out (B01.FR.08): the status is
  // reported with every other connector after Accepted (B01.FR.05). Offline after Accepted it
  // is reported after the reconnect, even if it changed back meanwhile (B04.FR.02).
  if (!online())
    c->reported.reset();
  else if (c->reported != after)
    report_status(evse_id, connector_id, now);
  return {};
}

void Engine::Impl::report_all_status(Now now) {
  for (std::size_t e = 0; e < evses_.size(); ++e)
    for (std::size_t k = 0; k < evses_[e].connectors.size(); ++k)
      report_status(static_cast<int>(e + 1), static_cast<int>(k + 1), now);
}

void Engine::Impl::report_status(int evse_id, int connector_id, Now now) {
  Connector* c = connector(evse_id, connector_id);
  if (!c) return;
  const auto status = effective_status(evse_id, connector_id);
  c->reported = status;
  const auto serial = ++c->report_serial;
  // A report that did not arrive (lost with its connection, CALLERROR, timeout, or not queued)
  // leaves the CSMS's view unknown: the connector is reported again after a reconnect
  // (B04.FR.02), unless a later report went out meanwhile.
  const bool queued = send_volatile(
      Action::StatusNotification, status_notification(evse_id, connector_id, status, now),
      [this, evse_id, connector_id, serial](const rapidjson::Value* result, Now) {
        Connector* k = connector(evse_id, connector_id);
        if (!result && k && k->report_serial == serial) k->reported.reset();
      });
  if (!queued) c->reported.reset();
}

void Engine::Impl::report_status_after_offline(Now now) {
  // B04.FR.01: offline for longer than OfflineThreshold (seconds; "exceeds": strictly
  // longer), or for a time unknown: every connector.
  const auto threshold =
      std::chrono::seconds(dm_.get_int("OCPPCommCtrlr", "OfflineThreshold").value_or(0));
  if (!offline_since_ || now.mono - *offline_since_ > threshold) {
    report_all_status(now);
    return;
  }
  // B04.FR.02: only the connectors whose status changed while offline (set_connector_status
  // and the other changes make `reported` unknown then) or whose last report was lost.
  for (std::size_t e = 0; e < evses_.size(); ++e)
    for (std::size_t k = 0; k < evses_[e].connectors.size(); ++k) {
      const int eid = static_cast<int>(e + 1), cid = static_cast<int>(k + 1);
      if (evses_[e].connectors[k].reported != effective_status(eid, cid))
        report_status(eid, cid, now);
    }
}

std::error_code Engine::Impl::load_availability() {
  std::vector<std::pair<std::string, std::string>> kv;
  if (auto ec = store_.kv_load(kAvailabilityPrefix, kv)) return ec;
  for (const auto& [key, value] : kv) {
    if (value != kInoperative) continue;
    if (key == availability_key(0, 0)) station_operative_ = false;
    for (std::size_t e = 0; e < evses_.size(); ++e) {
      const int evse_id = static_cast<int>(e + 1);
      if (key == availability_key(evse_id, 0)) evses_[e].operative = false;
      for (std::size_t k = 0; k < evses_[e].connectors.size(); ++k)
        if (key == availability_key(evse_id, static_cast<int>(k + 1)))
          evses_[e].connectors[k].operative = false;
    }
  }
  return {};
}

void Engine::Impl::handle_change_availability(const rpc::Frame& frame, Now now) {
  ChangeAvailabilityRequest req;
  if (!decode_request(frame, req)) return;
  ChangeAvailabilityResponse resp;
  resp.status = ChangeAvailabilityStatusEnumType::Rejected;
  // G04.FR.01: without evse (or with EVSE 0) the whole station; with evse but no connectorId
  // the EVSE (G03); else the connector.
  const int evse_id = req.evse ? req.evse->id : 0;
  const int connector_id = req.evse && evse_id != 0 ? req.evse->connectorId.value_or(0) : 0;
  bool* operative = operative_flag(evse_id, connector_id);
  if (!operative) {
    resp.statusInfo = StatusInfoType{std::nullopt, "UnknownEvse", std::nullopt};
    reply(frame.id, codec::to_json(resp));
    return;
  }
  const bool want = req.operationalStatus == OperationalStatusEnumType::Operative;
  if (*operative == want) {
    // G03.FR.03, G04.FR.04: the state it is already in: Accepted, nothing changes.
    resp.status = ChangeAvailabilityStatusEnumType::Accepted;
    reply(frame.id, codec::to_json(resp));
    return;
  }
  // G03.FR.08, G04.FR.09: persisted before it takes effect (a change Scheduled behind a
  // transaction too: after a reboot that transaction has ended).
  const std::string key = availability_key(evse_id, connector_id);
  const auto ec = want ? store_.kv_erase(key) : store_.kv_set(key, kInoperative);
  if (ec) {
    log(0, "ChangeAvailability not stored: " + ec.message());
    reply(frame.id, codec::to_json(resp));
    return;
  }
  // G03.FR.05, G04.FR.06: with a transaction in progress where it applies, Scheduled: it
  // takes effect when that transaction has ended.
  const bool busy =
      connector_id != 0
          ? evse_tx(evse_id).tx && evse_tx(evse_id).tx->connector_id == connector_id
          : transactions_in(evse_id == 0 ? std::nullopt : std::optional<std::int32_t>(evse_id));
  if (busy) {
    scheduled_availability_.push_back({evse_id, connector_id, want});
    resp.status = ChangeAvailabilityStatusEnumType::Scheduled;
    reply(frame.id, codec::to_json(resp));
    return;
  }
  resp.status = ChangeAvailabilityStatusEnumType::Accepted;
  reply(frame.id, codec::to_json(resp));
  apply_availability(evse_id, connector_id, want, now);
}

bool* Engine::Impl::operative_flag(int evse_id, int connector_id) {
  if (evse_id == 0) return &station_operative_;
  if (!valid_evse(evse_id)) return nullptr;
  if (connector_id == 0) return &evses_[static_cast<std::size_t>(evse_id) - 1].operative;
  Connector* c = connector(evse_id, connector_id);
  return c ? &c->operative : nullptr;
}

void Engine::Impl::apply_availability(int evse_id, int connector_id, bool operative, Now now) {
  bool* flag = operative_flag(evse_id, connector_id);
  if (!flag) return;
  // The connectors that changed are reported (G03.FR.04, G04.FR.05).
  change_statuses([flag, operative] { *flag = operative; }, false, now);
}

void Engine::Impl::change_statuses(const std::function<void()>& change, bool report_stale,
                                   Now now) {
  std::vector<std::vector<ConnectorStatusEnumType>> before(evses_.size());
  for (std::size_t e = 0; e < evses_.size(); ++e)
    for (std::size_t k = 0; k < evses_[e].connectors.size(); ++k)
      before[e].push_back(effective_status(static_cast<int>(e + 1), static_cast<int>(k + 1)));
  change();
  for (std::size_t e = 0; e < evses_.size(); ++e) {
    for (std::size_t k = 0; k < evses_[e].connectors.size(); ++k) {
      const int eid = static_cast<int>(e + 1), cid = static_cast<int>(k + 1);
      Connector& c = evses_[e].connectors[k];
      const auto after = effective_status(eid, cid);
      const bool changed = after != before[e][k];
      if (changed && hooks_.status)
        defer([h = hooks_.status, eid, cid, after] { h(eid, cid, after); });
      if (online() && (report_stale ? c.reported != after : changed))
        report_status(eid, cid, now);
      else if (!online() && changed)
        c.reported.reset();  // reported after the reconnect (B04.FR.02)
    }
  }
}

void Engine::Impl::apply_scheduled_availability(Now now) {
  auto pending = std::move(scheduled_availability_);
  scheduled_availability_.clear();
  for (const auto& s : pending) {
    const bool busy =
        s.connector_id != 0
            ? evse_tx(s.evse_id).tx && evse_tx(s.evse_id).tx->connector_id == s.connector_id
            : transactions_in(s.evse_id == 0 ? std::nullopt
                                             : std::optional<std::int32_t>(s.evse_id));
    if (busy)
      scheduled_availability_.push_back(s);
    else
      apply_availability(s.evse_id, s.connector_id, s.operative, now);
  }
}

}  // namespace ocpp::v201
