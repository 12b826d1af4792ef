// What the command files (commands.cc, people_commands.cc, flink_commands.cc,
// app_commands.cc) share: error
// shorthand, looking objects up by name, reading lists, and adding subcommands.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "cli/api_client.h"
#include "common/json.h"

// Shorthand for "return the error of `expr`, else bind its value".
#define CLI_ASSIGN_OR_RETURN(lhs, expr)                             \
  auto CLI_TMP_##lhs = (expr);                                      \
  if (!CLI_TMP_##lhs.ok()) return std::move(CLI_TMP_##lhs).error(); \
  auto& lhs = *CLI_TMP_##lhs

namespace sluice::cli {

// An API error made on this side, e.g. a name that is in no list: `code` as the server would
// send it, no request id.
ApiError NotFound(std::string code, std::string message);

// The id in `path`'s list whose `key` equals `name` exactly, reading every page; nullopt when
// there is none. `q` filters on the server side when the list supports it.
ApiResult<std::optional<int64_t>> FindByName(ApiClient& client, const std::string& path,
                                             const char* key, const char* id_key,
                                             const std::string& name, bool q);

// "7" when the user gave the id, "alice (id 7)" when they gave a name.
std::string Described(const std::string& given, int64_t id);

// Text from the server (a file's content, a log) line by line through Printable (a CRLF file
// shows no '?' at the ends of its lines), ending with a newline.
void PrintText(std::ostream& out, std::string_view text);

// The "items" of a list answer; empty when there are none (or the answer is not a list).
const Json& Items(const Json& list);

// A subcommand that passes options it does not know (the client options) up to its parent, so
// `sluice user list --output json` works as well as `sluice --output json user list`.
CLI::App* AddCommand(CLI::App* parent, const char* name, const char* help);
// A subcommand that only groups others: one of them is required.
CLI::App* AddCommandGroup(CLI::App* parent, const char* name, const char* help);

}  // namespace sluice::cli
