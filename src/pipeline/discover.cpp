#include "pipeline/discover.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <tuple>

#include "core/error.h"
#include "core/fits.h"
#include "core/log.h"

namespace ap::pipeline {
namespace fs = std::filesystem;
namespace {

// An unreadable file named as a light stays a light: its first step then
// fails with the reason, and the rest of the night goes on.
bool is_light(const fs::path& path) {
  std::vector<HduInfo> hdus;
  try {
    hdus = read_hdu_list(path);
  } catch (const Error& e) {
    logger("run")->warn("{}", e.what());
    return true;
  }
  const auto type = hdus.front().header.get_string("IMAGETYP");
  if (!type) return true;
  std::string t = *type;
  std::transform(t.begin(), t.end(), t.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return t == "light frame" || t == "light";
}

// The evening date of the night a frame belongs to: its local date and time
// (from the file name) 12 hours earlier, so frames after midnight stay with
// the night they were taken in.
std::string night_of(const itelescope::RawLightName& name) {
  using namespace std::chrono;
  const int y = std::stoi(name.date.substr(0, 4));
  const auto m = static_cast<unsigned>(std::stoi(name.date.substr(4, 2)));
  const auto d = static_cast<unsigned>(std::stoi(name.date.substr(6, 2)));
  const int hour = name.time.size() >= 2 ? std::stoi(name.time.substr(0, 2)) : 12;
  const sys_days date{year{y} / month{m} / std::chrono::day{d}};
  const year_month_day evening{floor<days>(date + hours{hour} - hours{12})};
  return fmt::format("{:04d}{:02d}{:02d}", static_cast<int>(evening.year()),
                     static_cast<unsigned>(evening.month()), static_cast<unsigned>(evening.day()));
}

}  // namespace

std::string FrameGroup::key() const {
  return fmt::format("{}:{}:{}:{}", target, telescope, filter, night);
}

Discovery discover_lights(const fs::path& data_dir) {
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec)) throw input_error(data_dir.string(), "not a directory");
  Discovery found;
  std::map<std::tuple<std::string, std::string, std::string, std::string>, FrameGroup> groups;
  for (auto it = fs::recursive_directory_iterator(data_dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    auto name = itelescope::parse_raw_light_name(it->path().filename().string());
    if (!name || name->prefix != "raw") continue;
    if (!is_light(it->path())) {
      found.skipped.push_back(it->path());
      continue;
    }
    const std::string night = night_of(*name);
    FrameGroup& g = groups[{name->target, name->telescope, name->filter, night}];
    g.target = name->target;
    g.telescope = name->telescope;
    g.filter = name->filter;
    g.night = night;
    g.frames.push_back({it->path(), std::move(*name)});
  }
  if (ec) throw input_error(data_dir.string(), "cannot search the directory: " + ec.message());
  for (auto& [key, g] : groups) {
    std::sort(g.frames.begin(), g.frames.end(), [](const RawLight& a, const RawLight& b) {
      return a.path.filename() < b.path.filename();
    });
    found.groups.push_back(std::move(g));
  }
  std::sort(found.skipped.begin(), found.skipped.end());
  if (found.groups.empty()) {
    throw input_error(data_dir.string(), "no raw light frames (raw-<TEL>-...-<seq>.fit) found");
  }
  for (const auto& g : found.groups) {
    logger("run")->info("{}: {} frames", g.key(), g.frames.size());
  }
  return found;
}

}  // namespace ap::pipeline
