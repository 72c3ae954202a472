#include "itelescope/names.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <regex>

namespace ap::itelescope {
namespace {

// FITS file extensions as delivered or produced: .fit, .fits, .fts, optionally compressed.
constexpr const char* kExtension =
    R"((\.(?:[Ff][Ii][Tt][Ss]?|[Ff][Tt][Ss])(?:\.(?:gz|fz|bz2|Z))?))";

int to_int(const std::ssub_match& m) { return std::stoi(m.str()); }

std::string exposure_text(double seconds) {
  if (seconds > 0.0 && seconds == std::floor(seconds)) return fmt::format("{}s", seconds);
  return fmt::format("{}ms", std::lround(seconds * 1000.0));
}

}  // namespace

std::string underscore_spaces(std::string_view text) {
  std::string out(text);
  std::replace(out.begin(), out.end(), ' ', '_');
  return out;
}

MosaicTarget split_mosaic(std::string_view target) {
  static const std::regex kPanel(R"(^(.*?)[_ ]x(\d+)[_ ]y(\d+)$)");
  const std::string text(target);
  std::smatch m;
  if (!std::regex_match(text, m, kPanel) || to_int(m[2]) < 1 || to_int(m[3]) < 1) {
    return {text, 0, 0};
  }
  return {m[1].str(), to_int(m[2]), to_int(m[3])};
}

std::string format_mosaic(const MosaicTarget& target) {
  if (!target.is_panel()) return target.base;
  return fmt::format("{}_x{}_y{}", target.base, target.panel_x, target.panel_y);
}

std::string format_raw_light_name(const RawLightName& n) {
  return fmt::format("{}-{}-{}-{}-{}-{}-{}-BIN{}-{}-{}-{:03d}{}", n.prefix, n.telescope,
                     underscore_spaces(n.observer), underscore_spaces(n.target), n.date, n.time,
                     underscore_spaces(n.filter), n.binning, n.pier, n.exposure_s, n.sequence,
                     n.extension);
}

std::optional<RawLightName> parse_raw_light_name(std::string_view file_name) {
  // The target is the only field allowed to contain '-'; everything after it is anchored
  // on the 8-digit date and 6-digit time.
  static const std::regex kName(std::string(R"(^([^-]+)-([^-]+)-([^-]*)-(.+)-(\d{8})-(\d{6})-)") +
                                R"(([^-]+)-BIN(\d+)-([EW])-(\d+(?:\.\d+)?)-(\d+))" + kExtension +
                                "$");
  const std::string text(file_name);
  std::smatch m;
  if (!std::regex_match(text, m, kName)) return std::nullopt;
  RawLightName n;
  n.prefix = m[1].str();
  n.telescope = m[2].str();
  n.observer = m[3].str();
  n.target = m[4].str();
  n.date = m[5].str();
  n.time = m[6].str();
  n.filter = m[7].str();
  n.binning = to_int(m[8]);
  n.pier = m[9].str();
  n.exposure_s = std::stod(m[10].str());
  n.sequence = to_int(m[11]);
  n.extension = m[12].str();
  return n;
}

const char* calibration_type_name(CalibrationType type) {
  switch (type) {
    case CalibrationType::kBias:
      return "Bias";
    case CalibrationType::kDark:
      return "Dark";
    case CalibrationType::kFlat:
      return "Flat";
    case CalibrationType::kBadpix:
      return "Badpix";
  }
  return "";
}

std::string format_calibration_name(const CalibrationName& n) {
  const std::string filter =
      n.type == CalibrationType::kFlat ? underscore_spaces(n.filter) + "_" : std::string();
  std::string name =
      fmt::format("{}{}_{}{}_{}{}x{}_Bin{}x{}_Temp{}C_ExpTime{}", n.is_master() ? "Master_" : "",
                  calibration_type_name(n.type), filter, n.binning, filter, n.width, n.height,
                  n.binning, n.binning, n.temperature_c, exposure_text(n.exposure_s));
  if (!n.is_master()) name += fmt::format("-{:03d}", n.sequence);
  return name + n.extension;
}

std::optional<CalibrationName> parse_calibration_name(std::string_view file_name) {
  static const std::regex kName(
      std::string(R"(^(Master_)?(Bias|Dark|Flat|Badpix)_(?:([^_]+)_)?(\d+)_(?:([^_]+)_)?)") +
      R"((\d+)x(\d+)_Bin(\d+)x(\d+)_Temp(-?\d+)C_ExpTime(\d+(?:\.\d+)?)(ms|s)(?:-(\d+))?)" +
      kExtension + "$");
  const std::string text(file_name);
  std::smatch m;
  if (!std::regex_match(text, m, kName)) return std::nullopt;
  CalibrationName n;
  const std::string type = m[2].str();
  for (const auto t : {CalibrationType::kBias, CalibrationType::kDark, CalibrationType::kFlat,
                       CalibrationType::kBadpix}) {
    if (type == calibration_type_name(t)) n.type = t;
  }
  const bool is_flat = n.type == CalibrationType::kFlat;
  // Flats name their filter twice, around the binning; nothing else names one.
  if (is_flat != m[3].matched || is_flat != m[5].matched || m[3].str() != m[5].str()) {
    return std::nullopt;
  }
  if (to_int(m[4]) != to_int(m[8]) || to_int(m[8]) != to_int(m[9])) return std::nullopt;
  const bool is_master = m[1].matched;
  if (is_master == m[13].matched) return std::nullopt;  // masters have no sequence number
  n.filter = m[3].str();
  n.binning = to_int(m[8]);
  n.width = to_int(m[6]);
  n.height = to_int(m[7]);
  n.temperature_c = to_int(m[10]);
  n.exposure_s = std::stod(m[11].str()) / (m[12].str() == "ms" ? 1000.0 : 1.0);
  n.sequence = is_master ? 0 : to_int(m[13]);
  n.extension = m[14].str();
  return n;
}

}  // namespace ap::itelescope
