#include "system/login_throttle.h"

namespace sluice::system {

bool LoginThrottle::Locked(const std::string& key, TimePoint now) const {
  auto it = entries_.find(key);
  return it != entries_.end() && now < it->second.locked_until;
}

bool LoginThrottle::IsLocked(const std::string& username, const std::string& address) {
  std::lock_guard lock(mu_);
  TimePoint now = clock_.Now();
  return Locked("u:" + username, now) || Locked("a:" + address, now);
}

void LoginThrottle::Fail(const std::string& key, int limit, TimePoint now) {
  Entry& entry = entries_[key];
  if (now - entry.window_start > options_.window) {
    entry.failures = 0;
    entry.window_start = now;
  }
  if (++entry.failures >= limit) entry.locked_until = now + options_.lockout;
}

void LoginThrottle::RecordFailure(const std::string& username, const std::string& address) {
  std::lock_guard lock(mu_);
  TimePoint now = clock_.Now();
  EvictIfFull(now);
  Fail("u:" + username, options_.max_failures, now);
  Fail("a:" + address, options_.max_failures * 4, now);
}

void LoginThrottle::RecordSuccess(const std::string& username) {
  std::lock_guard lock(mu_);
  auto it = entries_.find("u:" + username);
  if (it != entries_.end() && !(clock_.Now() < it->second.locked_until)) entries_.erase(it);
}

void LoginThrottle::EvictIfFull(TimePoint now) {
  if (entries_.size() < options_.max_entries) return;
  for (auto it = entries_.begin(); it != entries_.end();) {
    bool stale = now - it->second.window_start > options_.window && !(now < it->second.locked_until);
    it = stale ? entries_.erase(it) : std::next(it);
  }
  // Still full of live entries: drop unlocked ones, oldest windows first is not worth the cost.
  for (auto it = entries_.begin(); it != entries_.end() && entries_.size() >= options_.max_entries;) {
    it = now < it->second.locked_until ? std::next(it) : entries_.erase(it);
  }
}

size_t LoginThrottle::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace sluice::system
