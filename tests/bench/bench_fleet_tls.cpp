// Benchmark 6b: a fleet over wss:// on the real libwebsockets loop, against the epoll CSMS
// (epoll_csms.cpp) serving TLS in a child process, every figure beside its floor measured in
// the same run.
//
//   TLS boot storm: N charge points (BENCH_TLS_N, default 2,000) created at once on ONE Runner
//     with ONE shared durable SqliteDatabase, security profile 2 (wss://, the CSMS certificate
//     verified against the CA file, HTTP Basic auth with the AuthorizationKey): seconds from the
//     first create() to the last BootNotification Accepted, the connections booted per
//     second (TCP + TLS handshake + WebSocket upgrade + BootNotification round trip) and the
//     process's CPU time per charge point meanwhile; then, after 2 s idle, VmRSS growth and
//     descriptors added per charge point, and the time to destroy them all. Floor: the bare
//     libwebsockets client (floor_fleet.cpp) with OpenSSL doing the same: the same TLS handshakes
//     against the same CA, the same Authorization header, one BootNotification frame each, at most
//     1,000 handshakes in flight (the library's loop starts at most 1,000 attempts at a time). Each
//     side runs in a fresh child process, BENCH_TLS_RUNS times (default 3; medians printed). The
//     CSMS refuses an upgrade without the right credentials (401), so a run that finishes shows
//     that every charge point authenticated; it prints, when it stops, what the handshakes agreed
//     on (both sides must show the same protocol version and cipher suite).
//   For reference, the same N over ws:// (no TLS, no credentials), library and floor, against a
//     plain epoll CSMS: what TLS adds on each side.
//
// The PKI is made at start with tests/support/test_pki.hpp (a root CA and a certificate for
// IP 127.0.0.1 issued by it, EC P-256), its files in a folder of DIR removed at the end.
// RLIMIT_NOFILE is raised to its hard limit first (the CSMS children inherit it).
// Usage: bench_fleet_tls [DIR]   (DIR: PKI files and the database; default /tmp)
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.hpp"
#include "csms_child.hpp"
#include "epoll_csms.hpp"
#include "fleet_bench.hpp"
#include "floor_fleet.hpp"
#include "ocpp/security.hpp"
#include "ocpp/v16/charge_point.hpp"
#include "support/test_pki.hpp"

namespace {

using namespace std::chrono_literals;

using bench::create_on;
using bench::Host;
using bench::in_child;
using bench::open_fds;
using bench::rss_kb;
using bench::StormFigures;

// The AuthorizationKey of every charge point (the CSMS checks "<identity>:<password>").
constexpr const char* kPassword = "bench-basic-auth-0123";

struct Pki {
  std::string dir;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
};

Pki make_pki(const std::string& parent) {
  Pki p;
  p.dir = parent + "/bench-tls-" + std::to_string(::getpid());
  if (::mkdir(p.dir.c_str(), 0700) != 0) bench::die("mkdir " + p.dir);
  p.ca_file = p.dir + "/csms-root.pem";
  p.cert_file = p.dir + "/csms.pem";
  p.key_file = p.dir + "/csms.key";
  const test_pki::Cert root = test_pki::make_root("Bench CSMS Root", 1);
  const test_pki::Cert server = test_pki::issue(root, "127.0.0.1", 2, false, {}, "IP:127.0.0.1");
  test_pki::write_file(p.ca_file, root.pem());
  test_pki::write_file(p.cert_file, server.pem());
  test_pki::write_file(p.key_file, server.key_pem());
  return p;
}

void remove_pki(const Pki& p) {
  for (const std::string* f : {&p.ca_file, &p.cert_file, &p.key_file}) ::unlink(f->c_str());
  ::rmdir(p.dir.c_str());
}

// tls: null = ws://, no credentials.
StormFigures floor_storm(int port, int n, const Pki* tls) {
  StormFigures r;
  bench::FloorOptions o;
  if (tls) {
    o.ca_file = tls->ca_file;
    o.password = kPassword;
  }
  bench::FloorFleet floor(o);
  const long rss0 = rss_kb();
  const int fds0 = open_fds();
  const double c0 = bench::cpu_seconds();
  r.boot_s = floor.boot("127.0.0.1", port, n);
  r.boot_cpu_s = bench::cpu_seconds() - c0;
  floor.idle(2.0);
  r.rss_kb_per = static_cast<double>(rss_kb() - rss0) / n;
  r.fds_total = open_fds();
  r.fds_per = static_cast<double>(r.fds_total - fds0) / n;
  r.destroy_s = floor.close_all();
  return r;
}

StormFigures library_storm(int port, int n, const Pki* tls, const std::string& db_path) {
  using namespace ocpp::v16;
  StormFigures r;
  Host host(db_path);
  std::this_thread::sleep_for(200ms);
  const long rss0 = rss_kb();
  const int fds0 = open_fds();
  std::atomic<int> booted{0};
  std::vector<std::unique_ptr<ChargePoint>> cps;
  cps.reserve(static_cast<std::size_t>(n));
  const std::string url =
      std::string(tls ? "wss" : "ws") + "://127.0.0.1:" + std::to_string(port) + "/ocpp";
  const double c0 = bench::cpu_seconds();
  const auto t0 = bench::Clock::now();
  for (int i = 0; i < n; ++i) {
    const std::string id = "CP-" + std::to_string(i);
    auto c = bench::bench_config<ChargePointConfig>(id, url);
    if (tls) {
      c.security_profile = ocpp::SecurityProfile::tls_basic_auth;
      c.ca_file = tls->ca_file;
      c.password = kPassword;
    }
    cps.push_back(create_on<ChargePoint, Hooks>(host, std::move(c), id, booted,
                                                RegistrationStatus::Accepted));
  }
  r.create_s = bench::seconds_since(t0);
  bench::wait_booted(booted, n, 120s);
  r.boot_s = bench::seconds_since(t0);
  r.boot_cpu_s = bench::cpu_seconds() - c0;
  std::this_thread::sleep_for(2s);
  r.rss_kb_per = static_cast<double>(rss_kb() - rss0) / n;
  r.fds_total = open_fds();
  r.fds_per = static_cast<double>(r.fds_total - fds0) / n;
  const auto d0 = bench::Clock::now();
  cps.clear();
  r.destroy_s = bench::seconds_since(d0);
  return r;
}

// Each figure's median over the runs.
StormFigures median_of(const std::vector<StormFigures>& runs) {
  StormFigures m;
  if (runs.empty()) return m;
  for (double StormFigures::*field :
       {&StormFigures::create_s, &StormFigures::boot_s, &StormFigures::boot_cpu_s,
        &StormFigures::rss_kb_per, &StormFigures::fds_per, &StormFigures::destroy_s}) {
    std::vector<double> v;
    for (const StormFigures& r : runs) v.push_back(r.*field);
    m.*field = bench::median(std::move(v));
  }
  m.fds_total = runs.back().fds_total;
  return m;
}

// `runs` boot storms of the floor and of the library against one CSMS, each in a fresh child,
// which goes first alternating from run to run: this VM's speed drifts (other work shares its
// two cores), and the handshakes are CPU-bound. BENCH_FLEET_ONLY=library|floor runs one side
// (for profiling).
void storms(int port, int n, int runs, const Pki* tls, const std::string& db, StormFigures& floor,
            StormFigures& lib) {
  const char* only_env = std::getenv("BENCH_FLEET_ONLY");
  const std::string only = only_env ? only_env : "";
  std::vector<StormFigures> fs, ls;
  for (int i = 0; i < runs; ++i) {
    auto run_floor = [&] {
      if (only != "library") fs.push_back(in_child([&] { return floor_storm(port, n, tls); }));
    };
    auto run_library = [&] {
      if (only != "floor") ls.push_back(in_child([&] { return library_storm(port, n, tls, db); }));
    };
    if (i % 2 == 0) {
      run_floor();
      run_library();
    } else {
      run_library();
      run_floor();
    }
  }
  floor = median_of(fs);
  lib = median_of(ls);
}

double rate(int n, double s) { return s > 0 ? n / s : 0; }

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "/tmp";
  const int n = static_cast<int>(bench::env_long("BENCH_TLS_N", 2000));
  const int runs = static_cast<int>(bench::env_long("BENCH_TLS_RUNS", 3));
  const std::string db = dir + "/bench-fleet-tls-" + std::to_string(::getpid()) + ".db";
  bench::raise_nofile();
  const Pki pki = make_pki(dir);
  std::fflush(stdout);

  StormFigures f, l;
  {
    bench::EpollCsmsOptions o;
    o.cert_file = pki.cert_file;
    o.key_file = pki.key_file;
    o.password = kPassword;
    bench::CsmsChild csms = bench::start_epoll_csms_child(o);
    storms(csms.port, n, runs, &pki, db, f, l);
    bench::stop_child(csms);  // prints what the handshakes agreed on
  }
  StormFigures pf, pl;
  {
    bench::CsmsChild csms = bench::start_epoll_csms_child();
    storms(csms.port, n, runs, nullptr, db, pf, pl);
    bench::stop_child(csms);
  }
  remove_pki(pki);

  std::printf(
      "# TLS boot storm: %d charge points (1.6, security profile 2: wss://, the CSMS "
      "certificate verified against the CA file, HTTP Basic auth) on one Runner, one shared "
      "SQLite file; floor: bare lws client with OpenSSL, the same TLS handshakes, Authorization "
      "header and one BootNotification each, 1,000 in flight; medians of %d runs each\n",
      n, runs);
  std::printf(
      "tls.boot_storm_s            %8.2f   floor %8.2f   ratio %.2fx   target: all %d boot "
      " met   (create() calls: %.2f s)\n",
      l.boot_s, f.boot_s, l.boot_s / f.boot_s, n, l.create_s);
  std::printf("tls.handshakes_per_s        %8.0f   floor %8.0f   (connections booted per second)\n",
              rate(n, l.boot_s), rate(n, f.boot_s));
  std::printf(
      "tls.boot_cpu_ms_per_cp      %8.2f   floor %8.2f   (CPU of the process, all threads, "
      "during the storm)\n",
      1e3 * l.boot_cpu_s / n, 1e3 * f.boot_cpu_s / n);
  std::printf("tls.rss_kb_per_cp           %8.1f   floor %8.1f\n", l.rss_kb_per, f.rss_kb_per);
  std::printf("tls.fds_per_cp              %8.3f   floor %8.3f   (process total %d, floor %d)\n",
              l.fds_per, f.fds_per, l.fds_total, f.fds_total);
  std::printf("tls.destroy_all_s           %8.2f   floor %8.2f   (floor: lws_context_destroy)\n",
              l.destroy_s, f.destroy_s);
  std::printf("# for reference, the same %d over ws:// (no TLS, no credentials)\n", n);
  std::printf(
      "tls.ws_boot_storm_s         %8.2f   floor %8.2f   ratio %.2fx   (create() calls: %.2f s)\n",
      pl.boot_s, pf.boot_s, pl.boot_s / pf.boot_s, pl.create_s);
  std::printf("tls.ws_boots_per_s          %8.0f   floor %8.0f\n", rate(n, pl.boot_s),
              rate(n, pf.boot_s));
  std::printf("tls.ws_boot_cpu_ms_per_cp   %8.2f   floor %8.2f\n", 1e3 * pl.boot_cpu_s / n,
              1e3 * pf.boot_cpu_s / n);
  std::printf("tls.ws_rss_kb_per_cp        %8.1f   floor %8.1f\n", pl.rss_kb_per, pf.rss_kb_per);
  std::printf("tls.ws_destroy_all_s        %8.2f   floor %8.2f\n", pl.destroy_s, pf.destroy_s);
  return 0;
}
