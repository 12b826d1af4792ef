// Sending one alert to one channel: the side effect behind a small interface (`Sender`), so the
// outbox and the rules are tested with a fake, and the real one (`CurlSender`) speaks HTTP(S) to
// the chat tools' webhooks and SMTP (with STARTTLS or implicit TLS, and login) through libcurl.
//
// A send succeeds when the receiver accepted the alert: a 2xx answer, and for Lark/Feishu
// `"code": 0` (or `"StatusCode": 0`), for DingTalk and WeCom `"errcode": 0`, which is how those
// tools say a signature or token was refused; for email the SMTP server's acceptance of the
// message. Failures are ALERT_DELIVERY_FAILED with a message fit for people (the receiver's
// answer clipped, curl's reason), never the URL's token or a password.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/json.h"
#include "common/result.h"
#include "http/client.h"

namespace sluice::alerts {

class Sender {
 public:
  virtual ~Sender() = default;
  // `kind` and `config` (secrets in the clear) of the channel; `facts` of the alert. Thread-safe.
  virtual Status Send(const std::string& kind, const Json& config, const Json& facts) = 0;
};

struct CurlSenderOptions {
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds timeout{10000};
};

class CurlSender final : public Sender {
 public:
  explicit CurlSender(CurlSenderOptions options = {});
  Status Send(const std::string& kind, const Json& config, const Json& facts) override;

 private:
  Status SendEmail(const Json& config, const Json& facts);
  Status SendWebhook(const std::string& kind, const Json& config, const Json& facts);

  CurlSenderOptions options_;
  http::CurlHttpClient http_;
};

}  // namespace sluice::alerts
