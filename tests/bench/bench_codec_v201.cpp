// Benchmark 1b: the generated OCPP 2.0.1 codec on a TransactionEventRequest (eventType Updated)
// with 10 sampled values, as a station writes one per SampledDataTxUpdatedInterval.
//
//   decode: codec::from_json (parse + schema checks + decode)  vs  the floor: a bare RapidJSON
//           parse of the same text plus a hand-written decode into the same struct that
//           checks nothing.
//   encode: codec::to_json  vs  the floor: a bare rapidjson::Writer writing the same fields.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstring>
#include <string>
#include <string_view>

#include "bench_util.hpp"
#include "ocpp/time.hpp"
#include "ocpp/v201/generated/messages.hpp"
#include "v201/generated/codec.hpp"

using namespace ocpp::v201;

namespace {

#define SV(value, measurand, phase, location, unit)                                         \
  R"({"value":)" value R"(,"context":"Sample.Periodic","measurand":")" measurand            \
  R"(","phase":")" phase R"(","location":")" location R"(","unitOfMeasure":{"unit":")" unit \
  R"("}})"

const char* const kPayload =
    R"({"eventType":"Updated","meterValue":[{"sampledValue":[)"  //
    SV("12345.6", "Energy.Active.Import.Register", "L1", "Outlet", "Wh") ","
    SV("2300.0", "Power.Active.Import", "L1", "Outlet", "W") ","
    SV("2310.5", "Power.Active.Import", "L2", "Outlet", "W") ","
    SV("2295.1", "Power.Active.Import", "L3", "Outlet", "W") ","
    SV("10.0", "Current.Import", "L1", "Outlet", "A") ","
    SV("10.1", "Current.Import", "L2", "Outlet", "A") ","
    SV("9.9", "Current.Import", "L3", "Outlet", "A") ","
    SV("230.2", "Voltage", "L1-N", "Outlet", "V") ","
    SV("50.0", "Frequency", "N", "Inlet", "Hz") ","
    SV("64.0", "SoC", "L1", "EV", "Percent")
    R"(],"timestamp":"2025-03-14T09:26:53.589Z"}],"timestamp":"2025-03-14T09:26:53.589Z",)"
    R"("triggerReason":"MeterValuePeriodic","seqNo":7,"offline":false,)"
    R"("transactionInfo":{"transactionId":"67d3f5dd-0000002a-12","chargingState":"Charging"},)"
    R"("evse":{"id":1,"connectorId":1}})";
#undef SV

// ---- floor: hand-written decode, no validation --------------------------------------

bool key_is(const rapidjson::Value& name, const char* lit) {
  const std::size_t n = std::strlen(lit);
  return name.GetStringLength() == n && std::memcmp(name.GetString(), lit, n) == 0;
}
std::string_view sv(const rapidjson::Value& v) {
  return std::string_view(v.GetString(), v.GetStringLength());
}
ocpp::DateTime time_of(const rapidjson::Value& v) {
  ocpp::DateTime t{};
  ocpp::parse_datetime(sv(v), t);
  return t;
}

void hand_decode(const rapidjson::Value& j, SampledValueType& o) {
  for (auto m = j.MemberBegin(); m != j.MemberEnd(); ++m) {
    const auto& k = m->name;
    const auto& v = m->value;
    if (key_is(k, "value"))
      o.value = v.GetDouble();
    else if (key_is(k, "context"))
      from_string(sv(v), o.context.emplace());
    else if (key_is(k, "measurand"))
      from_string(sv(v), o.measurand.emplace());
    else if (key_is(k, "phase"))
      from_string(sv(v), o.phase.emplace());
    else if (key_is(k, "location"))
      from_string(sv(v), o.location.emplace());
    else if (key_is(k, "unitOfMeasure"))
      o.unitOfMeasure.emplace().unit = std::string(sv(v["unit"]));
  }
}

void hand_decode(const rapidjson::Value& j, TransactionEventRequest& o) {
  for (auto m = j.MemberBegin(); m != j.MemberEnd(); ++m) {
    const auto& k = m->name;
    const auto& v = m->value;
    if (key_is(k, "eventType")) {
      from_string(sv(v), o.eventType);
    } else if (key_is(k, "timestamp")) {
      o.timestamp = time_of(v);
    } else if (key_is(k, "triggerReason")) {
      from_string(sv(v), o.triggerReason);
    } else if (key_is(k, "seqNo")) {
      o.seqNo = v.GetInt();
    } else if (key_is(k, "offline")) {
      o.offline = v.GetBool();
    } else if (key_is(k, "transactionInfo")) {
      o.transactionInfo.transactionId = std::string(sv(v["transactionId"]));
      from_string(sv(v["chargingState"]), o.transactionInfo.chargingState.emplace());
    } else if (key_is(k, "evse")) {
      o.evse.emplace().id = v["id"].GetInt();
      o.evse->connectorId = v["connectorId"].GetInt();
    } else if (key_is(k, "meterValue")) {
      auto& list = o.meterValue.emplace();
      for (const auto& mvj : v.GetArray()) {
        MeterValueType mv;
        mv.timestamp = time_of(mvj["timestamp"]);
        for (const auto& s : mvj["sampledValue"].GetArray())
          hand_decode(s, mv.sampledValue.emplace_back());
        list.push_back(std::move(mv));
      }
    }
  }
}

// ---- floor: hand-written encode with a bare Writer ----------------------------------

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(Writer& w, const char* key, std::string_view s) {
  w.Key(key);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
template <class E>
void put_enum(Writer& w, const char* key, const std::optional<E>& e) {
  if (e) put(w, key, to_string(*e));
}

std::string hand_encode(const TransactionEventRequest& r) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  put(w, "eventType", to_string(r.eventType));
  w.Key("meterValue");
  w.StartArray();
  for (const auto& mv : *r.meterValue) {
    w.StartObject();
    w.Key("sampledValue");
    w.StartArray();
    for (const auto& s : mv.sampledValue) {
      w.StartObject();
      w.Key("value");
      w.Double(s.value);
      put_enum(w, "context", s.context);
      put_enum(w, "measurand", s.measurand);
      put_enum(w, "phase", s.phase);
      put_enum(w, "location", s.location);
      w.Key("unitOfMeasure");
      w.StartObject();
      put(w, "unit", *s.unitOfMeasure->unit);
      w.EndObject();
      w.EndObject();
    }
    w.EndArray();
    put(w, "timestamp", ocpp::format_datetime(mv.timestamp));
    w.EndObject();
  }
  w.EndArray();
  put(w, "timestamp", ocpp::format_datetime(r.timestamp));
  put(w, "triggerReason", to_string(r.triggerReason));
  w.Key("seqNo");
  w.Int(r.seqNo);
  w.Key("offline");
  w.Bool(*r.offline);
  w.Key("transactionInfo");
  w.StartObject();
  put(w, "transactionId", r.transactionInfo.transactionId);
  put_enum(w, "chargingState", r.transactionInfo.chargingState);
  w.EndObject();
  w.Key("evse");
  w.StartObject();
  w.Key("id");
  w.Int(r.evse->id);
  w.Key("connectorId");
  w.Int(*r.evse->connectorId);
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace

int main() {
  const std::string text = kPayload;
  const long runs = bench::env_long("BENCH_RUNS", 15);
  const long batch = bench::env_long("BENCH_CODEC_BATCH", 10000);

  // Sanity: both decoders agree, both encoders agree.
  TransactionEventRequest lib, hand;
  codec::Error err;
  if (!codec::from_json(text, lib, err)) bench::die("from_json failed: " + err.message);
  {
    rapidjson::Document d;
    d.Parse(text.data(), text.size());
    hand_decode(d, hand);
  }
  if (!(lib == hand)) bench::die("hand-written decode differs from codec::from_json");
  if (!lib.meterValue || lib.meterValue->at(0).sampledValue.size() != 10)
    bench::die("payload does not hold 10 sampled values");
  TransactionEventRequest again;
  if (!codec::from_json(hand_encode(lib), again, err) || !(again == lib) ||
      !codec::from_json(codec::to_json(lib), again, err) || !(again == lib))
    bench::die("an encoding does not decode to the same message");

  const auto f = bench::time_codec(
      runs, batch,
      [&] {
        TransactionEventRequest out;
        codec::Error e;
        bool ok = codec::from_json(text, out, e);
        bench::keep(ok);
        bench::keep(out.seqNo);
      },
      [&] {
        TransactionEventRequest out;
        rapidjson::Document d;
        d.Parse(text.data(), text.size());
        if (!d.HasParseError()) hand_decode(d, out);
        bench::keep(out.seqNo);
      },
      [&] {
        std::string s = codec::to_json(lib);
        bench::keep(s.data());
      },
      [&] {
        std::string s = hand_encode(lib);
        bench::keep(s.data());
      });
  bench::print_codec("codec201", "TransactionEventRequest (Updated), 10 sampled values",
                     text.size(), runs, batch, f);
  return 0;
}
