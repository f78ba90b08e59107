// Durable by construction: transaction messages are on disk before the call that produced
// them returns. At start the firmware finds the transactions that were running when power
// was lost, and decides what becomes of them.
#include <ocpp/runner.hpp>
#include <ocpp/v16/charge_point.hpp>

#include <cstdio>

int main() {
  ocpp::Runner runner;
  ocpp::v16::ChargePointConfig cfg;
  cfg.charge_point_id = "CP001";
  cfg.csms_url = "ws://127.0.0.1:9000/ocpp";
  cfg.vendor = "Acme";
  cfg.model = "Wallbox22";
  cfg.connectors = 2;
  cfg.db_path = "/var/lib/charger/ocpp.db";  // on a file system that survives power cuts
  cfg.configuration = {{"TransactionMessageAttempts", "5"},  // first start only:
                       {"TransactionMessageRetryInterval", "30"}};  // the stored value wins later
  auto cp = ocpp::v16::ChargePoint::create(runner, std::move(cfg), {});
  if (!cp) return std::fprintf(stderr, "store: %s\n", cp.error().message().c_str()), 1;
  ocpp::v16::ChargePoint& charger = **cp;

  // Transactions running before the power cut are back on their connectors.
  for (int c = 1; c <= 2; ++c) {
    auto st = charger.connector_state(c);
    if (st && st->transaction) {
      std::printf("connector %d: transaction %lld restored\n", c,
                  static_cast<long long>(st->transaction->tx_key));
      charger.stop_transaction(c, ocpp::v16::Reason::PowerLoss);  // or let it go on
    }
  }
  std::printf("%zu messages wait for the CSMS\n", charger.queued_transaction_messages());
  runner.start();  // they go out, oldest first, once BootNotification is Accepted
  cp.value().reset();
  runner.stop();
}
