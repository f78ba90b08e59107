#include "core/facade.hpp"

#include <sys/resource.h>

#include <atomic>
#include <climits>
#include <mutex>
#include <random>

#include "ocpp/sqlite_store.hpp"

namespace ocpp::core {

std::uint64_t random_seed() {
  // One std::random_device per process, not per charge point: constructing one costs a
  // system call or two, which a fleet creating thousands of charge points noticed.
  static std::mutex m;
  static std::random_device rd;
  std::lock_guard<std::mutex> lk(m);
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

Result<std::unique_ptr<Store>> open_store(std::unique_ptr<Store> given, const std::string& db_path,
                                          const std::string& identity) {
  if (given) return Result<std::unique_ptr<Store>>(std::move(given));
  if (db_path.empty()) return make_memory_store();
  auto s = open_sqlite_store({db_path, identity});
  if (!s) return s.error();
  return std::move(s.value());
}

namespace {
std::atomic<long> g_reserved_descriptors{0};
}  // namespace

DescriptorReservation::~DescriptorReservation() { g_reserved_descriptors -= n_; }

std::error_code DescriptorReservation::reserve(const FacadeConfig& config) {
  // A socket; a database of its own adds the file, its WAL and its shared-memory index.
  const long need = 1 + (config.store == nullptr && !config.db_path.empty() ? 3 : 0);
  rlimit rl{};
  const long limit = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
                         ? static_cast<long>(rl.rlim_cur)
                         : LONG_MAX / 2;
  const long after = g_reserved_descriptors.fetch_add(need) + need;
  if (after + kSpareDescriptors > limit) {
    g_reserved_descriptors -= need;
    return make_error_code(Errc::resource_exhausted);
  }
  n_ += need;
  return {};
}

ConnectionConfig connection_config(const FacadeConfig& c, std::string identity,
                                   std::string subprotocol,
                                   std::optional<SecurityProfile> profile) {
  ConnectionConfig cc;
  cc.csms_url = c.csms_url;
  cc.identity = std::move(identity);
  cc.subprotocols = {std::move(subprotocol)};
  cc.security_profile = profile;
  cc.ca_file = c.ca_file;
  cc.client_cert_file = c.client_cert_file;
  cc.client_key_file = c.client_key_file;
  cc.tls_cipher_list = c.tls_cipher_list;
  cc.security = c.security;
  cc.connect_timeout = c.connect_timeout;
  cc.max_message_size = c.max_message_size;
  cc.backoff_min = c.backoff_min;
  cc.backoff_max = c.backoff_max;
  return cc;
}

}  // namespace ocpp::core
