// Which frames a master is made of: discovery, consistency checks and
// temperature selection (calib/combine.h).
#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>
#include <map>
#include <string>

#include "calib/combine.h"
#include "calib/text.h"
#include "core/error.h"

namespace ap {
namespace {

namespace fs = std::filesystem;
using calib_text::lower;
using calib_text::trim;

bool is_fits_name(std::string_view name) {
  std::string n = lower(name);
  for (std::string_view packed : {".gz", ".fz"}) {
    if (n.ends_with(packed)) n.resize(n.size() - packed.size());
  }
  return n.ends_with(".fit") || n.ends_with(".fits") || n.ends_with(".fts");
}

// A keyword's value as compared between frames: numbers by value (300, 300.0
// and '300' agree), text without surrounding blanks.
std::string compared_value(const Header& h, std::string_view key) {
  const Header::Card* card = h.find(key);
  if (card == nullptr || std::holds_alternative<std::monostate>(card->value)) return "missing";
  if (const auto number = h.get_double(key)) return fmt::format("{}", *number);
  if (const auto* flag = std::get_if<bool>(&card->value)) return *flag ? "T" : "F";
  return fmt::format("'{}'", trim(h.get_string(key).value_or("")));
}

// Throws when the frames do not all give the same `value`, naming the odd
// ones. The norm is the value most frames share (the first frame's on a tie).
template <class Value>
void require_same(std::span<const FrameHeader> frames, std::string_view what, Value value) {
  std::vector<std::string> values;
  std::map<std::string, std::size_t> counts;
  for (const FrameHeader& f : frames) ++counts[values.emplace_back(value(f))];
  if (counts.size() <= 1) return;
  std::string norm = values.front();
  for (const auto& [v, n] : counts) {
    if (n > counts[norm]) norm = v;
  }
  const bool one_value = counts.size() == 2;  // the odd frames agree among themselves
  constexpr std::size_t kListed = 5;
  std::vector<std::string> names;
  std::size_t odd = 0;
  std::string odd_value;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (values[i] == norm) continue;
    odd_value = values[i];
    if (++odd > kListed) continue;
    const std::string name = frames[i].path.string();
    names.push_back(one_value ? name : fmt::format("{} ({})", name, values[i]));
  }
  std::string list = fmt::format("{}", fmt::join(names, ", "));
  if (odd > kListed) list += fmt::format(" and {} more", odd - kListed);
  const std::size_t others = counts[norm];
  const std::string rest =
      fmt::format("{} in the other {} frame{}", norm, others, others == 1 ? "" : "s");
  throw input_error(list, one_value ? fmt::format("{} {} differs from {}", what, odd_value, rest)
                                    : fmt::format("{} differs from {}", what, rest));
}

}  // namespace

FrameType parse_frame_type(std::string_view name) {
  const std::string n = lower(name);
  if (n == "auto") return FrameType::kAuto;
  if (n == "bias") return FrameType::kBias;
  if (n == "dark") return FrameType::kDark;
  if (n == "flat") return FrameType::kFlat;
  throw Error(ExitCode::kUsage,
              fmt::format("unknown frame type '{}' (auto, bias, dark, flat)", name));
}

FrameType frame_type_of(std::string_view imagetyp) {
  const std::string t = lower(imagetyp);
  if (t.find("bias") != std::string::npos || trim(t) == "zero") return FrameType::kBias;
  if (t.find("dark") != std::string::npos) return FrameType::kDark;
  if (t.find("flat") != std::string::npos) return FrameType::kFlat;
  return FrameType::kOther;
}

std::vector<fs::path> find_frames(const fs::path& dir, std::string_view exclude) {
  std::vector<fs::path> files;
  const std::string pattern(exclude);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file(ec) || !is_fits_name(name)) continue;
    if (!pattern.empty() && fnmatch(pattern.c_str(), name.c_str(), FNM_CASEFOLD) == 0) continue;
    files.push_back(entry.path());
  }
  if (ec) throw input_error(dir.string(), "cannot list the directory: " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<fs::path> collect_frames(const std::vector<fs::path>& inputs,
                                     std::string_view exclude) {
  std::vector<fs::path> files;
  for (const fs::path& input : inputs) {
    std::error_code ec;
    if (fs::is_directory(input, ec)) {
      const auto found = find_frames(input, exclude);
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(input, ec)) {
      files.push_back(input);
    } else {
      throw input_error(input.string(), "no such file or directory");
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

void check_consistent(std::span<const FrameHeader> frames, FrameType type) {
  require_same(frames, "size",
               [](const FrameHeader& f) { return fmt::format("{}x{}", f.width, f.height); });
  std::vector<std::string_view> keys = {"XBINNING", "YBINNING", "TELESCOP", "IMAGETYP", "SET-TEMP"};
  if (type == FrameType::kDark) keys.push_back("EXPTIME");
  if (type == FrameType::kFlat) keys.push_back("FILTER");
  for (std::string_view key : keys) {
    require_same(frames, key,
                 [key](const FrameHeader& f) { return compared_value(f.header, key); });
  }
}

TemperatureSelection select_by_temperature(std::span<const FrameHeader> frames, double tolerance) {
  TemperatureSelection s;
  std::vector<double> temps;
  for (const FrameHeader& f : frames) {
    if (const auto t = f.header.get_double("CCD-TEMP")) temps.push_back(*t);
  }
  if (!frames.empty()) s.reference = frames.front().header.get_double("SET-TEMP");
  if (!s.reference && !temps.empty()) {
    std::sort(temps.begin(), temps.end());
    s.reference = (temps[(temps.size() - 1) / 2] + temps[temps.size() / 2]) / 2;
  }
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const auto t = frames[i].header.get_double("CCD-TEMP");
    if (!s.reference) {
      s.kept.push_back(i);
    } else if (!t) {
      s.unknown.push_back(i);
      s.kept.push_back(i);
    } else if (*s.reference - tolerance <= *t && *t <= *s.reference + tolerance) {
      s.kept.push_back(i);
    } else {
      s.dropped.push_back(i);
    }
  }
  return s;
}

double exposure_seconds(const Header& h, const fs::path& path, std::string_view what) {
  const auto t = h.get_double_any({"EXPOSURE", "EXPTIME"});
  if (!t || !(*t > 0.0)) {
    throw input_error(path.string(), fmt::format("no positive EXPOSURE or EXPTIME {}", what));
  }
  return *t;
}

}  // namespace ap
