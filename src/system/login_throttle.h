// Login throttling: after too many failed logins for one user name (or, with a higher limit, from
// one client address) within a window, further attempts are refused until a lockout passes, even
// with the right password. In memory (one Sluice instance), bounded in size. Thread-safe.
//
// The per-address limit is 4 times the per-name one so that people behind one NAT or proxy do not
// lock each other out after a few typos, while a guessing run over many names from one address is
// still stopped. When the table is full, expired entries go first, then unlocked ones, and only
// then the locked entries closest to expiry, so memory stays bounded whatever an attacker sends.
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

  // True when a login for `username` from `address` must be refused now (TOO_MANY_ATTEMPTS).
  bool IsLocked(const std::string& username, const std::string& address);
  void RecordFailure(const std::string& username, const std::string& address);
  // Clears the user name's failures (not the address's: one good login must not unlock a
  // guessing run from the same address against other names).
  void RecordSuccess(const std::string& username);
  // Entries held (user names plus addresses); never more than options.max_entries.
  size_t size() const;

 private:
  struct Entry {
    int failures = 0;
    TimePoint window_start{};
    TimePoint locked_until{};
  };
  bool Locked(const std::string& key, TimePoint now) const;
  void Fail(const std::string& key, int limit, TimePoint now);
  // Makes room for `room` new entries within options_.max_entries.
  void EvictIfFull(TimePoint now, size_t room);

  const Clock& clock_;
  const ThrottleOptions options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_
};

}  // namespace sluice::system
