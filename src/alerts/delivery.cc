#include "alerts/delivery.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <memory>

#include "alerts/render.h"
#include "common/clock.h"

namespace sluice::alerts {

namespace {

Error Failed(std::string message) {
  return Error(ErrorCode::ALERT_DELIVERY_FAILED, std::move(message));
}

std::string Clip(std::string text, size_t n = 200) {
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return text.size() > n ? text.substr(0, n) + "..." : text;
}

// "=?UTF-8?B?...?=" so any subject survives SMTP.
std::string EncodedHeader(const std::string& text) { return "=?UTF-8?B?" + Base64(text) + "?="; }

std::string Angle(const std::string& address) {
  return address.find('<') == std::string::npos ? "<" + address + ">" : address;
}

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct MimeDeleter {
  void operator()(curl_mime* mime) const { curl_mime_free(mime); }
};

std::string RfcDate() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buffer;
}

}  // namespace

CurlSender::CurlSender(CurlSenderOptions options)
    : options_(options),
      http_(http::CurlHttpClientOptions{options.connect_timeout, options.timeout, 1 << 20,
                                        "sluice/" SLUICE_VERSION}) {}

Status CurlSender::Send(const std::string& kind, const Json& config, const Json& facts) {
  if (kind == "email") return SendEmail(config, facts);
  return SendWebhook(kind, config, facts);
}

Status CurlSender::SendWebhook(const std::string& kind, const Json& config, const Json& facts) {
  const int64_t now = ToUnixMillis(std::chrono::system_clock::now());
  WebhookPost post;
  if (kind == "lark") {
    post = RenderLark(config, facts, now);
  } else if (kind == "dingtalk") {
    post = RenderDingTalk(config, facts, now);
  } else if (kind == "wecom") {
    post = RenderWeCom(config, facts);
  } else if (kind == "slack") {
    post = RenderSlack(config, facts);
  } else {
    post = RenderWebhook(config, facts);
  }
  http::ClientRequest request;
  request.method = "POST";
  request.url = post.url;
  request.headers = post.headers;
  request.body = post.body;
  http::ClientResult answer = http_.Send(request);
  if (!answer.ok()) {
    return Failed(fmt::format("the {} receiver did not answer ({}): {}", kind,
                              http::FailureKindName(answer.failure().kind),
                              Clip(answer.failure().message)));
  }
  if (answer->status < 200 || answer->status >= 300) {
    return Failed(fmt::format("the {} receiver answered HTTP {}: {}", kind, answer->status,
                              Clip(answer->body)));
  }
  if (kind == "lark" || kind == "dingtalk" || kind == "wecom") {
    Json body = Json::parse(answer->body, nullptr, false);
    int64_t code = 0;
    if (body.is_object()) {
      for (const char* key : {"code", "StatusCode", "errcode"}) {
        if (body.contains(key) && body[key].is_number_integer()) {
          code = body[key].get<int64_t>();
          break;
        }
      }
    }
    if (code != 0) {
      return Failed(fmt::format("the {} receiver refused the alert: {}", kind, Clip(answer->body)));
    }
  }
  return Status::Ok();
}

Status CurlSender::SendEmail(const Json& config, const Json& facts) {
  EmailMessage mail = RenderEmail(config, facts);
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Failed("cannot start an SMTP client");
  CURL* c = curl.get();
  char errbuf[CURL_ERROR_SIZE] = {0};
  const std::string url = config.value("smtp_url", "");
  const std::string tls = config.value("tls", "starttls");
  const std::string from = config.value("from", "");
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, long(options_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, long(options_.timeout.count()));
  curl_easy_setopt(c, CURLOPT_USE_SSL,
                   tls == "none" ? long(CURLUSESSL_NONE) : long(CURLUSESSL_ALL));
  if (config.contains("ca_file")) {
    curl_easy_setopt(c, CURLOPT_CAINFO, config["ca_file"].get<std::string>().c_str());
  }
  std::string username = config.value("username", "");
  std::string password = config.value("password", "");
  if (!username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, password.c_str());
  }
  std::string mail_from = Angle(from);
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
  std::unique_ptr<curl_slist, SlistDeleter> rcpt;
  std::string to_header;
  for (const Json& to : config.value("to", Json::array())) {
    std::string address = to.get<std::string>();
    rcpt.reset(curl_slist_append(rcpt.release(), Angle(address).c_str()));
    to_header += (to_header.empty() ? "" : ", ") + address;
  }
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());

  std::unique_ptr<curl_slist, SlistDeleter> headers;
  for (const std::string& header :
       {"Date: " + RfcDate(), "From: " + from, "To: " + to_header,
        "Subject: " + EncodedHeader(mail.subject), std::string("MIME-Version: 1.0"),
        std::string("X-Sluice-Rule: ") + facts.value("rule", "")}) {
    headers.reset(curl_slist_append(headers.release(), header.c_str()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

  // multipart/alternative: the plain text first, the HTML last (the one mail readers prefer).
  std::unique_ptr<curl_mime, MimeDeleter> mime(curl_mime_init(c));
  curl_mime* alternative = curl_mime_init(c);
  curl_mimepart* part = curl_mime_addpart(alternative);
  // Quoted-printable keeps every line under SMTP's 1,000 characters (RFC 5321); a Java stack
  // trace or an HTML body on one line would otherwise be refused by the server mid-DATA.
  curl_mime_data(part, mail.text.c_str(), CURL_ZERO_TERMINATED);
  curl_mime_type(part, "text/plain; charset=utf-8");
  curl_mime_encoder(part, "quoted-printable");
  part = curl_mime_addpart(alternative);
  curl_mime_data(part, mail.html.c_str(), CURL_ZERO_TERMINATED);
  curl_mime_type(part, "text/html; charset=utf-8");
  curl_mime_encoder(part, "quoted-printable");
  part = curl_mime_addpart(mime.get());
  curl_mime_subparts(part, alternative);  // owned by `mime` from here
  curl_mime_type(part, "multipart/alternative");
  std::unique_ptr<curl_slist, SlistDeleter> part_headers(
      curl_slist_append(nullptr, "Content-Disposition: inline"));
  curl_mime_headers(part, part_headers.release(), 1);
  curl_easy_setopt(c, CURLOPT_MIMEPOST, mime.get());

  CURLcode code = curl_easy_perform(c);
  if (code != CURLE_OK) {
    std::string reason = errbuf[0] ? errbuf : curl_easy_strerror(code);
    return Failed(
        fmt::format("the SMTP server {} did not take the message: {}", Clip(url), Clip(reason)));
  }
  return Status::Ok();
}

}  // namespace sluice::alerts
