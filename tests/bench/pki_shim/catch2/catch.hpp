// Stands in for Catch2 in bench_fleet_tls only, which makes its PKI with the tests' own
// tests/support/test_pki.hpp: that header checks each OpenSSL step with REQUIRE, and a benchmark
// runs no Catch session, so here a failed step ends the program (as bench::die does).
#pragma once

#include <cstdio>
#include <cstdlib>

#define REQUIRE(...)                                                          \
  do {                                                                        \
    if (!(__VA_ARGS__)) {                                                     \
      std::fprintf(stderr, "bench: PKI: REQUIRE(%s) failed\n", #__VA_ARGS__); \
      std::exit(2);                                                           \
    }                                                                         \
  } while (0)
