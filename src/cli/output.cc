#include "cli/output.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <chrono>

namespace sluice::cli {

namespace {

size_t DisplayWidth(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++n;  // count lead bytes only
  }
  return n;
}

std::string Plural(int64_t n, std::string_view unit) {
  return fmt::format("{} {}{}", n, unit, n == 1 ? "" : "s");
}

}  // namespace

int ExitCodeFor(const ApiError& error) {
  switch (error.kind) {
    case ApiError::Kind::kUsage:
      return kExitUsage;
    case ApiError::Kind::kUnreachable:
      return kExitUnreachable;
    case ApiError::Kind::kNotLoggedIn:
      return kExitNotLoggedIn;
    case ApiError::Kind::kLocal:
      return kExitApiError;
    case ApiError::Kind::kApi:
      if (error.http_status == 401 && error.code != "INVALID_CREDENTIALS") return kExitNotLoggedIn;
      return kExitApiError;
  }
  return kExitApiError;
}

std::string FormatError(const ApiError& error) {
  std::string line = "error: " + Printable(error.message);
  std::vector<std::string> details;
  if (!error.code.empty()) details.push_back(Printable(error.code));
  if (!error.request_id.empty()) details.push_back("request " + Printable(error.request_id));
  if (!details.empty()) line += " (" + fmt::format("{}", fmt::join(details, ", ")) + ")";
  return line;
}

std::string Printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) c = '?';
  }
  return out;
}

const Json& Field(const Json& object, std::string_view key) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string StringField(const Json& object, std::string_view key) {
  const Json& value = Field(object, key);
  return value.is_string() ? value.get<std::string>() : std::string();
}

int64_t IntField(const Json& object, std::string_view key, int64_t fallback) {
  const Json& value = Field(object, key);
  return value.is_number_integer() ? value.get<int64_t>() : fallback;
}

std::string Text(const Json& object, std::string_view key) {
  const Json& value = Field(object, key);
  if (value.is_null()) return "-";
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    return text.empty() ? "-" : text;
  }
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string YesNo(const Json& object, std::string_view key) {
  const Json& value = Field(object, key);
  if (!value.is_boolean()) return "-";
  return value.get<bool>() ? "yes" : "no";
}

std::string RelativeTime(TimePoint t, TimePoint now) {
  using namespace std::chrono;
  auto diff = duration_cast<seconds>(t - now).count();
  bool future = diff > 0;
  int64_t s = future ? diff : -diff;
  if (s < 60) return future ? "in under a minute" : "just now";
  std::string amount;
  // Rounded to the nearest unit: a 12-hour session seen a second later still "expires in 12 hours".
  if (s < 3600 - 30) {
    amount = Plural((s + 30) / 60, "minute");
  } else if (s < 2 * 86400 - 1800) {
    amount = Plural((s + 1800) / 3600, "hour");
  } else if (s <= 30 * 86400) {
    amount = Plural((s + 43200) / 86400, "day");
  } else {
    return FormatRfc3339(t).substr(0, 10);
  }
  return future ? "in " + amount : amount + " ago";
}

std::string HumanTime(const Json& rfc3339, const Clock& clock, std::string_view absent) {
  if (!rfc3339.is_string()) return std::string(absent);
  const auto& text = rfc3339.get_ref<const std::string&>();
  if (text.empty()) return std::string(absent);
  auto t = ParseRfc3339(text);
  if (!t) return text;
  return RelativeTime(*t, clock.Now());
}

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::AddRow(std::vector<std::string> cells) {
  assert(cells.size() == headers_.size());
  cells.resize(headers_.size());
  for (auto& cell : cells) cell = Printable(cell);
  rows_.push_back(std::move(cells));
}

void Table::Print(std::ostream& out) const {
  std::vector<size_t> widths(headers_.size());
  for (size_t c = 0; c < headers_.size(); ++c) {
    widths[c] = DisplayWidth(headers_[c]);
    for (const auto& row : rows_) widths[c] = std::max(widths[c], DisplayWidth(row[c]));
  }
  auto print_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t c = 0; c < cells.size(); ++c) {
      line += cells[c];
      if (c + 1 < cells.size()) line.append(widths[c] - DisplayWidth(cells[c]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  };
  std::vector<std::string> upper = headers_;
  for (auto& h : upper) {
    for (char& ch : h) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  print_row(upper);
  for (const auto& row : rows_) print_row(row);
}

void PrintFields(std::ostream& out,
                 const std::vector<std::pair<std::string, std::string>>& fields) {
  size_t width = 0;
  for (const auto& [key, value] : fields) width = std::max(width, DisplayWidth(key) + 1);
  for (const auto& [key, value] : fields) {
    std::string line = key + ":";
    line.append(width - DisplayWidth(key) - 1 + 2, ' ');
    line += Printable(value);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

void PrintJson(std::ostream& out, const Json& json) {
  out << json.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
}

}  // namespace sluice::cli
