#include "cli/command_helpers.h"

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/output.h"

namespace sluice::cli {

ApiError NotFound(std::string code, std::string message) {
  ApiError error;
  error.kind = ApiError::Kind::kApi;
  error.code = std::move(code);
  error.message = std::move(message);
  return error;
}

ApiResult<std::optional<int64_t>> FindByName(ApiClient& client, const std::string& path,
                                             const char* key, const char* id_key,
                                             const std::string& name, bool q) {
  int64_t offset = 0;
  for (;;) {
    QueryParams query = {{"limit", "1000"}, {"offset", std::to_string(offset)}};
    if (q) query.emplace_back("q", name);
    CLI_ASSIGN_OR_RETURN(page, client.Get(path, query));
    if (!page.is_object() || !page.contains("items") || !page["items"].is_array()) {
      return ApiError{ApiError::Kind::kApi, "BAD_RESPONSE",
                      fmt::format("the server answered GET {} without a list", path)};
    }
    const Json& items = page["items"];
    for (const Json& item : items) {
      if (item.is_object() && item.value(key, Json()) == Json(name) &&
          item.value(id_key, Json()).is_number_integer()) {
        return std::optional<int64_t>(item[id_key].get<int64_t>());
      }
    }
    offset += static_cast<int64_t>(items.size());
    if (items.empty() || offset >= IntField(page, "total")) break;
  }
  return std::optional<int64_t>();
}

std::string Described(const std::string& given, int64_t id) {
  if (ParseId(given)) return given;
  return fmt::format("{} (id {})", Printable(given), id);
}

void PrintText(std::ostream& out, std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out << Printable(line) << "\n";
    pos = end + 1;
  }
}

const Json& Items(const Json& list) {
  static const Json kEmpty = Json::array();
  if (!list.is_object()) return kEmpty;
  auto it = list.find("items");
  return (it != list.end() && it->is_array()) ? *it : kEmpty;
}

CLI::App* AddCommand(CLI::App* parent, const char* name, const char* help) {
  CLI::App* cmd = parent->add_subcommand(name, help);
  cmd->fallthrough();
  return cmd;
}

CLI::App* AddCommandGroup(CLI::App* parent, const char* name, const char* help) {
  CLI::App* cmd = AddCommand(parent, name, help);
  cmd->require_subcommand(1);
  return cmd;
}

}  // namespace sluice::cli
