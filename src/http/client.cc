#include "http/client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>

namespace sluice::http {

namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Sink {
  std::string* body;
  size_t max_bytes;
  bool too_large = false;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t n = size * count;
  if (sink->body->size() + n > sink->max_bytes) {
    sink->too_large = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  sink->body->append(data, n);
  return n;
}

size_t WriteHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    // A status line starts a new header block (e.g. after "100 Continue"): forget the old one.
    if (line.starts_with("HTTP/")) headers->clear();
    return n;
  }
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  (*headers)[name] = std::string(value);
  return n;
}

struct EasyDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct MimeDeleter {
  void operator()(curl_mime* mime) const { curl_mime_free(mime); }
};

ClientFailure Failure(ClientFailure::Kind kind, std::string message) {
  return ClientFailure{kind, std::move(message)};
}

bool HasLineBreak(std::string_view text) { return text.find_first_of("\r\n") != text.npos; }

// Which kind of failure a curl error is. Errors that cannot happen before the request was written
// default to kOther: calling a sent request "not sent" could make a caller send a POST twice,
// while the opposite mistake only costs a failover.
ClientFailure::Kind Classify(CURLcode rc, CURL* h) {
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_NOT_BUILT_IN:
      return ClientFailure::Kind::kInvalidRequest;
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
      return ClientFailure::Kind::kCouldNotConnect;
    case CURLE_OPERATION_TIMEDOUT: {
      // The same code covers "connect timed out" and "no answer in time"; only a completed TCP
      // connect can have carried any of the request.
      curl_off_t connect_time = 0;
      if (curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connect_time) == CURLE_OK &&
          connect_time == 0) {
        return ClientFailure::Kind::kCouldNotConnect;
      }
      return ClientFailure::Kind::kTimeout;
    }
    default:
      return ClientFailure::Kind::kOther;
  }
}

}  // namespace

std::string_view FailureKindName(ClientFailure::Kind kind) {
  switch (kind) {
    case ClientFailure::Kind::kCouldNotConnect:
      return "could not connect";
    case ClientFailure::Kind::kTimeout:
      return "timeout";
    case ClientFailure::Kind::kInvalidRequest:
      return "invalid request";
    case ClientFailure::Kind::kOther:
      return "transport failure";
  }
  return "transport failure";
}

std::string PercentEncode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

CurlHttpClient::CurlHttpClient(CurlHttpClientOptions options) : options_(std::move(options)) {
  GlobalInitOnce();
}

ClientResult CurlHttpClient::Send(const ClientRequest& request) {
  using Kind = ClientFailure::Kind;
  if (request.upload && !request.body.empty()) {
    return Failure(Kind::kInvalidRequest, "a request cannot have both a body and a file upload");
  }
  if (HasLineBreak(request.method) || HasLineBreak(request.url)) {
    return Failure(Kind::kInvalidRequest, "the method or URL contains a line break");
  }
  for (const auto& [name, value] : request.headers) {
    // Named without its value: the value may be a secret.
    if (HasLineBreak(name) || HasLineBreak(value)) {
      return Failure(Kind::kInvalidRequest,
                     fmt::format("request header '{}' contains a line break",
                                 HasLineBreak(name) ? std::string("?") : name));
    }
  }

  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (!curl) return Failure(Kind::kInvalidRequest, "cannot start an HTTP client (libcurl)");
  CURL* h = curl.get();

  std::vector<std::string> lines;
  for (const auto& [name, value] : request.headers) lines.push_back(name + ": " + value);
  // Without this, curl sends "Expect: 100-continue" for larger bodies and waits for an answer.
  if (!request.body.empty() || request.upload) lines.emplace_back("Expect:");
  std::unique_ptr<curl_slist, SlistDeleter> header_list;
  for (const std::string& line : lines) {
    curl_slist* head = curl_slist_append(header_list.get(), line.c_str());
    if (head == nullptr) return Failure(Kind::kInvalidRequest, "out of memory building headers");
    // Appending returns the same head once the list exists; own it from the first append on.
    if (!header_list) header_list.reset(head);
  }

  std::unique_ptr<curl_mime, MimeDeleter> mime;
  if (request.upload) {
    const UploadFile& upload = *request.upload;
    // Checked here so a missing file is a clear local error, not a curl read error mid-request.
    std::error_code ec;
    if (!std::filesystem::is_regular_file(upload.path, ec)) {
      return Failure(Kind::kInvalidRequest,
                     fmt::format("the file to upload, {}, does not exist or is not a regular file",
                                 upload.path));
    }
    if (std::FILE* f = std::fopen(upload.path.c_str(), "rb"); f != nullptr) {
      std::fclose(f);
    } else {
      return Failure(Kind::kInvalidRequest,
                     fmt::format("the file to upload, {}, cannot be read", upload.path));
    }
    mime.reset(curl_mime_init(h));
    curl_mimepart* part = mime ? curl_mime_addpart(mime.get()) : nullptr;
    if (part == nullptr || curl_mime_name(part, upload.field_name.c_str()) != CURLE_OK ||
        curl_mime_filedata(part, upload.path.c_str()) != CURLE_OK ||
        curl_mime_filename(part, upload.filename.c_str()) != CURLE_OK ||
        curl_mime_type(part, upload.content_type.empty()
                                 ? "application/octet-stream"
                                 : upload.content_type.c_str()) != CURLE_OK) {
      return Failure(Kind::kInvalidRequest, "cannot build the multipart upload");
    }
  }

  ClientResponse response;
  Sink sink{&response.body, options_.max_response_bytes};
  char error_buffer[CURL_ERROR_SIZE] = {0};
  std::chrono::milliseconds connect_timeout =
      request.connect_timeout.value_or(options_.connect_timeout);
  std::chrono::milliseconds total_timeout = request.timeout.value_or(options_.total_timeout);

  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  // HTTP/1.1 only: both peers (Sluice, Flink) speak it, and the "was anything sent" reasoning in
  // Classify() holds for it.
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(total_timeout.count()));
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &response.headers);
  curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
  if (mime) {
    curl_easy_setopt(h, CURLOPT_MIMEPOST, mime.get());
    if (request.method != "POST") {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  } else if (request.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (!request.body.empty() || request.method == "POST") {
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.c_str());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
  }

  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    if (sink.too_large) {
      return Failure(Kind::kOther, fmt::format("the answer was larger than {} bytes",
                                               options_.max_response_bytes));
    }
    Kind kind = Classify(rc, h);
    if (kind == Kind::kTimeout) {
      return Failure(kind, fmt::format("no answer within {} ms", total_timeout.count()));
    }
    // curl's own reason names the host and port at most; it never quotes request headers.
    std::string reason = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc);
    return Failure(kind, reason);
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace sluice::http
