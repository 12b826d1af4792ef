#include "common/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "common/clock.h"

namespace sluice {
namespace {

// Formats each record as {"time":...,"level":...,"msg":...}; nlohmann does the escaping.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    nlohmann::json line = {
        {"time", FormatRfc3339(std::chrono::time_point_cast<TimePoint::duration>(msg.time))},
        {"level", std::string(spdlog::level::to_string_view(msg.level).data(),
                              spdlog::level::to_string_view(msg.level).size())},
        {"msg", std::string(msg.payload.data(), msg.payload.size())},
    };
    std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    text.push_back('\n');
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

Status InitLogging(const LogOptions& options) {
  auto level = spdlog::level::from_str(options.level);
  if (level == spdlog::level::off && options.level != "off") {
    return Error(
        ErrorCode::INVALID_ARGUMENT,
        "unknown log level '" + options.level + "' (use trace, debug, info, warn, error or off)",
        "log_level");
  }
  auto logger = spdlog::stderr_logger_mt("sluice");
  spdlog::drop("sluice");
  if (options.json) {
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  }
  logger->set_level(level);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  return Status::Ok();
}

std::string MaskUrlCredentials(std::string_view url) {
  static const std::regex kUserInfo(R"(([a-zA-Z][a-zA-Z0-9+.\-]*://[^/:@\s]*):[^@/\s]*@)");
  return std::regex_replace(std::string(url), kUserInfo, "$1:***@");
}

std::string RedactSecrets(std::string_view text) {
  std::string out = MaskUrlCredentials(text);
  static const std::regex kBearer(R"((Bearer\s+)[A-Za-z0-9._~+/=\-]+)", std::regex::icase);
  static const std::regex kSluiceToken(R"(\bsl[st]_[A-Za-z0-9_\-]+)");
  static const std::regex kAssignment(
      R"(((password|passwd|secret|token|api_key|apikey)\s*["']?\s*[:=]\s*["']?)[^\s"'&,;}]+)",
      std::regex::icase);
  out = std::regex_replace(out, kBearer, "$1***");
  out = std::regex_replace(out, kSluiceToken, "***");
  out = std::regex_replace(out, kAssignment, "$1***");
  return out;
}

}  // namespace sluice
