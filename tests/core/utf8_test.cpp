#include "core/utf8.hpp"

#include <catch2/catch.hpp>
#include <string>

using ocpp::core::valid_utf8;

TEST_CASE("valid_utf8 accepts well-formed UTF-8 (RFC 3629)", "[core][utf8]") {
  CHECK(valid_utf8(""));
  CHECK(valid_utf8("[2,\"a\",\"Heartbeat\",{}]"));
  CHECK(valid_utf8(std::string("\0", 1)));
  CHECK(valid_utf8("\xC2\x80"));              // U+0080
  CHECK(valid_utf8("\xDF\xBF"));              // U+07FF
  CHECK(valid_utf8("\xE0\xA0\x80"));          // U+0800
  CHECK(valid_utf8("\xE2\x82\xAC"));          // €
  CHECK(valid_utf8("\xED\x9F\xBF"));          // U+D7FF, just below the surrogates
  CHECK(valid_utf8("\xEE\x80\x80"));          // U+E000, just above them
  CHECK(valid_utf8("\xEF\xBF\xBF"));          // U+FFFF
  CHECK(valid_utf8("\xF0\x90\x80\x80"));      // U+10000
  CHECK(valid_utf8("\xF4\x8F\xBF\xBF"));      // U+10FFFF
  CHECK(valid_utf8("Gr\xC3\xBC\xC3\x9F" "e \xF0\x9F\x94\x8C"));
}

TEST_CASE("valid_utf8 refuses what RFC 3629 forbids", "[core][utf8]") {
  for (const char* bad : {
           "\x80",                 // a lone continuation byte
           "\xBF",                 //
           "\xC0\xAF",             // overlong '/'
           "\xC1\xBF",             // overlong
           "\xE0\x9F\xBF",         // overlong 3-byte
           "\xF0\x8F\xBF\xBF",     // overlong 4-byte
           "\xED\xA0\x80",         // U+D800, a surrogate
           "\xED\xBF\xBF",         // U+DFFF
           "\xF4\x90\x80\x80",     // U+110000
           "\xF5\x80\x80\x80",     // beyond the range
           "\xFE", "\xFF",         //
           "\xC3",                 // cut short at the end
           "\xE2\x82",             //
           "\xF0\x9F\x94",         //
           "\xC3\x28",             // a second byte that is not a continuation
           "\xE2\x28\xA1",         //
           "\xE2\x82\x28",         //
           "\xF0\x9F\x28\x8C",     //
           "ok \xFF ok",           // in the middle of valid text
       }) {
    INFO(bad);
    CHECK_FALSE(valid_utf8(bad));
  }
}
