#include "core/http.h"

#include <curl/curl.h>

#include <memory>

namespace ap {
namespace {

using Curl = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;

std::size_t append(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

HttpReply perform(CURL* curl, const std::string& url, double timeout_s) {
  HttpReply reply;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_s * 1000.0));
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  const CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  // Nothing was sent when the host could not be resolved or connected to.
  reply.sent = rc != CURLE_COULDNT_RESOLVE_HOST && rc != CURLE_COULDNT_CONNECT && rc != CURLE_URL_MALFORMAT &&
               rc != CURLE_UNSUPPORTED_PROTOCOL && rc != CURLE_FAILED_INIT;
  if (rc != CURLE_OK) reply.error = curl_easy_strerror(rc);
  return reply;
}

}  // namespace

HttpReply http_get(const std::string& url, double timeout_s) {
  Curl curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return {0, false, {}, "cannot start libcurl"};
  return perform(curl.get(), url, timeout_s);
}

HttpReply http_post_form(const std::string& url, const std::vector<std::pair<std::string, std::string>>& fields,
                         double timeout_s) {
  Curl curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return {0, false, {}, "cannot start libcurl"};
  std::string body;
  for (const auto& [name, value] : fields) {
    if (!body.empty()) body += '&';
    body += url_escape(name);
    body += '=';
    body += url_escape(value);
  }
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.c_str());
  return perform(curl.get(), url, timeout_s);
}

std::string url_escape(std::string_view text) {
  Curl curl(curl_easy_init(), &curl_easy_cleanup);
  char* e = curl_easy_escape(curl.get(), text.data(), static_cast<int>(text.size()));
  std::string out(e ? e : "");
  curl_free(e);
  return out;
}

}  // namespace ap
