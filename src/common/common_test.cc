#include <gtest/gtest.h>

#include <set>

#include "common/clock.h"
#include "common/error_codes.h"
#include "common/json.h"
#include "common/log.h"

namespace sluice {
namespace {

TEST(ErrorCodes, NamesNumbersAndStatusesAreStable) {
  EXPECT_EQ(ErrorCodeName(ErrorCode::APP_NOT_FOUND), "APP_NOT_FOUND");
  EXPECT_EQ(ErrorCodeNumber(ErrorCode::APP_NOT_FOUND), 2001);
  EXPECT_EQ(ErrorCodeHttpStatus(ErrorCode::APP_NOT_FOUND), 404);
  EXPECT_EQ(ErrorCodeHttpStatus(ErrorCode::TOO_MANY_ATTEMPTS), 429);
  EXPECT_EQ(ErrorCodeFromName("BODY_TOO_LARGE"), ErrorCode::BODY_TOO_LARGE);
  EXPECT_EQ(ErrorCodeFromName("NOPE"), std::nullopt);
}

TEST(ErrorCodes, NumbersAreUniqueAndNamesRoundTrip) {
  std::set<int> numbers;
#define CHECK_CODE(name, number, status)                \
  EXPECT_TRUE(numbers.insert(number).second) << #name;  \
  EXPECT_EQ(ErrorCodeFromName(#name), ErrorCode::name); \
  EXPECT_GE(status, 200);                               \
  EXPECT_LT(status, 600);
  SLUICE_ERROR_CODES(CHECK_CODE)
#undef CHECK_CODE
}

TEST(Clock, Rfc3339RoundTripsWithMilliseconds) {
  TimePoint t = FromUnixMillis(1764053757123);
  EXPECT_EQ(FormatRfc3339(t), "2025-11-25T06:55:57.123Z");
  EXPECT_EQ(ParseRfc3339("2025-11-25T06:55:57.123Z"), t);
  EXPECT_EQ(ParseRfc3339("2025-11-25T07:55:57.123+01:00"), t);
  EXPECT_EQ(ParseRfc3339("2025-11-25T06:55:57Z"), FromUnixMillis(1764053757000));
}

TEST(Clock, Rfc3339RejectsMalformedText) {
  for (const char* bad : {"", "2025-11-25", "2025-13-01T00:00:00Z", "2025-02-30T00:00:00Z",
                          "2025-11-25T06:55:57", "2025-11-25T06:55:57Zjunk", "x' OR 1=1"}) {
    EXPECT_EQ(ParseRfc3339(bad), std::nullopt) << bad;
  }
}

TEST(Clock, FakeClockMovesOnlyWhenTold) {
  FakeClock clock;
  TimePoint start = clock.Now();
  EXPECT_EQ(clock.Now(), start);
  clock.Advance(std::chrono::seconds(5));
  EXPECT_EQ(clock.Now() - start, std::chrono::seconds(5));
}

TEST(Json, TypedFieldsNameTheOffendingField) {
  auto body = ParseJsonObject(R"({"name": 5, "n": "x", "ok": true})");
  ASSERT_TRUE(body.ok());
  auto name = RequireString(*body, "name");
  ASSERT_FALSE(name.ok());
  EXPECT_EQ(name.error().field, "name");
  EXPECT_EQ(name.error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_FALSE(RequireInt(*body, "n").ok());
  EXPECT_EQ(RequireString(*body, "missing").error().message, "field 'missing' is required");
  EXPECT_EQ(OptionalBool(*body, "ok").value(), true);
  EXPECT_FALSE(RejectUnknownFields(*body, {"name", "n"}).ok());
}

TEST(Json, NonObjectsAndGarbageAreBadJson) {
  for (const char* bad : {"", "[]", "42", "{", "{\"a\":}", "null"}) {
    auto parsed = ParseJsonObject(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::BAD_JSON);
  }
}

TEST(Log, SecretsAreMasked) {
  EXPECT_EQ(MaskUrlCredentials("postgresql://sluice:hunter2@127.0.0.1:5432/db"),
            "postgresql://sluice:***@127.0.0.1:5432/db");
  std::string redacted = RedactSecrets(
      "Authorization: Bearer abc.def password=hunter2 token: sls_abcdef mysql://u:p@h/d");
  EXPECT_EQ(redacted.find("hunter2"), std::string::npos) << redacted;
  EXPECT_EQ(redacted.find("abc.def"), std::string::npos) << redacted;
  EXPECT_EQ(redacted.find("sls_abcdef"), std::string::npos) << redacted;
  EXPECT_EQ(redacted.find(":p@"), std::string::npos) << redacted;
}

}  // namespace
}  // namespace sluice
