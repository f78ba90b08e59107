// Target sqlite_store: the SQLite store opening a database file the fuzzer corrupts or cuts
// short (the seeds are files the store wrote, with queued messages, transactions and
// configuration). Opening must give one of the documented storage errors or a store; reading
// it must give an error value or data; an engine started on it must run its boot and send
// what is queued without crashing and without putting an invalid frame on the wire (the
// checks of EngineDriver).
#include <string_view>

#include "engine_driver.hpp"
#include "fuzz_support.hpp"
#include "ocpp/error.hpp"
#include "ocpp/sqlite_store.hpp"

namespace {

bool documented_open_error(std::error_code ec) {
  using ocpp::Errc;
  for (Errc e : {Errc::storage_error, Errc::storage_corrupt, Errc::storage_locked, Errc::storage_readonly,
                 Errc::storage_version})
    if (ec == ocpp::make_error_code(e)) return true;
  return false;
}

// Reads everything through the Store interface; any result but a crash is fine.
void read_all(ocpp::Store& s) {
  std::size_t n = 0;
  (void)s.outbox_size(n);
  std::optional<ocpp::OutboxMessage> front;
  (void)s.outbox_front(front);
  std::vector<ocpp::TransactionRecord> txs;
  (void)s.transactions_load(txs);
  std::vector<std::pair<std::string, std::string>> kv;
  (void)s.kv_load("", kv);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fuzz::TempFile file("store.db");
  file.remove();
  FUZZ_CHECK(fuzz::write_file(file.path(), std::string_view(reinterpret_cast<const char*>(data), size)));
  ocpp::SqliteStoreOptions o;
  o.path = file.path();
  o.charge_point_id = "CP-FUZZ";  // the charge point of the seeds (fuzz/tools/make_seeds.cpp)
  o.busy_timeout_ms = 0;
  auto opened = ocpp::open_sqlite_store(o);
  if (!opened) {
    FUZZ_CHECK_MSG(documented_open_error(opened.error()), opened.error().message());
    return 0;
  }
  ocpp::Store& store = *opened.value();
  read_all(store);
  fuzz::EngineDriver d(store, 2, 50);
  if (!d.start()) return 0;  // a store it cannot read: Engine::create said so
  d.connect();
  int next_tx_id = 1001;
  // Accepted, then every queued message is answered until the queue is empty.
  for (int i = 0; i < 40 && d.in_flight(); ++i) {
    const std::string id = d.in_flight()->id;
    d.deliver("[3,\"" + id + "\"," + fuzz::valid_result(d.in_flight()->action, 0, d.now(), next_tx_id) + "]");
  }
  return 0;
}
