// What the tests of ocpp-chargerd's option parser share.
#pragma once

#include <string>
#include <vector>

#include "options.hpp"

namespace chargerd_test {

// parse_options on a command line (without the program name).
inline std::string parse(std::vector<std::string> args, DaemonOptions& o) {
  args.insert(args.begin(), "ocpp-chargerd");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return parse_options(static_cast<int>(argv.size()), argv.data(), o);
}

}  // namespace chargerd_test
