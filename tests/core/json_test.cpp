#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "core/json.hpp"
#include "rpc/frame.hpp"

TEST_CASE("parse_json refuses escaped lone surrogates, which are not UTF-8", "[core][json][fuzz]") {
  // Found by fuzzing (fuzz/frame.cpp): [7,"DDDt\uDDDD21l" was answered with a CALLERROR whose
  // id held the bytes ED B7 9D (the reader's encoding of the escape), which are not UTF-8: our
  // own frame was invalid. An escaped low surrogate without its high one now fails the parse,
  // and a frame whose id has one cannot be answered.
  rapidjson::Document d;
  std::string error;
  CHECK_FALSE(ocpp::core::parse_json(d, R"(["\uDC00"])", &error));
  CHECK(error.find("surrogate") != std::string::npos);
  CHECK_FALSE(ocpp::core::parse_json(d, R"({"\uDFFF":1})"));
  CHECK(ocpp::core::parse_json(d, R"(["\uD83D\uDE00 \u00e9"])"));  // a pair and a BMP letter

  ocpp::core::ArrayHead head;
  CHECK_FALSE(ocpp::core::parse_json(d, R"([7,"DDDt\uDDDD21l")", nullptr, &head));
  CHECK_FALSE(head.has_id);
  const auto f = ocpp::rpc::parse_frame(R"([2,"a\uDDDD","Heartbeat",{}])");
  CHECK(f.kind == ocpp::rpc::Frame::Kind::Invalid);
  CHECK_FALSE(f.reply_possible);
}

TEST_CASE("parse_json reads numbers exactly, so that writing and reading again is stable",
          "[core][json][fuzz]") {
  // Found by fuzzing (fuzz/codec.cpp): BootNotification.conf "interval":2.222222222222222e50
  // was read a few ulps off, written as 2.2222222222222219e50, and read as yet another value:
  // a message re-encoded twice changed.
  // Each text is the writer's own (shortest) form of its number: reading and writing it again
  // gives it back.
  for (const char* text : {"[2.222222222222222e50]", "[11000.1]", "[0.1]", "[1.7976931348623157e308]",
                           "[-0.0]", "[5e-324]"}) {
    rapidjson::Document a;
    REQUIRE(ocpp::core::parse_json(a, text));
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    a.Accept(w);
    CHECK(std::string(sb.GetString()) == text);
  }
}

TEST_CASE("parse_json converts numbers exactly and keeps RapidJSON's integer kinds", "[core][json][fuzz]") {
  // Found by fuzzing (fuzz/frame.cpp) once numbers were read with full precision: RapidJSON
  // 1.1.0 then calls __builtin_clzll(0) for "0e-50" (undefined behaviour). Numbers are now
  // converted by std::from_chars.
  rapidjson::Document d;
  REQUIRE(ocpp::core::parse_json(d, "[3,3,0e-50,-0e+5,0.000e-400]"));
  CHECK(d[2].IsDouble());
  CHECK(d[2].GetDouble() == 0.0);
  CHECK(d[4].GetDouble() == 0.0);
  REQUIRE(ocpp::core::parse_json(d, "[1,-2147483648,4294967295,-9223372036854775808,18446744073709551615,1e2,18446744073709551616]"));
  CHECK(d[0].IsInt());
  CHECK(d[1].IsInt());
  CHECK(d[2].IsUint());
  CHECK_FALSE(d[2].IsInt());
  CHECK(d[3].IsInt64());
  CHECK(d[3].GetInt64() == INT64_MIN);
  CHECK(d[4].IsUint64());
  CHECK_FALSE(d[4].IsInt64());
  CHECK(d[5].IsDouble());
  CHECK(d[5].GetDouble() == 100.0);
  CHECK(d[6].IsDouble());
  std::string error;
  CHECK_FALSE(ocpp::core::parse_json(d, "[1e400]"));
  CHECK_FALSE(ocpp::core::parse_json(d, "[1.8e308]", &error));  // past the largest double
  CHECK(error.find("number out of range") != std::string::npos);
  ocpp::core::ArrayHead head;
  REQUIRE(ocpp::core::parse_json(d, R"([2,"id","Heartbeat",{}])", nullptr, &head));
  CHECK(head.has_type);
  CHECK(head.type == 2);
}
