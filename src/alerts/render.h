// What an alert says, and how each channel kind lays it out.
//
// An alert's facts are one JSON object, stored in the outbox row (alerts.facts) and rendered only
// when the alert is sent, so a channel's template can change while alerts wait. The keys (all
// optional but `rule`, `title`, `summary`) are the placeholders a template may use:
//   rule, title, summary, app, app_id, team, state, since, restart, max_restarts, exception,
//   sluice_url, flink_url, cluster, affected_jobs, at
// A template is {"title": "...", "text": "..."} with {{key}} placeholders; a placeholder that is
// not a key above, or an unclosed "{{", is ALERT_TEMPLATE_INVALID naming the field.
//
// Layouts: Lark/Feishu an interactive card (header, lark_md body, buttons), DingTalk an
// actionCard, WeCom markdown, Slack Block Kit (header, mrkdwn section, buttons), the generic
// webhook the facts as JSON with the rendered text, email HTML with a plain-text alternative.
// Signatures: Lark sign = base64(HMAC-SHA256(key = timestamp + "\n" + secret, msg = "")) in the
// body with the timestamp (seconds); DingTalk sign = urlencode(base64(HMAC-SHA256(key = secret,
// msg = timestamp + "\n" + secret))) in the URL with the timestamp (milliseconds); the generic
// webhook, when given a secret, X-Sluice-Signature: sha256=hex(HMAC-SHA256(secret, body)).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace sluice::alerts {

// The placeholders a template may use (the fact keys).
const std::vector<std::string>& TemplateKeys();

// ALERT_TEMPLATE_INVALID (field `field`) for unknown placeholders or unclosed braces.
Status ValidateTemplate(std::string_view text, std::string_view field);
// Replaces {{key}} with the fact's text ("" for a fact not set). Call on validated text only.
std::string ExpandTemplate(std::string_view text, const Json& facts);

// The title and the body (markdown-ish lines) of an alert, from the channel's template when it
// has one, else the default layout.
struct RenderedText {
  std::string title;
  std::string text;
};
RenderedText RenderText(const Json& facts, const Json& channel_template);

// One HTTP post, ready to send.
struct WebhookPost {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// `config` is the channel's config with secrets in the clear; `now_ms` the signing time.
WebhookPost RenderLark(const Json& config, const Json& facts, int64_t now_ms);
WebhookPost RenderDingTalk(const Json& config, const Json& facts, int64_t now_ms);
WebhookPost RenderWeCom(const Json& config, const Json& facts);
WebhookPost RenderSlack(const Json& config, const Json& facts);
WebhookPost RenderWebhook(const Json& config, const Json& facts);

struct EmailMessage {
  std::string subject;
  std::string text;
  std::string html;
};
EmailMessage RenderEmail(const Json& config, const Json& facts);

// The signatures, exposed for tests.
std::string LarkSign(int64_t timestamp_seconds, std::string_view secret);
std::string DingTalkSign(int64_t timestamp_ms, std::string_view secret);  // not url-encoded
std::string HmacSha256Hex(std::string_view key, std::string_view message);
std::string Base64(std::string_view bytes);
std::string HtmlEscape(std::string_view text);

}  // namespace sluice::alerts
