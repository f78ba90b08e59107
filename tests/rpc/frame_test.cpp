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
  CHECK(ocpp::to_string(a.reply_code) == std::string_view("FormationViolation"));
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

// Hardening (docs/guides/limits.md): what a hostile CSMS sends must be answered or dropped,
// never crash the parser.
TEST_CASE("a CALL with a readable id but missing fields is answered (OCPP-J 1.6 4.2.3)", "[rpc]") {
  for (const char* text : {R"([2,"mf6"])", R"([2,"mf6","Reset"])", R"([2, "mf6" ])"}) {
    auto f = parse_frame(text);
    INFO(text);
    CHECK(f.kind == Frame::Kind::Invalid);
    CHECK(f.reply_possible);
    CHECK(ocpp::to_string(f.reply_code) == std::string_view("FormationViolation"));
    CHECK(f.id == "mf6");
  }
  // Replies are never answered, whatever is missing.
  for (const char* text : {R"([3,"r1"])", R"([4,"r1"])"}) {
    auto f = parse_frame(text);
    CHECK(f.kind == Frame::Kind::Invalid);
    CHECK_FALSE(f.reply_possible);
  }
}

TEST_CASE("deeply nested frames are refused without recursion", "[rpc]") {
  // 200,000 levels overflowed the stack of the recursive parser.
  for (std::size_t levels : {33u, 5000u, 200000u, 2000000u}) {
    std::string text = R"([2,"deep","DataTransfer",)";
    text.append(levels, '[');
    text.append(levels, ']');
    text += ']';
    auto f = parse_frame(text);
    INFO(levels);
    CHECK(f.kind == Frame::Kind::Invalid);
    CHECK(f.reason.find("nested deeper than 32") != std::string::npos);
    // The id came before the nesting: the CALL is answered.
    CHECK(f.reply_possible);
    CHECK(f.id == "deep");
    // Unterminated nesting, with objects: the same.
    std::string open = R"([2,"deep2","DataTransfer",)";
    for (std::size_t i = 0; i < levels; ++i) open += "{\"a\":";
    auto g = parse_frame(open);
    CHECK(g.kind == Frame::Kind::Invalid);
    CHECK(g.id == "deep2");
  }
  // A bare deep array has no id: dropped.
  std::string bare(300000, '[');
  auto b = parse_frame(bare);
  CHECK(b.kind == Frame::Kind::Invalid);
  CHECK_FALSE(b.reply_possible);
}

TEST_CASE("nesting up to the limit is accepted", "[rpc]") {
  // The frame's array is level 1 and the payload object level 2: 30 more levels fit.
  std::string text = R"([2,"ok","DataTransfer",{"a":)";
  text.append(29, '[');
  text.append(29, ']');
  text += "}]";
  auto f = parse_frame(text);
  CHECK(f.kind == Frame::Kind::Call);
  std::string over = R"([2,"no","DataTransfer",{"a":)";
  over.append(31, '[');
  over.append(31, ']');
  over += "}]";
  CHECK(parse_frame(over).kind == Frame::Kind::Invalid);
}

TEST_CASE("invalid UTF-8, huge numbers and trailing bytes are not JSON", "[rpc]") {
  auto u = parse_frame("[2,\"u1\",\"DataTransfer\",{\"vendorId\":\"\xff\xfe\"}]");
  CHECK(u.kind == Frame::Kind::Invalid);
  CHECK(u.reply_possible);  // the id was read before the bad string
  CHECK(u.id == "u1");
  auto u2 = parse_frame("[2,\"\xc3\x28\",\"Reset\",{}]");
  CHECK(u2.kind == Frame::Kind::Invalid);
  CHECK_FALSE(u2.reply_possible);  // the id itself is unreadable
  auto n = parse_frame(R"([2,"n1","Reset",{"type":1e999}])");
  CHECK(n.kind == Frame::Kind::Invalid);
  CHECK(n.reply_possible);
  auto t = parse_frame(R"([2,"t1","Reset",{"type":"Soft"}] x)");
  CHECK(t.kind == Frame::Kind::Invalid);
  CHECK(parse_frame("[2,\"t2\",\"Reset\",{\"type\":\"Soft\"}] \r\n").kind == Frame::Kind::Call);
  // A reply that breaks is never answered.
  auto r = parse_frame(R"([3,"r",{"a":1e999}])");
  CHECK(r.kind == Frame::Kind::Invalid);
  CHECK_FALSE(r.reply_possible);
}

TEST_CASE("an object with the same member name twice is not accepted (RFC 8259 4)", "[rpc]") {
  // Which "key" is meant depends on the parser (RFC 8259 4: unpredictable); none is taken.
  auto f = parse_frame(
      R"([2,"dup","ChangeConfiguration",{"key":"HeartbeatInterval","value":"77","key":"MeterValueSampleInterval"}])");
  CHECK(f.kind == Frame::Kind::Invalid);
  CHECK(f.reply_possible);
  CHECK(ocpp::to_string(f.reply_code) == std::string_view("FormationViolation"));
  CHECK(f.id == "dup");
  CHECK(f.reason.find("\"key\"") != std::string::npos);
  // Deeper down, in an array of objects, and names that differ only after a NUL.
  CHECK(parse_frame(R"([2,"d2","X",{"a":[{"b":1},{"c":{"d":1,"d":2}}]}])").kind == Frame::Kind::Invalid);
  CHECK(parse_frame(R"([2,"d3","X",{"type":1,"type\u0000":2}])").kind == Frame::Kind::Call);
  CHECK(parse_frame(R"([2,"d4","X",{"a":{"x":1},"b":{"x":1}}])").kind == Frame::Kind::Call);
  // A reply with duplicates is broken too (never answered).
  auto r = parse_frame(R"([3,"r",{"transactionId":1,"transactionId":2}])");
  CHECK(r.kind == Frame::Kind::Invalid);
  CHECK_FALSE(r.reply_possible);
  // Scalars at the top have no names to compare.
  CHECK(parse_frame(R"("text")").kind == Frame::Kind::Invalid);
}

TEST_CASE("the faults of a frame get OCPP 2.0.1's codes, spelled per version", "[rpc]") {
  using ocpp::RpcDialect;
  auto shape = parse_frame(R"([2,"x","Reset"])");
  CHECK(shape.reply_code == RpcErrorCode::RpcFrameworkError);
  auto type = parse_frame(R"([7,"y",{}])");
  CHECK(type.reply_code == RpcErrorCode::MessageTypeNotSupported);
  auto broken = parse_frame(R"([9,"z",{"a":)");
  CHECK(broken.reply_possible);
  CHECK(broken.reply_code == RpcErrorCode::MessageTypeNotSupported);
  CHECK(ocpp::to_string(shape.reply_code, RpcDialect::ocpp16) == std::string_view("FormationViolation"));
  CHECK(ocpp::to_string(type.reply_code, RpcDialect::ocpp201) == std::string_view("MessageTypeNotSupported"));
  // Unreadable: a CALL as far as anyone can tell, unless its type says it is a reply.
  CHECK(parse_frame("not json").maybe_call);
  CHECK(parse_frame(R"([2])").maybe_call);
  CHECK_FALSE(parse_frame(R"([3])").maybe_call);
  CHECK_FALSE(parse_frame(R"([4,5])").maybe_call);
}

TEST_CASE("CALLERROR descriptions are at most 255 bytes, cut on a character boundary", "[rpc]") {
  std::string text(250, 'a');
  text += "\xE2\x82\xAC\xE2\x82\xAC";  // two 3-byte characters across the 255 mark
  auto f = parse_frame(ocpp::rpc::make_call_error("q", RpcErrorCode::GenericError, text));
  REQUIRE(f.kind == Frame::Kind::CallError);
  CHECK(f.error_description.size() == 253);  // 250 + one whole character
  CHECK(f.error_description.substr(250) == "\xE2\x82\xAC");
  auto g = parse_frame(ocpp::rpc::make_call_error("q", RpcErrorCode::FormatViolation, "d",
                                                  ocpp::RpcDialect::ocpp201));
  CHECK(g.error_code == "FormatViolation");
}
