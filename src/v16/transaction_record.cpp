// The OCPP 1.6 reading of the store's version-neutral transaction journal.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>

#include "core/json.hpp"
#include "v16/engine_impl.hpp"

namespace ocpp::v16 {

bool parse_transaction_id(std::string_view text, std::int32_t& out) {
  std::int32_t v = 0;
  const auto* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || p != end || text.empty()) return false;
  out = v;
  return true;
}

TransactionRecord TxState::to_record() const {
  TransactionRecord r;
  r.tx_key = tx_key;
  r.protocol = kProtocol;
  r.connector_id = connector_id;
  r.id_token = id_tag;
  if (transaction_id) r.transaction_id = std::to_string(*transaction_id);
  r.stopped = stopped;
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("meterStart");
  w.Int(meter_start);
  w.Key("startTime");
  w.String(start_time.data(), static_cast<rapidjson::SizeType>(start_time.size()));
  w.EndObject();
  r.data.assign(sb.GetString(), sb.GetSize());
  return r;
}

bool TxState::from_record(const TransactionRecord& r, TxState& out, std::string& why) {
  if (r.protocol != kProtocol) {
    why = "written by " + (r.protocol.empty() ? std::string("an unknown protocol") : r.protocol);
    return false;
  }
  rapidjson::Document d;
  if (!core::parse_json(d, r.data, &why) || !d.IsObject()) {
    if (why.empty()) why = "its data is not a JSON object";
    return false;
  }
  const auto meter = d.FindMember("meterStart");
  const auto start = d.FindMember("startTime");
  if (meter == d.MemberEnd() || !meter->value.IsInt() || start == d.MemberEnd() ||
      !start->value.IsString()) {
    why = "meterStart or startTime missing";
    return false;
  }
  TxState t;
  t.tx_key = r.tx_key;
  t.connector_id = r.connector_id;
  t.id_tag = r.id_token.value_or("");
  t.meter_start = meter->value.GetInt();
  t.start_time.assign(start->value.GetString(), start->value.GetStringLength());
  if (r.transaction_id) {
    std::int32_t id = 0;
    if (!parse_transaction_id(*r.transaction_id, id)) {
      why = "transactionId '" + *r.transaction_id + "' is not an integer";
      return false;
    }
    t.transaction_id = id;
  }
  t.stopped = r.stopped;
  out = std::move(t);
  return true;
}

}  // namespace ocpp::v16
