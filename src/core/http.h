// Small HTTP client over libcurl for the two online services (CDS Sesame,
// nova.astrometry.net): GET, and POST of form fields. Only called when the
// user asked for the network; tests point them at local servers.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ap {

struct HttpReply {
  long status = 0;    // HTTP status; 0 when no reply arrived
  bool sent = false;  // the request reached the server (a retry could repeat it)
  std::string body;
  std::string error;  // libcurl's message when no reply arrived
};

// Never throws for network trouble: the reply says what happened.
HttpReply http_get(const std::string& url, double timeout_s);
// application/x-www-form-urlencoded fields.
HttpReply http_post_form(const std::string& url, const std::vector<std::pair<std::string, std::string>>& fields,
                         double timeout_s);

// Percent-encoding for a URL path or query part.
std::string url_escape(std::string_view text);

}  // namespace ap
