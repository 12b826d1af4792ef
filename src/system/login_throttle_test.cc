#include "system/login_throttle.h"

#include <gtest/gtest.h>

namespace sluice::system {
namespace {

using std::chrono::seconds;

ThrottleOptions Options(size_t max_entries = 1000) {
  ThrottleOptions options;
  options.max_failures = 3;
  options.window = seconds(60);
  options.lockout = seconds(300);
  options.max_entries = max_entries;
  return options;
}

TEST(LoginThrottle, LocksTheNameAfterMaxFailuresUntilTheLockoutPasses) {
  FakeClock clock;
  LoginThrottle throttle(clock, Options());
  for (int i = 0; i < 2; ++i) throttle.RecordFailure("alice", "10.0.0.1");
  EXPECT_FALSE(throttle.IsLocked("alice", "10.0.0.1"));
  throttle.RecordFailure("alice", "10.0.0.1");
  EXPECT_TRUE(throttle.IsLocked("alice", "10.0.0.1"));
  EXPECT_TRUE(throttle.IsLocked("alice", "10.0.0.2")) << "per name, from any address";
  EXPECT_FALSE(throttle.IsLocked("bob", "10.0.0.1")) << "the address is below its own limit";
  throttle.RecordSuccess("alice");  // a success while locked cannot happen, and does not unlock
  clock.Advance(seconds(299));
  EXPECT_TRUE(throttle.IsLocked("alice", "10.0.0.1"));
  clock.Advance(seconds(1));
  EXPECT_FALSE(throttle.IsLocked("alice", "10.0.0.1"));
  // After the lockout, counting starts afresh: one more failure does not lock again.
  throttle.RecordFailure("alice", "10.0.0.1");
  EXPECT_FALSE(throttle.IsLocked("alice", "10.0.0.1"));
}

TEST(LoginThrottle, FailuresOutsideTheWindowAreForgotten) {
  FakeClock clock;
  LoginThrottle throttle(clock, Options());
  throttle.RecordFailure("alice", "a");
  throttle.RecordFailure("alice", "a");
  clock.Advance(seconds(61));
  throttle.RecordFailure("alice", "a");
  EXPECT_FALSE(throttle.IsLocked("alice", "a"));
}

TEST(LoginThrottle, SuccessClearsTheNamesCounter) {
  FakeClock clock;
  LoginThrottle throttle(clock, Options());
  throttle.RecordFailure("alice", "a");
  throttle.RecordFailure("alice", "a");
  throttle.RecordSuccess("alice");
  throttle.RecordFailure("alice", "a");
  throttle.RecordFailure("alice", "a");
  EXPECT_FALSE(throttle.IsLocked("alice", "a"));
}

TEST(LoginThrottle, OneAddressGuessingManyNamesIsLockedAtFourTimesTheLimit) {
  FakeClock clock;
  LoginThrottle throttle(clock, Options());
  for (int i = 0; i < 11; ++i) throttle.RecordFailure("user" + std::to_string(i), "6.6.6.6");
  EXPECT_FALSE(throttle.IsLocked("fresh", "6.6.6.6"));
  throttle.RecordFailure("user11", "6.6.6.6");
  EXPECT_TRUE(throttle.IsLocked("fresh", "6.6.6.6"));
  EXPECT_FALSE(throttle.IsLocked("fresh", "7.7.7.7"));
  // A success for one name does not clear the address.
  throttle.RecordSuccess("user0");
  EXPECT_TRUE(throttle.IsLocked("fresh", "6.6.6.6"));
}

TEST(LoginThrottle, MemoryStaysBoundedUnderAFloodOfNamesAndAddresses) {
  FakeClock clock;
  LoginThrottle throttle(clock, Options(/*max_entries=*/100));
  for (int i = 0; i < 5000; ++i) {
    throttle.RecordFailure("name" + std::to_string(i), "addr" + std::to_string(i % 700));
    ASSERT_LE(throttle.size(), 100u);
  }
  // Fresh and locked entries are kept in preference to old unlocked ones.
  clock.Advance(seconds(1));
  for (int i = 0; i < 3; ++i) throttle.RecordFailure("victim", "x");
  for (int i = 0; i < 40; ++i)
    throttle.RecordFailure("other" + std::to_string(i), "y" + std::to_string(i));
  EXPECT_TRUE(throttle.IsLocked("victim", "z"));
  EXPECT_LE(throttle.size(), 100u);
}

}  // namespace
}  // namespace sluice::system
