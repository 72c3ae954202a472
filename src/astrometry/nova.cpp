#include "astrometry/nova.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/fits.h"
#include "core/http.h"
#include "core/log.h"

namespace ap::astrometry {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using Form = std::vector<std::pair<std::string, std::string>>;

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\r"), b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

// One conversation with the service, within a deadline.
class Session {
 public:
  Session(const NovaOptions& o, Clock::time_point deadline) : o_(o), deadline_(deadline) {}

  double remaining() const { return std::chrono::duration<double>(deadline_ - Clock::now()).count(); }
  void sleep(double s) const {
    std::this_thread::sleep_for(std::chrono::duration<double>(std::max(0.0, std::min(s, remaining()))));
  }

  // Retried after network errors and HTTP 5xx, with back-off; with
  // `once` (the upload) only when it never reached the server, so that a
  // submission is never made twice.
  std::string request(const std::string& path, const Form* form, bool once = false) {
    const std::string url = o_.url + "/" + path;
    double wait = o_.retry_s;
    for (int attempt = 0;; ++attempt) {
      const double timeout = std::max(1.0, std::min(60.0, remaining()));
      const HttpReply r = form ? http_post_form(url, *form, timeout) : http_get(url, timeout);
      if (r.error.empty() && r.status < 500) {
        if (r.status >= 400) fail(path, fmt::format("HTTP {}", r.status));
        return r.body;
      }
      const std::string what = r.error.empty() ? fmt::format("HTTP {}", r.status) : r.error;
      if ((once && r.sent) || attempt >= o_.retries || remaining() <= wait)
        fail(path, fmt::format("{} (after {} attempt{})", what, attempt + 1, attempt ? "s" : ""));
      logger("solve")->warn("{}: {}; retrying in {:.1f} s", url, what, wait);
      sleep(wait);
      wait *= 2.0;
    }
  }

  json call(const std::string& path, const Form* form = nullptr, bool once = false) {
    const std::string body = request(path, form, once);
    json j;
    try {
      j = json::parse(body);
    } catch (const json::exception&) {
      fail(path, "malformed reply (not JSON)");
    }
    if (!j.is_object()) fail(path, "malformed reply (not a JSON object)");
    if (j.value("status", "") == "error") fail(path, fmt::format("refused: {}", j.value("errormessage", "no reason given")));
    return j;
  }

  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw Error(ExitCode::kFailed, fmt::format("astrometry.net ({}/{}): {}", o_.url, path, what));
  }

 private:
  const NovaOptions& o_;
  Clock::time_point deadline_;
};

// The settings the original sent (astroquery's solve_from_source_list).
json upload_settings(const std::vector<Detection>& stars, double width, double height, const SolveHints& hints,
                     const SolveOptions& o, const std::string& session) {
  json j = {{"session", session}, {"publicly_visible", "n"}, {"allow_modifications", "d"},
            {"allow_commercial_use", "d"}, {"parity", 2}, {"positional_error", 10},
            {"crpix_center", true}, {"tweak_order", o.use_sip ? o.sip_order : 0},
            {"image_width", width}, {"image_height", height}};
  if (hints.scale_arcsec) {
    j["scale_units"] = "arcsecperpix";
    j["scale_type"] = "ul";
    j["scale_lower"] = *hints.scale_arcsec / o.scale_err_ratio;
    j["scale_upper"] = *hints.scale_arcsec * o.scale_err_ratio;
  }
  if (hints.ra && hints.dec) {
    const double fov = hints.scale_arcsec ? std::hypot(width, height) * *hints.scale_arcsec / 3600.0 : 4.0;
    j["center_ra"] = *hints.ra;
    j["center_dec"] = *hints.dec;
    j["radius"] = o.radius_deg > 0 ? o.radius_deg : std::ceil(fov * 1.5 * o.scale_err_ratio);
  }
  json x = json::array(), y = json::array();
  for (std::size_t i = 0; i < std::min(stars.size(), o.max_stars); ++i) x.push_back(stars[i].x), y.push_back(stars[i].y);
  j["x"] = x;
  j["y"] = y;
  return j;
}

// The first job id of a submission, once the service has made one.
std::optional<long> first_job(const json& submission) {
  const auto it = submission.find("jobs");
  if (it == submission.end() || !it->is_array()) return std::nullopt;
  for (const json& job : *it)
    if (job.is_number_integer()) return job.get<long>();
  return std::nullopt;
}

}  // namespace

NovaOptions NovaOptions::defaults() {
  NovaOptions o;
  const char* url = std::getenv("AP_NOVA_URL");
  o.url = url && *url ? url : "https://nova.astrometry.net";
  return o;
}

std::string nova_api_key(const std::string& option) {
  if (!option.empty()) return option;
  if (const char* env = std::getenv("AP_ASTROMETRY_API_KEY"); env && *env) return env;
  if (const char* home = std::getenv("HOME")) {
    std::ifstream cfg(std::filesystem::path(home) / ".astropy/config/astroquery.cfg");
    bool section = false;
    for (std::string line; std::getline(cfg, line);) {
      line = trim(line);
      if (line.starts_with("[")) section = line == "[astrometry_net]";
      const auto eq = line.find('=');
      if (section && eq != std::string::npos && trim(line.substr(0, eq)) == "api_key") {
        const std::string key = trim(line.substr(eq + 1));
        if (!key.empty()) return key;
      }
    }
  }
  throw Error(ExitCode::kUsage, "the nova backend needs an astrometry.net API key: --key KEY, AP_ASTROMETRY_API_KEY, "
                                "or api_key in [astrometry_net] of ~/.astropy/config/astroquery.cfg");
}

Solution solve_nova(const std::vector<Detection>& stars, double width, double height, const SolveHints& hints,
                    const SolveOptions& o, const NovaOptions& nova) {
  const auto t0 = Clock::now();
  Solution s;
  if (stars.size() < 4) {
    s.reason = fmt::format("{} stars: too few to solve", stars.size());
    return s;
  }
  Session session(nova, t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.timeout_s)));
  auto log = logger("solve");
  const auto form = [](const json& j) { return Form{{"request-json", j.dump()}}; };

  const auto login_form = form({{"apikey", nova.api_key}});
  const json login = session.call("api/login", &login_form);
  const std::string key = login.value("session", "");
  if (key.empty()) session.fail("api/login", "no session in the reply");
  const auto upload_form = form(upload_settings(stars, width, height, hints, o, key));
  const json upload = session.call("api/url_upload", &upload_form, true);
  if (!upload.contains("subid") || !upload["subid"].is_number_integer()) session.fail("api/url_upload", "no submission id in the reply");
  const long subid = upload["subid"].get<long>();
  log->info("astrometry.net submission {}", subid);

  // Follow that submission (and only it) until its job ends.
  std::optional<long> job;
  for (;;) {
    if (!job) job = first_job(session.call(fmt::format("api/submissions/{}", subid)));
    if (job) {
      const std::string status = session.call(fmt::format("api/jobs/{}/info", *job)).value("status", "");
      if (status == "success") break;
      if (status == "failure") {
        s.reason = fmt::format("no solution: astrometry.net job {} failed", *job);
        return s;
      }
    }
    if (session.remaining() <= nova.poll_s) {
      s.reason = fmt::format("no solution within {} s (astrometry.net submission {} {})", o.timeout_s, subid,
                             job ? fmt::format("job {} still running", *job) : std::string("not started"));
      return s;
    }
    session.sleep(nova.poll_s);
  }

  // The job's WCS and the catalogue stars of its field.
  const std::string wcs_file = session.request(fmt::format("wcs_file/{}", *job), nullptr);
  const std::string rdls_file = session.request(fmt::format("rdls_file/{}", *job), nullptr);
  std::optional<Wcs> wcs;
  std::vector<Reference> refs;
  try {
    wcs = Wcs::from_header(read_hdu_list_memory(wcs_file.data(), wcs_file.size(), "wcs_file").front().header);
    const Table rdls = read_table_memory(rdls_file.data(), rdls_file.size(), "rdls_file", "");
    const std::vector<double> ra = rdls.numbers("RA"), dec = rdls.numbers("DEC");
    for (std::size_t i = 0; i < ra.size(); ++i) refs.push_back({ra[i], dec[i]});
  } catch (const Error& e) {
    session.fail(fmt::format("wcs_file/{}", *job), fmt::format("unreadable result: {}", e.what()));
  }
  if (!wcs) session.fail(fmt::format("wcs_file/{}", *job), "no WCS in the result");
  s.index = fmt::format("nova job {}", *job);
  return refine_solution(stars, width, height, *wcs, refs, o, std::move(s), t0);
}

}  // namespace ap::astrometry
