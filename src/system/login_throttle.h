// Login throttling: after too many failed logins for one user name (or, with a higher limit, from
// one client address) within a window, further attempts are refused until a lockout passes, even
// with the right password. In memory (one Sluice instance), bounded in size. Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/clock.h"

namespace sluice::system {

struct ThrottleOptions {
  int max_failures = 5;  // per user name; per address the limit is 4 times this
  std::chrono::seconds window{300};
  std::chrono::seconds lockout{300};
  size_t max_entries = 100'000;  // beyond this, entries that are not locked are evicted
};

class LoginThrottle {
 public:
  LoginThrottle(const Clock& clock, ThrottleOptions options) : clock_(clock), options_(options) {}

  // True when a login for `username` from `address` must be refused now.
  bool IsLocked(const std::string& username, const std::string& address);
  void RecordFailure(const std::string& username, const std::string& address);
  // Clears the user name's failures (not the address's: one good login must not unlock a
  // guessing run from the same address against other names).
  void RecordSuccess(const std::string& username);
  size_t size() const;

 private:
  struct Entry {
    int failures = 0;
    TimePoint window_start{};
    TimePoint locked_until{};
  };
  bool Locked(const std::string& key, TimePoint now) const;
  void Fail(const std::string& key, int limit, TimePoint now);
  void EvictIfFull(TimePoint now);

  const Clock& clock_;
  const ThrottleOptions options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_
};

}  // namespace sluice::system
