// Module skeleton: its feature profile is being built; until then the engine answers the
// profile's CALLs with NotImplemented.
#include "v16/engine_impl.hpp"

namespace ocpp::v16 {
namespace {

class ReservationModule final : public Module {
 public:
  explicit ReservationModule(Engine::Impl& engine) : engine_(engine) {}

 private:
  [[maybe_unused]] Engine::Impl& engine_;
};

}  // namespace

std::unique_ptr<Module> make_reservation_module(Engine::Impl& engine) {
  return std::make_unique<ReservationModule>(engine);
}

}  // namespace ocpp::v16
