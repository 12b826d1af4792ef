// A wake-up call for whoever follows a table that others write: "something changed, read again".
//
// Writers call Notify() after their transaction commits; readers (the alert outbox, the console's
// live stream) Subscribe a listener that wakes their own thread. The signal carries no data on
// purpose: the store is the truth, so a reader that missed a call (or started late) loses
// nothing by reading from where it left off. Listeners run on the notifying thread and must only
// wake something up (set a flag, notify a condition variable), never block or call back in.
#pragma once

#include <functional>
#include <map>
#include <mutex>

namespace sluice {

class ChangeSignal {
 public:
  using Listener = std::function<void()>;

  // Answers an id for Unsubscribe. Thread-safe.
  int Subscribe(Listener listener) {
    std::lock_guard lock(mutex_);
    int id = next_id_++;
    listeners_.emplace(id, std::move(listener));
    return id;
  }
  // After it returns, the listener is never called again.
  void Unsubscribe(int id) {
    std::lock_guard lock(mutex_);
    listeners_.erase(id);
  }
  void Notify() const {
    std::lock_guard lock(mutex_);
    for (const auto& [id, listener] : listeners_) listener();
  }

 private:
  mutable std::mutex mutex_;
  int next_id_ = 1;
  std::map<int, Listener> listeners_;
};

}  // namespace sluice
