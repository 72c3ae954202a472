#include "astro/sesame.h"

#include <cstdlib>
#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/http.h"
#include "core/log.h"

namespace ap::astro {
namespace {

std::string fetch(const std::string& url, long timeout_s) {
  const HttpReply r = http_get(url, static_cast<double>(timeout_s));
  if (!r.error.empty() || r.status >= 400)
    throw Error(ExitCode::kFailed,
                fmt::format("Sesame ({}): {}", url, r.error.empty() ? fmt::format("HTTP {}", r.status) : r.error));
  return r.body;
}

nlohmann::json load_cache(const std::filesystem::path& file) {
  if (file.empty() || !std::filesystem::exists(file)) return nlohmann::json::object();
  try {
    auto j = nlohmann::json::parse(read_file(file));
    if (j.is_object()) return j;
  } catch (const std::exception&) {
  }
  logger("metadata")->warn("{}: unreadable Sesame cache ignored", file.string());
  return nlohmann::json::object();
}

}  // namespace

SesameOptions SesameOptions::defaults() {
  SesameOptions o;
  const char* url = std::getenv("AP_SESAME_URL");
  o.base_url = url && *url ? url : "https://cds.unistra.fr/cgi-bin/nph-sesame";
  if (const char* dir = std::getenv("AP_CACHE_DIR"); dir && *dir) {
    o.cache_file = std::filesystem::path(dir) / "sesame.json";
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    o.cache_file = std::filesystem::path(home) / ".cache" / "ap" / "sesame.json";
  }
  return o;
}

std::optional<ResolvedTarget> resolve_sesame(std::string_view name, const SesameOptions& o) {
  const std::string key(name);
  nlohmann::json cache = load_cache(o.cache_file);
  if (cache.contains(key) && cache[key].is_array() && cache[key].size() == 2)
    return ResolvedTarget{cache[key][0].get<double>(), cache[key][1].get<double>(), 0.0};

  const std::string body = fetch(fmt::format("{}/-oI/A?{}", o.base_url, url_escape(name)), o.timeout_s);
  // "%J 303.0258333 +38.3547222 = 20:12:06.20 +38:21:17.0": J2000 degrees.
  static const std::regex kJ2000(R"(%J\s+([0-9.]+)\s+([-+]?[0-9.]+))");
  std::smatch m;
  if (!std::regex_search(body, m, kJ2000)) return std::nullopt;
  const ResolvedTarget t{std::stod(m[1].str()), std::stod(m[2].str()), 0.0};
  if (!(t.ra >= 0 && t.ra < 360 && t.dec >= -90 && t.dec <= 90))
    throw Error(ExitCode::kFailed, fmt::format("Sesame: nonsense coordinates for '{}'", key));
  if (!o.cache_file.empty()) {
    cache[key] = {t.ra, t.dec};
    std::error_code ec;
    std::filesystem::create_directories(o.cache_file.parent_path(), ec);
    try {
      write_file_atomically(o.cache_file, cache.dump(1) + "\n");
    } catch (const Error& e) {
      logger("metadata")->warn("{}", e.what());  // a cache that cannot be written is no reason to fail
    }
  }
  return t;
}

}  // namespace ap::astro
