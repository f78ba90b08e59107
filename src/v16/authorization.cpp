// Module skeleton: its feature profile is being built; until then the engine answers the
// profile's CALLs with NotImplemented.
#include "v16/engine_impl.hpp"

namespace ocpp::v16 {
namespace {

class AuthorizationModule final : public Module {
 public:
  explicit AuthorizationModule(Engine::Impl& engine) : engine_(engine) {}

 private:
  [[maybe_unused]] Engine::Impl& engine_;
};

}  // namespace

std::unique_ptr<Module> make_authorization_module(Engine::Impl& engine) {
  return std::make_unique<AuthorizationModule>(engine);
}

}  // namespace ocpp::v16
