// GetConfiguration and ChangeConfiguration (OCPP 1.6 sections 5.8, 5.3; Core): the key
// registry of configuration.cpp, read and written on the CSMS's behalf.
#include "v16/engine_impl.hpp"

namespace ocpp::v16 {
namespace {

class ConfigurationModule final : public Module {
 public:
  explicit ConfigurationModule(Engine::Impl& engine) : engine_(engine) {}

  bool handles(Action a) const override {
    return a == Action::GetConfiguration || a == Action::ChangeConfiguration;
  }

  void handle(Action a, const rpc::Frame& frame, Now now) override {
    if (a == Action::GetConfiguration) {
      get_configuration(frame);
    } else {
      change_configuration(frame, now);
    }
  }

 private:
  void get_configuration(const rpc::Frame& frame) {
    Engine::Impl& im = engine_;
    const std::string& id = frame.id;
    GetConfigurationRequest req;
    if (!im.decode_request(frame, req)) return;
    GetConfigurationResponse resp;
    if (!req.key || req.key->empty()) {
      resp.configurationKey = im.config_.readable();
    } else {
      const auto max = im.config_.get_int("GetConfigurationMaxKeys");
      if (static_cast<std::int64_t>(req.key->size()) > max) {
        im.reply_error(id, RpcErrorCode::OccurenceConstraintViolation,
                       "more keys than GetConfigurationMaxKeys (" + std::to_string(max) + ")");
        return;
      }
      std::vector<KeyValue> found;
      std::vector<std::string> unknown;
      for (const auto& k : *req.key) {
        const KeyDef* def = im.config_.find(k);
        // Write-only keys (AuthorizationKey) are never revealed.
        if (!def || def->access == KeyAccess::WriteOnly) {
          unknown.push_back(k);
          continue;
        }
        KeyValue kv;
        kv.key = k;
        kv.readonly = def->access == KeyAccess::ReadOnly;
        kv.value = im.config_.get(k);
        found.push_back(std::move(kv));
      }
      if (!found.empty()) resp.configurationKey = std::move(found);
      if (!unknown.empty()) resp.unknownKey = std::move(unknown);
    }
    im.reply(id, codec::to_json(resp));
    return;
  }

  void change_configuration(const rpc::Frame& frame, Now now) {
    Engine::Impl& im = engine_;
    const std::string& id = frame.id;
    ChangeConfigurationRequest req;
    if (!im.decode_request(frame, req)) return;
    const bool refused =
        im.any_module([&](const Module& m) { return m.refuses_change(req.key, req.value, now); });
    const ChangeResult r = refused ? ChangeResult::Rejected : im.config_.set(req.key, req.value, true);
    ChangeConfigurationResponse resp;
    switch (r) {
      case ChangeResult::Accepted:
        resp.status = ConfigurationStatus::Accepted;
        break;
      case ChangeResult::RebootRequired:
        resp.status = ConfigurationStatus::RebootRequired;
        break;
      case ChangeResult::Rejected:
        resp.status = ConfigurationStatus::Rejected;
        break;
      case ChangeResult::NotSupported:
        resp.status = ConfigurationStatus::NotSupported;
        break;
    }
    im.reply(id, codec::to_json(resp));
    if (r != ChangeResult::Accepted && r != ChangeResult::RebootRequired) return;
    if (req.key == "HeartbeatInterval") {
      const auto hb = im.config_.get_int("HeartbeatInterval");
      im.next_heartbeat_ = hb > 0 && im.online()
                               ? std::optional<MonoTime>(now.mono + std::chrono::seconds(hb))
                               : std::nullopt;
    } else if (req.key == "MeterValueSampleInterval") {
      for (auto& c : im.connectors_)
        if (c.tx_key) im.schedule_sample(c, now);
    }
    im.for_modules([&](Module& m) { m.on_configuration_changed(req.key, now); });
    if (im.hooks_.configuration_changed)
      im.defer([h = im.hooks_.configuration_changed, k = req.key, v = *im.config_.get(req.key)] {
        h(k, v);
      });
    return;
  }

  Engine::Impl& engine_;
};

}  // namespace

std::unique_ptr<Module> make_configuration_module(Engine::Impl& engine) {
  return std::make_unique<ConfigurationModule>(engine);
}

}  // namespace ocpp::v16
