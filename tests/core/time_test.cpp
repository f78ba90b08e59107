// dateTime handling (OCPP 1.6 section 7: dateTime is RFC 3339 in UTC where possible).
#include <catch2/catch.hpp>

#include "ocpp/time.hpp"

using namespace std::chrono;

TEST_CASE("format_datetime writes UTC with milliseconds", "[core][time]") {
  ocpp::DateTime t{milliseconds(1'795'000'000'123LL)};
  CHECK(ocpp::format_datetime(t) == "2026-11-18T11:06:40.123Z");
  CHECK(ocpp::format_datetime(ocpp::DateTime{}) == "1970-01-01T00:00:00.000Z");
}

TEST_CASE("parse_datetime round-trips and honours offsets", "[core][time]") {
  ocpp::DateTime t;
  REQUIRE(ocpp::parse_datetime("2026-11-18T11:06:40.123Z", t));
  CHECK(duration_cast<milliseconds>(t.time_since_epoch()).count() == 1'795'000'000'123LL);
  REQUIRE(ocpp::parse_datetime("2026-11-18T13:06:40.123+02:00", t));
  CHECK(duration_cast<milliseconds>(t.time_since_epoch()).count() == 1'795'000'000'123LL);
  REQUIRE(ocpp::parse_datetime("2024-02-29T00:00:00Z", t));
}

TEST_CASE("parse_datetime rejects what is not RFC 3339", "[core][time]") {
  ocpp::DateTime t;
  CHECK_FALSE(ocpp::parse_datetime("", t));
  CHECK_FALSE(ocpp::parse_datetime("2026-11-18", t));
  CHECK_FALSE(ocpp::parse_datetime("2026-11-18T08:26:40", t));  // no zone
  CHECK_FALSE(ocpp::parse_datetime("2026-13-18T08:26:40Z", t));
  CHECK_FALSE(ocpp::parse_datetime("2023-02-29T00:00:00Z", t));
  CHECK_FALSE(ocpp::parse_datetime("2026-11-18T08:26:40Zjunk", t));
  CHECK_FALSE(ocpp::parse_datetime("2026-11-18T08:26:40.Z", t));
}

TEST_CASE("parse_datetime refuses dates a DateTime cannot hold", "[core][time][fuzz]") {
  // Found by fuzzing (fuzz/codec.cpp): a StopTransaction.req whose transactionData said
  // "1013-09-21T14:13:20.000Z" overflowed the conversion to DateTime's 64-bit nanoseconds
  // (undefined behaviour; under UBSan an abort). Such a field is now an invalid date-time.
  ocpp::DateTime t;
  CHECK_FALSE(ocpp::parse_datetime("1013-09-21T14:13:20.000Z", t));
  CHECK_FALSE(ocpp::parse_datetime("9999-12-31T23:59:59Z", t));
  CHECK_FALSE(ocpp::parse_datetime("2262-04-12T00:00:00Z", t));
  CHECK_FALSE(ocpp::parse_datetime("1677-09-21T00:00:00Z", t));
  REQUIRE(ocpp::parse_datetime("2200-01-01T00:00:00Z", t));
  CHECK(ocpp::format_datetime(t) == "2200-01-01T00:00:00.000Z");
  REQUIRE(ocpp::parse_datetime("1900-01-01T00:00:00+01:00", t));
  CHECK(ocpp::format_datetime(t) == "1899-12-31T23:00:00.000Z");
}
