// Benchmark 1: the generated codec on an inbound MeterValues.req with 10 sampled values
// (every optional field set).
//
//   decode: codec::from_json (parse + schema checks + decode)  vs  the floor: a bare
//           RapidJSON parse of the same text plus a hand-written decode into the same
//           struct that checks nothing.
//   encode: codec::to_json  vs  the floor: a bare rapidjson::Writer writing the same fields.
//
// Each run times a batch of operations for the library and for the floor back to back;
// the figures are medians over the runs.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "bench_util.hpp"
#include "ocpp/time.hpp"
#include "ocpp/v16/generated/messages.hpp"
#include "v16/generated/codec.hpp"

using namespace ocpp::v16;

namespace {

const char* const kPayload =
    R"({"connectorId":1,"transactionId":123456,"meterValue":[{"timestamp":"2025-03-14T09:26:53.589Z","sampledValue":[)"
    R"({"value":"12345.6","context":"Sample.Periodic","format":"Raw","measurand":"Energy.Active.Import.Register","phase":"L1","location":"Outlet","unit":"Wh"},)"
    R"({"value":"2300.0","context":"Sample.Periodic","format":"Raw","measurand":"Power.Active.Import","phase":"L1","location":"Outlet","unit":"W"},)"
    R"({"value":"2310.5","context":"Sample.Periodic","format":"Raw","measurand":"Power.Active.Import","phase":"L2","location":"Outlet","unit":"W"},)"
    R"({"value":"2295.1","context":"Sample.Periodic","format":"Raw","measurand":"Power.Active.Import","phase":"L3","location":"Outlet","unit":"W"},)"
    R"({"value":"10.0","context":"Sample.Periodic","format":"Raw","measurand":"Current.Import","phase":"L1","location":"Outlet","unit":"A"},)"
    R"({"value":"10.1","context":"Sample.Periodic","format":"Raw","measurand":"Current.Import","phase":"L2","location":"Outlet","unit":"A"},)"
    R"({"value":"9.9","context":"Sample.Periodic","format":"Raw","measurand":"Current.Import","phase":"L3","location":"Outlet","unit":"A"},)"
    R"({"value":"230.2","context":"Sample.Periodic","format":"Raw","measurand":"Voltage","phase":"L1-N","location":"Outlet","unit":"V"},)"
    R"({"value":"31.5","context":"Sample.Periodic","format":"Raw","measurand":"Temperature","phase":"N","location":"Body","unit":"Celsius"},)"
    R"({"value":"64","context":"Sample.Periodic","format":"Raw","measurand":"SoC","phase":"L1","location":"EV","unit":"Percent"})"
    R"(]}]})";

// ---- floor: hand-written decode, no validation --------------------------------------

inline bool key_is(const rapidjson::Value& name, const char* lit, std::size_t n) {
  return name.GetStringLength() == n && std::memcmp(name.GetString(), lit, n) == 0;
}
inline std::string_view sv(const rapidjson::Value& v) {
  return std::string_view(v.GetString(), v.GetStringLength());
}

void hand_decode(const rapidjson::Value& j, SampledValue& o) {
  for (auto m = j.MemberBegin(); m != j.MemberEnd(); ++m) {
    const auto& k = m->name;
    const auto& v = m->value;
    if (key_is(k, "value", 5))
      o.value.assign(v.GetString(), v.GetStringLength());
    else if (key_is(k, "context", 7))
      from_string(sv(v), o.context.emplace());
    else if (key_is(k, "format", 6))
      from_string(sv(v), o.format.emplace());
    else if (key_is(k, "measurand", 9))
      from_string(sv(v), o.measurand.emplace());
    else if (key_is(k, "phase", 5))
      from_string(sv(v), o.phase.emplace());
    else if (key_is(k, "location", 8))
      from_string(sv(v), o.location.emplace());
    else if (key_is(k, "unit", 4))
      from_string(sv(v), o.unit.emplace());
  }
}

void hand_decode(const rapidjson::Value& j, MeterValuesRequest& o) {
  for (auto m = j.MemberBegin(); m != j.MemberEnd(); ++m) {
    const auto& k = m->name;
    const auto& v = m->value;
    if (key_is(k, "connectorId", 11)) {
      o.connectorId = v.GetInt();
    } else if (key_is(k, "transactionId", 13)) {
      o.transactionId = v.GetInt();
    } else if (key_is(k, "meterValue", 10)) {
      o.meterValue.resize(v.Size());
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        const auto& mv = v[i];
        MeterValue& out = o.meterValue[i];
        for (auto f = mv.MemberBegin(); f != mv.MemberEnd(); ++f) {
          if (key_is(f->name, "timestamp", 9)) {
            ocpp::parse_datetime(sv(f->value), out.timestamp);
          } else if (key_is(f->name, "sampledValue", 12)) {
            const auto& arr = f->value;
            out.sampledValue.resize(arr.Size());
            for (rapidjson::SizeType s = 0; s < arr.Size(); ++s)
              hand_decode(arr[s], out.sampledValue[s]);
          }
        }
      }
    }
  }
}

// ---- floor: hand-written encode with a bare Writer ----------------------------------

template <class E>
inline void put_enum(rapidjson::Writer<rapidjson::StringBuffer>& w, const char* key, unsigned n,
                     const std::optional<E>& e) {
  if (!e) return;
  w.Key(key, n);
  const std::string_view s = to_string(*e);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

std::string hand_encode(const MeterValuesRequest& r) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("connectorId", 11);
  w.Int(r.connectorId);
  if (r.transactionId) {
    w.Key("transactionId", 13);
    w.Int(*r.transactionId);
  }
  w.Key("meterValue", 10);
  w.StartArray();
  for (const auto& mv : r.meterValue) {
    w.StartObject();
    w.Key("timestamp", 9);
    const std::string ts = ocpp::format_datetime(mv.timestamp);
    w.String(ts.data(), static_cast<rapidjson::SizeType>(ts.size()));
    w.Key("sampledValue", 12);
    w.StartArray();
    for (const auto& s : mv.sampledValue) {
      w.StartObject();
      w.Key("value", 5);
      w.String(s.value.data(), static_cast<rapidjson::SizeType>(s.value.size()));
      put_enum(w, "context", 7, s.context);
      put_enum(w, "format", 6, s.format);
      put_enum(w, "measurand", 9, s.measurand);
      put_enum(w, "phase", 5, s.phase);
      put_enum(w, "location", 8, s.location);
      put_enum(w, "unit", 4, s.unit);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace

int main() {
  const std::string text = kPayload;
  const long runs = bench::env_long("BENCH_RUNS", 15);
  const long batch = bench::env_long("BENCH_CODEC_BATCH", 10000);

  // Sanity: both decoders agree, both encoders agree, and the text is what they produce.
  MeterValuesRequest lib, hand;
  codec::Error err;
  if (!codec::from_json(text, lib, err)) bench::die("from_json failed: " + err.message);
  {
    rapidjson::Document d;
    d.Parse(text.data(), text.size());
    hand_decode(d, hand);
  }
  if (!(lib == hand)) bench::die("hand-written decode differs from codec::from_json");
  if (lib.meterValue.size() != 1 || lib.meterValue[0].sampledValue.size() != 10)
    bench::die("payload does not hold 10 sampled values");
  if (codec::to_json(lib) != hand_encode(lib))
    bench::die("hand-written encode differs from codec::to_json");
  if (codec::to_json(lib) != text) bench::die("encode does not round-trip the payload text");

  const auto f = bench::time_codec(
      runs, batch,
      [&] {
        MeterValuesRequest out;
        codec::Error e;
        bool ok = codec::from_json(text, out, e);
        bench::keep(ok);
        bench::keep(out.meterValue.data());
      },
      [&] {
        MeterValuesRequest out;
        rapidjson::Document d;
        d.Parse(text.data(), text.size());
        if (!d.HasParseError()) hand_decode(d, out);
        bench::keep(out.meterValue.data());
      },
      [&] {
        std::string s = codec::to_json(lib);
        bench::keep(s.data());
      },
      [&] {
        std::string s = hand_encode(lib);
        bench::keep(s.data());
      });
  bench::print_codec("codec", "MeterValues.req, 10 sampled values, all optional fields",
                     text.size(), runs, batch, f);
  return 0;
}
