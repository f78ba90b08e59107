// Functional block B (provisioning) of OCPP 2.0.1 part 2, the device model reports:
// GetBaseReport (B07) and GetReport (B08), answered by NotifyReportRequest messages.
#include <cstring>

#include "v201/engine_impl.hpp"

namespace ocpp::v201 {

namespace {

// What a CALL frame adds around its payload: [2,"<message id, at most 36>","NotifyReport",...].
constexpr std::size_t kFrameOverhead = 64;

bool is_true(const DeviceModel& dm, const VariableKey& component, std::string_view variable) {
  VariableKey k = component;
  k.variable = variable;
  k.variable_instance = {};
  const Variable* v = dm.find(k);
  return v && dm.value(*v, AttributeEnumType::Actual) == "true";
}

bool has_variable(const DeviceModel& dm, const VariableKey& component, std::string_view variable) {
  VariableKey k = component;
  k.variable = variable;
  k.variable_instance = {};
  return dm.find(k) != nullptr;
}

// B08.FR.07 to B08.FR.10, B08.FR.13: the component has at least one of the criteria.
bool meets(const DeviceModel& dm, const VariableKey& key,
           const std::vector<ComponentCriterionEnumType>& criteria) {
  for (auto c : criteria) {
    const std::string_view name = to_string(c);
    if (c == ComponentCriterionEnumType::Problem) {
      if (is_true(dm, key, name)) return true;
    } else if (!has_variable(dm, key, name) || is_true(dm, key, name)) {
      return true;  // Active, Available, Enabled: set to true, or the component lacks it
    }
  }
  return false;
}

// B08.FR.20 to B08.FR.25: what the CSMS leaves out matches anything.
bool matches(const ComponentVariableType& cv, const VariableKey& key) {
  const auto& c = cv.component;
  if (c.name != key.component) return false;
  if (c.instance && !c.instance->empty() && *c.instance != key.component_instance) return false;
  if (c.evse) {
    if (c.evse->id != key.evse_id) return false;
    if (c.evse->connectorId && *c.evse->connectorId != key.connector_id) return false;
  }
  if (!cv.variable) return true;
  if (cv.variable->name != key.variable) return false;
  const auto& inst = cv.variable->instance;
  return !inst || inst->empty() || *inst == key.variable_instance;
}

ReportDataType report_data(const DeviceModel& dm, const Variable& v) {
  ReportDataType rd;
  rd.component = component_of(v.key);
  rd.variable = variable_of(v.key);
  for (std::size_t i = 0; i < kAttributeTypes; ++i) {
    const auto type = static_cast<AttributeEnumType>(i);
    if (!v.has(type)) continue;
    // B07.FR.11: every attribute type, with or without a value; B07.FR.03, B08.FR.03
    // (errata): never the value of a WriteOnly variable.
    VariableAttributeType a;
    a.type = type;
    a.mutability = v.mutability;
    if (v.mutability != MutabilityEnumType::WriteOnly) a.value = dm.value(v, type);
    rd.variableAttribute.push_back(std::move(a));
  }
  VariableCharacteristicsType ch;  // B08.FR.12
  ch.dataType = v.data_type;
  if (!v.unit.empty()) ch.unit = v.unit;
  if (!v.values_list.empty()) ch.valuesList = v.values_list;
  ch.minLimit = v.min_limit;
  ch.maxLimit = v.max_limit;
  ch.supportsMonitoring = false;
  rd.variableCharacteristics = std::move(ch);
  return rd;
}

bool cannot_report(const Engine::Impl& im) { return im.report_.has_value() || !im.accepted(); }

}  // namespace

void Engine::Impl::handle_get_base_report(const rpc::Frame& frame, Now now) {
  GetBaseReportRequest req;
  if (!decode_request(frame, req)) return;
  GetBaseReportResponse resp;
  // B07.FR.13: one report at a time; and none before Accepted (docs/protocol-choices.md).
  if (cannot_report(*this)) {
    resp.status = GenericDeviceModelStatusEnumType::Rejected;
    reply(frame.id, codec::to_json(resp));
    return;
  }
  std::vector<const Variable*> items;
  for (const auto& v : dm_.variables()) {
    const VariableKey& key = v.key;
    bool take = false;
    switch (req.reportBase) {
      case ReportBaseEnumType::ConfigurationInventory:  // B07.FR.07: what the operator sets
        take = v.mutability != MutabilityEnumType::ReadOnly && !v.read;
        break;
      case ReportBaseEnumType::FullInventory:  // B07.FR.08
        take = true;
        break;
      case ReportBaseEnumType::SummaryInventory:  // B07.FR.09: availability and problems
        take = key.variable == "AvailabilityState" ||
               ((key.variable == "Problem" || key.variable == "Tripped" ||
                 key.variable == "Overload" || key.variable == "Fallback") &&
                dm_.value(v, AttributeEnumType::Actual) == "true");
        break;
    }
    if (take) items.push_back(&v);
  }
  resp.status = GenericDeviceModelStatusEnumType::Accepted;  // B07.FR.01, B07.FR.12
  reply(frame.id, codec::to_json(resp));
  start_report(req.requestId, std::move(items), now);
}

void Engine::Impl::handle_get_report(const rpc::Frame& frame, Now now) {
  if (over_message_limits(frame, "componentVariable", "GetReport")) return;
  GetReportRequest req;
  if (!decode_request(frame, req)) return;
  GetReportResponse resp;
  if (cannot_report(*this)) {
    resp.status = GenericDeviceModelStatusEnumType::Rejected;  // B08.FR.16
    reply(frame.id, codec::to_json(resp));
    return;
  }
  // Every criterion of ComponentCriterionEnumType is supported: NotSupported (B08.FR.02) is
  // never the answer; an unknown criterion fails the schema (CALLERROR).
  const auto& criteria = req.componentCriteria;
  const auto& cvs = req.componentVariable;
  std::vector<const Variable*> items;
  for (const auto& v : dm_.variables()) {
    const VariableKey& key = v.key;
    // B08.FR.05: limited to both when both are given; B08.FR.11: componentVariable alone.
    if (criteria && !criteria->empty() && !meets(dm_, key, *criteria)) continue;
    if (cvs && !cvs->empty()) {
      bool any = false;
      for (const auto& cv : *cvs) any = any || matches(cv, key);
      if (!any) continue;
    }
    items.push_back(&v);
  }
  if (items.empty()) {
    resp.status = GenericDeviceModelStatusEnumType::EmptyResultSet;  // B08.FR.15
    reply(frame.id, codec::to_json(resp));
    return;
  }
  resp.status = GenericDeviceModelStatusEnumType::Accepted;  // B08.FR.01
  reply(frame.id, codec::to_json(resp));
  start_report(req.requestId, std::move(items), now);
}

void Engine::Impl::start_report(std::int32_t request_id, std::vector<const Variable*> items,
                                Now now) {
  // The pointers stay valid: variables are never removed from the model's map.
  report_ = Report{++report_serial_, request_id, 0, std::move(items), 0};
  send_report_part(now);
}

void Engine::Impl::send_report_part(Now now) {
  if (!report_) return;
  Report& r = *report_;
  NotifyReportRequest msg;
  msg.requestId = r.request_id;  // B07.FR.04, B08.FR.04
  msg.generatedAt = now.wall;
  msg.seqNo = r.seq_no;  // B07.FR.10, B08.FR.14: 0, 1, 2, ...
  msg.tbc = false;
  const auto max_items = message_limit("ItemsPerMessage", "GetReport");
  const auto max_bytes = static_cast<std::size_t>(message_limit("BytesPerMessage", "GetReport"));
  // As many items as ItemsPerMessage and BytesPerMessage allow; at least one, so that a
  // report always ends (an item alone over the limit goes alone).
  std::size_t size =
      codec::to_json(msg).size() + std::strlen(",\"reportData\":[]") + kFrameOverhead;
  std::vector<ReportDataType> data;
  while (r.next < r.items.size() && static_cast<std::int64_t>(data.size()) < max_items) {
    ReportDataType rd = report_data(dm_, *r.items[r.next]);
    const std::size_t len = codec::to_json(rd).size() + (data.empty() ? 0 : 1);
    if (!data.empty() && size + len > max_bytes) break;
    size += len;
    data.push_back(std::move(rd));
    ++r.next;
  }
  if (size > max_bytes) log(1, "a NotifyReport item is longer than BytesPerMessageGetReport");
  const bool last = r.next >= r.items.size();
  msg.tbc = !last;
  if (!data.empty()) msg.reportData = std::move(data);
  ++r.seq_no;
  // One message after another: the next part once this one is answered. A part that fails
  // (CALLERROR, timeout, disconnect) ends the report; the CSMS asks again.
  send_volatile(Action::NotifyReport, codec::to_json(msg),
                [this, serial = r.serial](const rapidjson::Value* result, Now n) {
                  if (!report_ || report_->serial != serial) return;
                  if (!result) {
                    log(1, "NotifyReport not answered: the report ends here");
                    report_.reset();
                  } else if (report_->next >= report_->items.size()) {
                    report_.reset();
                  } else {
                    send_report_part(n);
                  }
                });
}

}  // namespace ocpp::v201
