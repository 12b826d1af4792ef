#include "system/system_module.h"

namespace sluice::system {

// Placeholder: the people area lands in the next change.
struct SystemModule::Impl {};

SystemModule::SystemModule(store::Database&, const Clock&, SystemOptions)
    : impl_(std::make_unique<Impl>()) {}
SystemModule::~SystemModule() = default;
Status SystemModule::Bootstrap(const std::optional<std::string>&) { return Status::Ok(); }
void SystemModule::RegisterRoutes(http::Router&) {}

}  // namespace sluice::system
