#include <catch2/catch.hpp>
#include <string>

#include "transport/lws/ws_url.hpp"

using ocpp::lws_transport::parse_ws_url;

TEST_CASE("parse_ws_url refuses control characters in the host", "[transport][url][fuzz]") {
  // Found by fuzzing (fuzz/ws_url.cpp): "wss://\0\0\0\0\0\0csms.exP000" was accepted with NULs
  // in the host, which libwebsockets receives as a C string (cut at the first NUL) and puts in
  // the Host header. Only whitespace was refused before.
  CHECK_FALSE(parse_ws_url(std::string("wss://\0\0csms.example/ocpp", 25)));
  CHECK_FALSE(parse_ws_url("ws://csms\x01.example/ocpp"));
  CHECK_FALSE(parse_ws_url("ws://csms\x7f.example/ocpp"));
  CHECK_FALSE(parse_ws_url("ws://[::1\x1f]/ocpp"));
  auto ok = parse_ws_url("ws://csms.example:9000/ocpp");
  REQUIRE(ok);
  CHECK(ok->host == "csms.example");
}
