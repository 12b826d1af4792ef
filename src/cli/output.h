// How the command-line client shows things: aligned tables, "key: value" blocks, times for
// people, JSON, and errors.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/api_client.h"
#include "common/clock.h"
#include "common/json.h"

namespace sluice::cli {

// Exit codes of client commands.
enum ExitCodes : int {
  kExitOk = 0,
  kExitApiError = 1,     // the server refused (and local failures)
  kExitUsage = 2,        // the command line is wrong
  kExitUnreachable = 3,  // no answer from the server
  kExitNotLoggedIn = 4,  // no saved login, or the server no longer accepts the token
};

// The exit code for `error`: kUsage 2, kUnreachable 3, kNotLoggedIn 4, kApi with HTTP 401 other
// than INVALID_CREDENTIALS (a wrong password at login) 4, anything else 1.
int ExitCodeFor(const ApiError& error);

// "error: MESSAGE (CODE, request REQUEST_ID)"; the parenthesis lists what is known and is left
// out when nothing is. No trailing newline.
std::string FormatError(const ApiError& error);

// Makes text from the server safe to put on a terminal: control characters become '?'.
std::string Printable(std::string_view text);

// Reading answers defensively (a server of another version may differ; never throw):
// the member `key` of `object`, or null when `object` is not an object or has no such member.
const Json& Field(const Json& object, std::string_view key);
// The member as a string; "" when missing or not a string.
std::string StringField(const Json& object, std::string_view key);
// The member as an integer; `fallback` when missing or not an integer.
int64_t IntField(const Json& object, std::string_view key, int64_t fallback = 0);

// A field of a JSON object as text: strings as they are, numbers and booleans written
// out, null or missing as "-".
std::string Text(const Json& object, std::string_view key);
// "yes" / "no" for a boolean field; "-" when missing.
std::string YesNo(const Json& object, std::string_view key);

// A time for people, relative to `now`: "just now", "5 minutes ago", "in 3 hours", "12 days
// ago"; beyond 30 days the date, "2026-11-25". `rfc3339` null or missing gives `absent`; text
// that is not an RFC 3339 time is shown as it is.
std::string HumanTime(const Json& rfc3339, const Clock& clock, std::string_view absent = "-");
std::string RelativeTime(TimePoint t, TimePoint now);

// Rows with aligned columns: upper-case headers, two spaces between columns, no trailing
// spaces. Cells pass through Printable; widths count UTF-8 code points.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  // Precondition: cells.size() == number of headers.
  void AddRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "Key:   value" lines with the values aligned.
void PrintFields(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& fields);

// Pretty JSON (two-space indent) and a newline. Invalid UTF-8 is replaced, not thrown on.
void PrintJson(std::ostream& out, const Json& json);

}  // namespace sluice::cli
