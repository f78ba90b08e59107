#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "chargerd_options.hpp"
#include "options.hpp"
#include "v16/harness.hpp"

namespace {

using chargerd_test::parse;

const std::vector<std::string> kRequired = {"--url", "ws://127.0.0.1:9000/ocpp", "--id", "CP1", "--db", "cp.db"};

std::string parse_with(std::vector<std::string> extra) {
  DaemonOptions o;
  auto args = kRequired;
  args.insert(args.end(), extra.begin(), extra.end());
  return parse(args, o);
}

}  // namespace

TEST_CASE("chargerd options: back-off and power out of range are refused", "[examples][chargerd][fuzz]") {
  // Found by fuzzing (fuzz/chargerd_config.cpp): a config file with "backoff_min_ms": -1000 was
  // accepted and reached the library's back-off computation (a left shift of a negative value);
  // "power" could be NaN, infinite or so large that the simulated meter's conversion to whole
  // Wh overflowed.
  CHECK(parse_with({}).empty());
  CHECK(parse_with({"--backoff-min-ms", "200", "--backoff-max-ms", "1000", "--power", "0"}).empty());
  CHECK_FALSE(parse_with({"--backoff-min-ms", "-1000"}).empty());
  CHECK_FALSE(parse_with({"--backoff-min-ms", "0"}).empty());
  CHECK_FALSE(parse_with({"--backoff-min-ms", "5000", "--backoff-max-ms", "1000"}).empty());
  CHECK_FALSE(parse_with({"--backoff-max-ms", "9223372036854775807"}).empty());
  CHECK_FALSE(parse_with({"--power", "nan"}).empty());
  CHECK_FALSE(parse_with({"--power", "inf"}).empty());
  CHECK_FALSE(parse_with({"--power", "-1"}).empty());
  CHECK_FALSE(parse_with({"--power", "1e300"}).empty());

  test::TempDir dir;
  const std::string path = dir.file("chargerd.json");
  {
    std::ofstream out(path);
    out << R"({"url":"ws://h/","id":"CP1","db":"d","backoff_min_ms":-1000})";
  }
  DaemonOptions o;
  CHECK_FALSE(parse({"--config", path}, o).empty());
}

TEST_CASE("chargerd options: --master-pass-ui is a 2.0.1 flag", "[examples][chargerd]") {
  DaemonOptions o;
  auto args = kRequired;
  args.insert(args.end(), {"--ocpp", "2.0.1", "--master-pass-ui"});
  CHECK(parse(args, o).empty());
  CHECK(o.master_pass_ui);
  CHECK_FALSE(parse_with({"--master-pass-ui"}).empty());  // OCPP 1.6
}
