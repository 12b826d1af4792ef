#include "system/login_throttle.h"

#include <algorithm>
#include <utility>
#include <vector>

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
  bool lock_over = entry.locked_until != TimePoint{} && !(now < entry.locked_until);
  if (lock_over || now - entry.window_start > options_.window) {
    // A new window, or a lockout that has passed: counting starts afresh.
    entry.failures = 0;
    entry.window_start = now;
    entry.locked_until = TimePoint{};
  }
  if (++entry.failures >= limit) entry.locked_until = now + options_.lockout;
}

void LoginThrottle::RecordFailure(const std::string& username, const std::string& address) {
  std::lock_guard lock(mu_);
  TimePoint now = clock_.Now();
  // Room for the two entries this failure may add.
  EvictIfFull(now, 2);
  Fail("u:" + username, options_.max_failures, now);
  Fail("a:" + address, options_.max_failures * 4, now);
}

void LoginThrottle::RecordSuccess(const std::string& username) {
  std::lock_guard lock(mu_);
  auto it = entries_.find("u:" + username);
  if (it != entries_.end() && !(clock_.Now() < it->second.locked_until)) entries_.erase(it);
}

void LoginThrottle::EvictIfFull(TimePoint now, size_t room) {
  const size_t max = options_.max_entries;
  if (entries_.size() + room <= max) return;
  // Evict down to 90% so the scan below is paid once per max/10 new entries, not on every one.
  const size_t target = max - std::min(max, std::max(room, max / 10));
  auto locked = [&](const Entry& e) { return now < e.locked_until; };
  // 1. Entries whose window and lockout have both passed carry no information.
  std::erase_if(entries_, [&](const auto& kv) {
    return now - kv.second.window_start > options_.window && !locked(kv.second);
  });
  if (entries_.size() <= target) return;
  // 2. Unlocked entries, oldest window first (losing one only forgives a few failures); 3. only
  // then, under a flood from many addresses, locked entries, those expiring soonest first.
  using It = decltype(entries_)::iterator;
  std::vector<It> order;
  order.reserve(entries_.size());
  for (It it = entries_.begin(); it != entries_.end(); ++it) order.push_back(it);
  auto rank = [&](It it) {
    bool is_locked = locked(it->second);
    return std::pair(is_locked, is_locked ? it->second.locked_until : it->second.window_start);
  };
  size_t excess = entries_.size() - target;
  std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(excess - 1),
                   order.end(), [&](It a, It b) { return rank(a) < rank(b); });
  for (size_t k = 0; k < excess; ++k) entries_.erase(order[k]);
}

size_t LoginThrottle::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace sluice::system
