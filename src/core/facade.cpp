#include "core/facade.hpp"

#include <random>

#include "ocpp/sqlite_store.hpp"

namespace ocpp::core {

std::uint64_t random_seed() {
  std::random_device rd;
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
