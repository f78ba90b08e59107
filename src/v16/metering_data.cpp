// Meter value helpers shared by periodic, clock-aligned and triggered samples (see
// metering_data.hpp). The module state they need lives in metering.cpp.
#include "v16/metering_data.hpp"

namespace ocpp::v16::metering {

bool list_contains(std::string_view list, Measurand m) {
  const std::string_view name = to_string(m);
  for (std::size_t pos = 0; pos <= list.size();) {
    std::size_t comma = list.find(',', pos);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = list.substr(pos, comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == name) return true;
    pos = comma + 1;
  }
  return false;
}

std::vector<SampledValue> default_values(const Connector& c) {
  SampledValue sv;
  sv.value = std::to_string(c.meter_wh);
  sv.measurand = Measurand::Energy_Active_Import_Register;
  sv.unit = UnitOfMeasure::Wh;
  return {std::move(sv)};
}

std::vector<SampledValue> valid_values(Engine::Impl& im, std::vector<SampledValue> values) {
  std::vector<SampledValue> out;
  out.reserve(values.size());
  for (auto& sv : values) {
    codec::Error err;
    if (!codec::validate(sv, err)) {
      im.log(0, "a meter value from the firmware is invalid and was left out: " + err.message);
      continue;
    }
    out.push_back(std::move(sv));
  }
  return out;
}

std::vector<SampledValue> select(Engine::Impl& im, const std::vector<SampledValue>& values,
                                 std::string_view list_key, ReadingContext context) {
  const std::string list = im.config_.get(list_key).value_or("");
  std::vector<SampledValue> kept;
  for (const auto& sv : values) {
    if (!list_contains(list, sv.measurand.value_or(Measurand::Energy_Active_Import_Register)))
      continue;
    kept.push_back(sv);
    if (!kept.back().context) kept.back().context = context;
  }
  return kept;
}

void write(Engine::Impl& im, int connector_id, std::int64_t tx_key,
           std::vector<SampledValue> values, ReadingContext context, std::string_view list_key,
           DateTime at) {
  if (tx_key != 0) {
    auto it = im.txs_.find(tx_key);
    // A sample that arrives after its transaction stopped would follow the StopTransaction.
    if (it == im.txs_.end() || it->second.stopped) return;
  }
  std::vector<SampledValue> kept = select(im, values, list_key, context);
  if (kept.empty()) return;
  MeterValuesRequest req;
  req.connectorId = connector_id;
  MeterValue mv;
  mv.timestamp = at;
  mv.sampledValue = std::move(kept);
  req.meterValue.push_back(std::move(mv));
  codec::Error err;
  if (!codec::validate(req, err)) {
    im.log(0, "meter values from the firmware are invalid: " + err.message);
    return;
  }
  if (tx_key == 0) {
    // Outside a transaction the values describe the present only: not queued while offline.
    if (im.online()) im.send_volatile(Action::MeterValues, codec::to_json(req));
    return;
  }
  OutboxMessage msg;
  msg.action = "MeterValues";
  msg.payload = codec::to_json(req);
  msg.protocol = kProtocol;
  msg.tx_key = tx_key;
  msg.droppable = true;
  if (auto ec = im.append_durable(msg)) im.log(0, "queueing MeterValues failed: " + ec.message());
}

}  // namespace ocpp::v16::metering
