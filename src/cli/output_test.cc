#include "cli/output.h"

#include <gtest/gtest.h>

#include <sstream>

namespace sluice::cli {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(CliOutput, TableAlignsColumnsWithoutTrailingSpaces) {
  Table table({"id", "name", "email"});
  table.AddRow({"1", "admin", ""});
  table.AddRow({"12", "Zoë", "z@x"});
  std::ostringstream out;
  table.Print(out);
  EXPECT_EQ(out.str(),
            "ID  NAME   EMAIL\n"
            "1   admin\n"
            "12  Zoë    z@x\n");
}

TEST(CliOutput, TableAndFieldsNeutralizeControlCharacters) {
  Table table({"name"});
  table.AddRow({"evil\x1b[2Jname"});
  std::ostringstream out;
  table.Print(out);
  EXPECT_EQ(out.str(), "NAME\nevil?[2Jname\n");
  std::ostringstream fields;
  PrintFields(fields, {{"ID", "7"}, {"Name", "a\nb"}});
  EXPECT_EQ(fields.str(), "ID:    7\nName:  a?b\n");
}

TEST(CliOutput, RelativeTimes) {
  TimePoint now = FromUnixMillis(1'800'000'000'000);
  EXPECT_EQ(RelativeTime(now - seconds(10), now), "just now");
  EXPECT_EQ(RelativeTime(now + seconds(10), now), "in under a minute");
  EXPECT_EQ(RelativeTime(now - minutes(1), now), "1 minute ago");
  EXPECT_EQ(RelativeTime(now - minutes(5), now), "5 minutes ago");
  EXPECT_EQ(RelativeTime(now + hours(12) - seconds(3), now), "in 12 hours");
  EXPECT_EQ(RelativeTime(now + hours(30), now), "in 30 hours");
  EXPECT_EQ(RelativeTime(now - hours(24 * 12), now), "12 days ago");
  EXPECT_EQ(RelativeTime(now - hours(24 * 400), now),
            FormatRfc3339(now - hours(24 * 400)).substr(0, 10));
}

TEST(CliOutput, HumanTimeHandlesMissingAndOddValues) {
  FakeClock clock(*ParseRfc3339("2026-11-25T12:00:00Z"));
  EXPECT_EQ(HumanTime(Json(), clock), "-");
  EXPECT_EQ(HumanTime(Json(), clock, "never"), "never");
  EXPECT_EQ(HumanTime(Json("yesterday-ish"), clock), "yesterday-ish");
  EXPECT_EQ(HumanTime(Json("2026-11-25T11:00:00Z"), clock), "1 hour ago");
}

TEST(CliOutput, FieldReadersNeverThrow) {
  Json odd = {{"s", "x"}, {"n", 3}, {"b", true}, {"z", nullptr}, {"e", ""}};
  EXPECT_EQ(Text(odd, "s"), "x");
  EXPECT_EQ(Text(odd, "n"), "3");
  EXPECT_EQ(Text(odd, "z"), "-");
  EXPECT_EQ(Text(odd, "e"), "-");
  EXPECT_EQ(Text(Json::array(), "s"), "-");
  EXPECT_EQ(YesNo(odd, "b"), "yes");
  EXPECT_EQ(YesNo(odd, "s"), "-");
  EXPECT_EQ(StringField(odd, "n"), "");
  EXPECT_EQ(IntField(odd, "s", 9), 9);
  EXPECT_EQ(IntField(odd, "n"), 3);
  EXPECT_TRUE(Field(Json(42), "x").is_null());
}

TEST(CliOutput, ErrorLineAndExitCodes) {
  ApiError api{
      ApiError::Kind::kApi, "TEAM_EXISTS", "a team named 'x' already exists", "r-1", "name", 409};
  EXPECT_EQ(FormatError(api), "error: a team named 'x' already exists (TEAM_EXISTS, request r-1)");
  EXPECT_EQ(ExitCodeFor(api), kExitApiError);

  ApiError no_id{ApiError::Kind::kApi, "TEAM_NOT_FOUND", "no team named 'x'"};
  EXPECT_EQ(FormatError(no_id), "error: no team named 'x' (TEAM_NOT_FOUND)");
  EXPECT_EQ(FormatError(ApiError::Usage("bad")), "error: bad");

  EXPECT_EQ(ExitCodeFor(ApiError::Usage("x")), kExitUsage);
  EXPECT_EQ(ExitCodeFor(ApiError::Local("x")), kExitApiError);
  EXPECT_EQ(ExitCodeFor(ApiError::NotLoggedIn("x")), kExitNotLoggedIn);
  EXPECT_EQ(ExitCodeFor({ApiError::Kind::kUnreachable, "", "x"}), kExitUnreachable);
  EXPECT_EQ(ExitCodeFor({ApiError::Kind::kApi, "TOKEN_EXPIRED", "x", "", "", 401}),
            kExitNotLoggedIn);
  // A wrong password at login is an answer, not a missing login.
  EXPECT_EQ(ExitCodeFor({ApiError::Kind::kApi, "INVALID_CREDENTIALS", "x", "", "", 401}),
            kExitApiError);
  EXPECT_EQ(kExitApiError, 1);
  EXPECT_EQ(kExitUsage, 2);
  EXPECT_EQ(kExitUnreachable, 3);
  EXPECT_EQ(kExitNotLoggedIn, 4);
}

TEST(CliOutput, PrintJsonIsPrettyAndToleratesBadUtf8) {
  std::ostringstream out;
  PrintJson(out, Json{{"a", 1}});
  EXPECT_EQ(out.str(), "{\n  \"a\": 1\n}\n");
  std::ostringstream bad;
  PrintJson(bad, Json("\xff"));
  EXPECT_FALSE(bad.str().empty());
}

}  // namespace
}  // namespace sluice::cli
