#include "calib/caldb.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <tuple>

#include "calib/text.h"
#include "core/error.h"

namespace ap {
namespace fs = std::filesystem;
using itelescope::CalibrationType;

namespace {

// Days since the epoch of "YYYY-MM-DD" or "YYYY-MM" (the first of the month);
// nullopt for anything else.
std::optional<long> day_number(std::string_view date) {
  int y = 0;
  unsigned m = 0, d = 1;
  if (date.size() < 7 || std::sscanf(std::string(date).c_str(), "%4d-%2u", &y, &m) != 2) {
    return std::nullopt;
  }
  if (date.size() >= 10 && std::sscanf(std::string(date.substr(8, 2)).c_str(), "%2u", &d) != 1) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m},
                                       std::chrono::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd).time_since_epoch().count();
}

// Sort key: dates not after the light first, then the nearest.
std::pair<int, long> date_rank(const CalEntry& e, long light_day) {
  const long day = day_number(e.date).value_or(0);
  return {day > light_day ? 1 : 0, std::labs(light_day - day)};
}

CalChoice choose(const CalLibrary& lib, const LightInfo& light, CalibrationType type,
                 double tolerance, const fs::path& only_dir = {}) {
  CalChoice c;
  const long light_day = day_number(light.date).value_or(0);
  std::vector<const CalEntry*> ok;
  for (const CalEntry& e : lib.entries) {
    if (e.name.type != type) continue;
    if (!only_dir.empty() && e.path.parent_path() != only_dir) continue;
    std::string why;
    if (e.telescope != light.telescope) {
      why = fmt::format("telescope {} (light: {})", e.telescope, light.telescope);
    } else if (e.name.binning != light.binning) {
      why = fmt::format("binning {} (light: {})", e.name.binning, light.binning);
    } else if (e.name.width != light.width || e.name.height != light.height) {
      why = fmt::format("size {}x{} (light: {}x{})", e.name.width, e.name.height, light.width,
                        light.height);
    } else if (type == CalibrationType::kFlat &&
               calib_text::lower(e.name.filter) != calib_text::lower(light.filter)) {
      why = fmt::format("filter {} (light: {})", e.name.filter, light.filter);
    } else if (std::abs(e.name.temperature_c - light.set_temp) > tolerance) {
      why = fmt::format("temperature {} C (light: {} C, tolerance {} C)", e.name.temperature_c,
                        light.set_temp, tolerance);
    }
    if (why.empty()) {
      ok.push_back(&e);
    } else {
      c.refused.push_back(fmt::format("{}/{}: {}", e.date, e.path.filename().string(), why));
    }
  }
  if (ok.empty()) return c;
  const auto rank = [&](const CalEntry* e) {
    // Darks: an exposure at least as long as the light's first, then the nearest.
    const double exp = e->name.exposure_s;
    const int shorter = type == CalibrationType::kDark && exp < light.exposure_s ? 1 : 0;
    const double gap = type == CalibrationType::kDark ? std::abs(exp - light.exposure_s) : 0.0;
    return std::tuple(shorter, gap, date_rank(*e, light_day), e->path);
  };
  std::sort(ok.begin(), ok.end(), [&](const CalEntry* a, const CalEntry* b) {
    return rank(a) < rank(b);
  });
  c.entry = *ok.front();
  c.why = fmt::format("date {}{}", c.entry->date,
                      type == CalibrationType::kDark
                          ? fmt::format(", exposure {} s for {} s", c.entry->name.exposure_s,
                                        light.exposure_s)
                          : "");
  for (std::size_t i = 1; i < ok.size(); ++i) {
    c.refused.push_back(fmt::format("{}/{}: a better one was found", ok[i]->date,
                                    ok[i]->path.filename().string()));
  }
  return c;
}

}  // namespace

CalLibrary CalLibrary::scan(const fs::path& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    throw input_error(root.string(), "calibration library directory not found");
  }
  CalLibrary lib;
  lib.root = root;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const fs::path& p = it->path();
    auto name = itelescope::parse_calibration_name(p.filename().string());
    if (!name || !name->is_master()) continue;
    // <TEL>/Masters/<Kind>/<date>/<file>
    const fs::path date_dir = p.parent_path();
    const fs::path masters = date_dir.parent_path().parent_path();
    if (masters.filename() != "Masters") continue;
    lib.entries.push_back({p, calib_text::upper(masters.parent_path().filename().string()),
                           date_dir.filename().string(), *name});
  }
  if (lib.entries.empty()) {
    throw input_error(root.string(), "no master (<TEL>/Masters/<kind>/<date>/Master_*.fit) found");
  }
  std::sort(lib.entries.begin(), lib.entries.end(),
            [](const CalEntry& a, const CalEntry& b) { return a.path < b.path; });
  return lib;
}

LightInfo LightInfo::from(const fs::path& path, const Header& h, int width, int height) {
  LightInfo l;
  l.name = path.filename().string();
  const auto need = [&](std::initializer_list<std::string_view> keys) {
    if (const auto v = h.get_double_any(keys)) return *v;
    throw input_error(path.string(), fmt::format("no {} in the header", *keys.begin()));
  };
  const auto raw = itelescope::parse_raw_light_name(l.name);
  const std::string tel(calib_text::trim(h.get_string("TELESCOP").value_or("")));
  l.telescope = calib_text::upper(raw ? raw->telescope : tel);
  if (l.telescope.empty()) throw input_error(path.string(), "no telescope in the name or header");
  l.filter = std::string(calib_text::trim(h.get_string("FILTER").value_or(raw ? raw->filter : "")));
  l.binning = static_cast<int>(h.get_double("XBINNING").value_or(1.0));
  l.width = width;
  l.height = height;
  l.set_temp = need({"SET-TEMP", "CCD-TEMP"});
  l.exposure_s = need({"EXPOSURE", "EXPTIME"});
  l.date = h.get_string("DATE-OBS").value_or("").substr(0, 10);
  if (!day_number(l.date)) throw input_error(path.string(), "no DATE-OBS in the header");
  return l;
}

CalMatch match_calibration(const CalLibrary& lib, const LightInfo& light, double tolerance) {
  CalMatch m;
  m.bias = choose(lib, light, CalibrationType::kBias, tolerance);
  m.dark = choose(lib, light, CalibrationType::kDark, tolerance);
  m.flat = choose(lib, light, CalibrationType::kFlat, tolerance);
  if (m.dark.entry) {
    m.badpix = choose(lib, light, CalibrationType::kBadpix, tolerance,
                      m.dark.entry->path.parent_path());
  }
  return m;
}

}  // namespace ap
