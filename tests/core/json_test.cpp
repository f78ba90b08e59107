#include <catch2/catch.hpp>
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
