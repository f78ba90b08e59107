// OCPP-J 1.6 section 4 framing.
#include <catch2/catch.hpp>

#include "rpc/frame.hpp"

using ocpp::RpcErrorCode;
using ocpp::rpc::Frame;
using ocpp::rpc::parse_frame;

TEST_CASE("a CALL is parsed with id, action and payload", "[rpc]") {
  auto f = parse_frame(R"([2,"abc","Reset",{"type":"Soft"}])");
  REQUIRE(f.kind == Frame::Kind::Call);
  CHECK(f.id == "abc");
  CHECK(f.action == "Reset");
  REQUIRE(f.payload != nullptr);
  CHECK(f.payload->IsObject());
}

TEST_CASE("CALLRESULT and CALLERROR are parsed; any error code string is accepted", "[rpc]") {
  auto r = parse_frame(R"([3,"id1",{"status":"Accepted"}])");
  REQUIRE(r.kind == Frame::Kind::CallResult);
  CHECK(r.id == "id1");
  auto e = parse_frame(R"([4,"id2","SomeVendorCode","desc",{}])");
  REQUIRE(e.kind == Frame::Kind::CallError);
  CHECK(e.error_code == "SomeVendorCode");
  CHECK(e.error_description == "desc");
}

TEST_CASE("frames without a readable id cannot be answered", "[rpc]") {
  for (const char* text : {"not json", "{}", "[2]", "[2,5,\"Reset\",{}]", "", "[\"2\",\"a\",\"b\"]"}) {
    auto f = parse_frame(text);
    CHECK(f.kind == Frame::Kind::Invalid);
    CHECK_FALSE(f.reply_possible);
  }
}

TEST_CASE("malformed CALLs are answered with FormationViolation", "[rpc]") {
  auto a = parse_frame(R"([2,"x","Reset"])");
  CHECK(a.kind == Frame::Kind::Invalid);
  CHECK(a.reply_possible);
  CHECK(a.reply_code == RpcErrorCode::FormationViolation);
  auto b = parse_frame(R"([2,"x",17,{}])");
  CHECK(b.reply_possible);
  auto c = parse_frame(R"([2,"0123456789012345678901234567890123456","Reset",{}])");
  CHECK(c.kind == Frame::Kind::Invalid);
  CHECK(c.reason.find("36") != std::string::npos);
  auto d = parse_frame(R"([7,"y",{}])");
  CHECK(d.kind == Frame::Kind::Invalid);
  CHECK(d.reply_possible);
  auto e = parse_frame(R"([3,"y"])");
  CHECK(e.kind == Frame::Kind::Invalid);
  CHECK_FALSE(e.reply_possible);
}

TEST_CASE("frames are built per OCPP-J and escape the peer's id", "[rpc]") {
  CHECK(ocpp::rpc::make_call("1", "Heartbeat", "{}") == R"([2,"1","Heartbeat",{}])");
  CHECK(ocpp::rpc::make_call_result("a\"b", "{}") == R"([3,"a\"b",{}])");
  CHECK(ocpp::rpc::make_call_error("q", RpcErrorCode::NotImplemented, "no") ==
        R"([4,"q","NotImplemented","no",{}])");
  auto f = parse_frame(ocpp::rpc::make_call_error("q", RpcErrorCode::TypeConstraintViolation, "x"));
  CHECK(f.kind == Frame::Kind::CallError);
  CHECK(f.error_code == "TypeConstraintViolation");
}
