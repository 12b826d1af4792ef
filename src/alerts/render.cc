#include "alerts/render.h"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>

#include "common/clock.h"
#include "http/client.h"

namespace sluice::alerts {

namespace {

std::string Hmac(std::string_view key, std::string_view message) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  unsigned char out[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&state, out);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

std::string FactText(const Json& facts, const std::string& key) {
  if (!facts.is_object() || !facts.contains(key)) return "";
  const Json& value = facts[key];
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

bool Has(const Json& facts, const char* key) {
  return facts.is_object() && facts.contains(key) && !facts[key].is_null() &&
         !(facts[key].is_string() && facts[key].get<std::string>().empty());
}

// Lines of the default body, as (label, value) pairs; values are plain text.
std::vector<std::pair<std::string, std::string>> FactLines(const Json& facts) {
  std::vector<std::pair<std::string, std::string>> lines;
  lines.emplace_back("What", FactText(facts, "summary"));
  if (Has(facts, "app")) {
    std::string app = FactText(facts, "app");
    if (Has(facts, "team")) app += " (team " + FactText(facts, "team") + ")";
    lines.emplace_back("Application", app);
  }
  if (Has(facts, "cluster")) {
    std::string cluster = FactText(facts, "cluster");
    if (Has(facts, "affected_jobs")) {
      cluster += fmt::format(" ({} jobs affected)", FactText(facts, "affected_jobs"));
    }
    lines.emplace_back("Cluster", cluster);
  }
  if (Has(facts, "state")) {
    std::string state = FactText(facts, "state");
    if (Has(facts, "since")) state += " since " + FactText(facts, "since");
    lines.emplace_back("State", state);
  }
  if (Has(facts, "max_restarts")) {
    lines.emplace_back("Restarts", fmt::format("{} of {}", FactText(facts, "restart"),
                                               FactText(facts, "max_restarts")));
  }
  return lines;
}

std::string DefaultMarkdown(const Json& facts, bool links) {
  std::string text;
  for (const auto& [label, value] : FactLines(facts)) {
    text += fmt::format("**{}**: {}\n", label, value);
  }
  if (Has(facts, "exception")) {
    text += "**Last exception**:\n```\n" + FactText(facts, "exception") + "\n```\n";
  }
  if (links) {
    std::vector<std::string> parts;
    if (Has(facts, "sluice_url")) {
      parts.push_back(fmt::format("[Open in Sluice]({})", FactText(facts, "sluice_url")));
    }
    if (Has(facts, "flink_url")) {
      parts.push_back(fmt::format("[Flink web UI]({})", FactText(facts, "flink_url")));
    }
    for (size_t i = 0; i < parts.size(); ++i) text += (i ? " | " : "") + parts[i];
    if (!parts.empty()) text += "\n";
  }
  return text;
}

std::string Title(const Json& facts, const Json& channel_template) {
  if (channel_template.is_object() && channel_template.contains("title")) {
    return ExpandTemplate(channel_template["title"].get<std::string>(), facts);
  }
  return FactText(facts, "title");
}

// The body: the template's text when there is one, else the default markdown.
std::string Body(const Json& facts, const Json& channel_template, bool links) {
  if (channel_template.is_object() && channel_template.contains("text")) {
    return ExpandTemplate(channel_template["text"].get<std::string>(), facts);
  }
  return DefaultMarkdown(facts, links);
}

std::vector<std::pair<std::string, std::string>> Links(const Json& facts) {
  std::vector<std::pair<std::string, std::string>> links;
  if (Has(facts, "sluice_url")) links.emplace_back("Open in Sluice", FactText(facts, "sluice_url"));
  if (Has(facts, "flink_url")) links.emplace_back("Flink web UI", FactText(facts, "flink_url"));
  return links;
}

bool Severe(const Json& facts) {
  std::string rule = FactText(facts, "rule");
  return rule != "test";
}

// The channel's template, or null.
Json TemplateOf(const Json& config) {
  return config.is_object() ? config.value("template", Json()) : Json();
}

const std::vector<std::pair<std::string, std::string>> kJson = {
    {"Content-Type", "application/json; charset=utf-8"}};

}  // namespace

const std::vector<std::string>& TemplateKeys() {
  static const std::vector<std::string> kKeys = {
      "rule",          "title",   "summary",      "app",       "app_id",     "team",      "state",
      "since",         "restart", "max_restarts", "exception", "sluice_url", "flink_url", "cluster",
      "affected_jobs", "at"};
  return kKeys;
}

Status ValidateTemplate(std::string_view text, std::string_view field) {
  if (text.size() > 16 * 1024) {
    return Error(ErrorCode::ALERT_TEMPLATE_INVALID,
                 fmt::format("'{}' is longer than 16 KiB", field), std::string(field));
  }
  size_t at = 0;
  while ((at = text.find("{{", at)) != std::string_view::npos) {
    size_t end = text.find("}}", at + 2);
    if (end == std::string_view::npos) {
      return Error(ErrorCode::ALERT_TEMPLATE_INVALID,
                   fmt::format("'{}' has an unclosed '{{{{' at character {}", field, at + 1),
                   std::string(field));
    }
    std::string key(text.substr(at + 2, end - at - 2));
    key.erase(0, key.find_first_not_of(' '));
    key.erase(key.find_last_not_of(' ') + 1);
    const auto& keys = TemplateKeys();
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      std::string known;
      for (size_t i = 0; i < keys.size(); ++i) known += (i ? ", " : "") + keys[i];
      return Error(ErrorCode::ALERT_TEMPLATE_INVALID,
                   fmt::format("'{}' uses the unknown placeholder {{{{{}}}}}; known: {}", field,
                               key.substr(0, 40), known),
                   std::string(field));
    }
    at = end + 2;
  }
  return Status::Ok();
}

std::string ExpandTemplate(std::string_view text, const Json& facts) {
  std::string out;
  size_t at = 0;
  while (true) {
    size_t open = text.find("{{", at);
    if (open == std::string_view::npos) break;
    size_t end = text.find("}}", open + 2);
    if (end == std::string_view::npos) break;
    out.append(text.substr(at, open - at));
    std::string key(text.substr(open + 2, end - open - 2));
    key.erase(0, key.find_first_not_of(' '));
    key.erase(key.find_last_not_of(' ') + 1);
    out += FactText(facts, key);
    at = end + 2;
  }
  out.append(text.substr(at));
  return out;
}

RenderedText RenderText(const Json& facts, const Json& channel_template) {
  return {Title(facts, channel_template), Body(facts, channel_template, true)};
}

std::string Base64(std::string_view bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the NUL
  return out;
}

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  std::string mac = Hmac(key, message);
  std::string out(mac.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(mac.data()),
                 mac.size());
  out.resize(mac.size() * 2);
  return out;
}

std::string LarkSign(int64_t timestamp_seconds, std::string_view secret) {
  return Base64(Hmac(fmt::format("{}\n{}", timestamp_seconds, secret), ""));
}

std::string DingTalkSign(int64_t timestamp_ms, std::string_view secret) {
  return Base64(Hmac(secret, fmt::format("{}\n{}", timestamp_ms, secret)));
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

WebhookPost RenderLark(const Json& config, const Json& facts, int64_t now_ms) {
  const Json tmpl = TemplateOf(config);
  Json elements = Json::array();
  elements.push_back(
      {{"tag", "div"}, {"text", {{"tag", "lark_md"}, {"content", Body(facts, tmpl, false)}}}});
  Json actions = Json::array();
  bool first = true;
  for (const auto& [label, url] : Links(facts)) {
    actions.push_back({{"tag", "button"},
                       {"text", {{"tag", "plain_text"}, {"content", label}}},
                       {"url", url},
                       {"type", first ? "primary" : "default"}});
    first = false;
  }
  if (!actions.empty()) elements.push_back({{"tag", "action"}, {"actions", actions}});
  Json body = {{"msg_type", "interactive"},
               {"card",
                {{"config", {{"wide_screen_mode", true}}},
                 {"header",
                  {{"title", {{"tag", "plain_text"}, {"content", Title(facts, tmpl)}}},
                   {"template", Severe(facts) ? "red" : "blue"}}},
                 {"elements", elements}}}};
  std::string secret = config.value("secret", "");
  if (!secret.empty()) {
    int64_t ts = now_ms / 1000;
    body["timestamp"] = std::to_string(ts);
    body["sign"] = LarkSign(ts, secret);
  }
  return {config.value("url", ""), kJson, body.dump()};
}

WebhookPost RenderDingTalk(const Json& config, const Json& facts, int64_t now_ms) {
  const Json tmpl = TemplateOf(config);
  std::string title = Title(facts, tmpl);
  Json btns = Json::array();
  for (const auto& [label, url] : Links(facts)) {
    btns.push_back({{"title", label}, {"actionURL", url}});
  }
  Json card = {{"title", title},
               {"text", "### " + title + "\n\n" + Body(facts, tmpl, btns.empty())},
               {"btnOrientation", "1"}};
  if (!btns.empty()) card["btns"] = btns;
  Json body = {{"msgtype", "actionCard"}, {"actionCard", card}};
  std::string url = config.value("url", "");
  std::string secret = config.value("secret", "");
  if (!secret.empty()) {
    url += fmt::format("{}timestamp={}&sign={}", url.find('?') == std::string::npos ? '?' : '&',
                       now_ms, http::PercentEncode(DingTalkSign(now_ms, secret)));
  }
  return {url, kJson, body.dump()};
}

WebhookPost RenderWeCom(const Json& config, const Json& facts) {
  const Json tmpl = TemplateOf(config);
  std::string content = fmt::format("## <font color=\"warning\">{}</font>\n", Title(facts, tmpl)) +
                        Body(facts, tmpl, true);
  Json body = {{"msgtype", "markdown"}, {"markdown", {{"content", content}}}};
  return {config.value("url", ""), kJson, body.dump()};
}

WebhookPost RenderSlack(const Json& config, const Json& facts) {
  const Json tmpl = TemplateOf(config);
  std::string title = Title(facts, tmpl);
  std::string text = Body(facts, tmpl, false);
  // Slack's mrkdwn: *bold*, not **bold**.
  std::string mrkdwn;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 2, "**") == 0) {
      mrkdwn += '*';
      ++i;
    } else {
      mrkdwn += text[i];
    }
  }
  Json blocks = Json::array();
  blocks.push_back(
      {{"type", "header"}, {"text", {{"type", "plain_text"}, {"text", title.substr(0, 150)}}}});
  blocks.push_back({{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", mrkdwn}}}});
  Json buttons = Json::array();
  for (const auto& [label, url] : Links(facts)) {
    buttons.push_back(
        {{"type", "button"}, {"text", {{"type", "plain_text"}, {"text", label}}}, {"url", url}});
  }
  if (!buttons.empty()) blocks.push_back({{"type", "actions"}, {"elements", buttons}});
  Json body = {{"text", title}, {"blocks", blocks}};
  return {config.value("url", ""), kJson, body.dump()};
}

WebhookPost RenderWebhook(const Json& config, const Json& facts) {
  const Json tmpl = TemplateOf(config);
  RenderedText rendered = RenderText(facts, tmpl);
  Json body = {{"alert", facts}, {"title", rendered.title}, {"text", rendered.text}};
  WebhookPost post{config.value("url", ""), kJson, body.dump()};
  if (config.contains("headers") && config["headers"].is_object()) {
    for (const auto& [name, value] : config["headers"].items()) {
      post.headers.emplace_back(name, value.get<std::string>());
    }
  }
  std::string secret = config.value("secret", "");
  if (!secret.empty()) {
    post.headers.emplace_back("X-Sluice-Signature", "sha256=" + HmacSha256Hex(secret, post.body));
  }
  return post;
}

EmailMessage RenderEmail(const Json& config, const Json& facts) {
  const Json tmpl = TemplateOf(config);
  EmailMessage mail;
  mail.subject = "[Sluice] " + Title(facts, tmpl);
  if (tmpl.is_object() && tmpl.contains("text")) {
    mail.text = ExpandTemplate(tmpl["text"].get<std::string>(), facts);
    mail.html = "<html><body><pre>" + HtmlEscape(mail.text) + "</pre></body></html>";
    return mail;
  }
  std::string text = Title(facts, tmpl) + "\n\n";
  std::string rows;
  for (const auto& [label, value] : FactLines(facts)) {
    text += fmt::format("{}: {}\n", label, value);
    rows += fmt::format(
        "<tr><th align=\"left\" style=\"padding:4px 12px 4px 0\">{}</th><td>{}</td></tr>\n",
        HtmlEscape(label), HtmlEscape(value));
  }
  std::string exception_html;
  if (Has(facts, "exception")) {
    text += "\nLast exception:\n" + FactText(facts, "exception") + "\n";
    exception_html = "<h3>Last exception</h3>\n<pre style=\"background:#f6f6f6;padding:8px\">" +
                     HtmlEscape(FactText(facts, "exception")) + "</pre>\n";
  }
  std::string links_html;
  for (const auto& [label, url] : Links(facts)) {
    text += fmt::format("{}: {}\n", label, url);
    links_html += fmt::format("<a href=\"{}\" style=\"margin-right:16px\">{}</a>", HtmlEscape(url),
                              HtmlEscape(label));
  }
  mail.text = text;
  mail.html = fmt::format(
      "<!DOCTYPE html>\n<html><body style=\"font-family:sans-serif\">\n"
      "<h2 style=\"color:{}\">{}</h2>\n<table>\n{}</table>\n{}<p>{}</p>\n</body></html>\n",
      Severe(facts) ? "#c0392b" : "#2c3e50", HtmlEscape(Title(facts, tmpl)), rows, exception_html,
      links_html);
  return mail;
}

}  // namespace sluice::alerts
