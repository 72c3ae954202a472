#include "itelescope/telescopes.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/error.h"

namespace ap::itelescope {
namespace {

constexpr const char* kNewMexico = "iTelescope New Mexico";
constexpr const char* kSierra = "iTelescope Sierra Remote";
constexpr const char* kSidingSpring = "iTelescope Siding Spring";
constexpr const char* kNerpio = "iTelescope Astrocamp";

}  // namespace

const std::vector<Site>& sites() {
  static const std::vector<Site> kSites = {
      {kNewMexico,
       "Mayhill, NM, USA",
       "H06",
       32.903308,
       -105.528700,
       2222.0,
       "America/Denver",
       -7.0,
       {"T02", "T05", "T11", "T14", "T20", "T21", "T68"}},
      {kSierra,
       "Auberry, CA, USA",
       "U69",
       37.070278,
       -119.413056,
       1403.0,
       "America/Los_Angeles",
       -8.0,
       {"T24"}},
      {kSidingSpring,
       "Siding Spring, NSW, Australia",
       "Q62",
       -31.273333,
       149.069722,
       1118.0,
       "Australia/Sydney",
       10.0,
       {"T08", "T09", "T12", "T17", "T30", "T31", "T32", "T33"}},
      {kNerpio,
       "Nerpio, Spain",
       "I89",
       38.165556,
       -2.326944,
       1607.0,
       "Europe/Madrid",
       1.0,
       {"T07", "T16", "T18"}},
  };
  return kSites;
}

const std::vector<Telescope>& telescopes() {
  // id, optics, camera, aperture, obstruction, focal length, sensor W x H, pixel,
  // gain, read noise, dark current, set temperature, bias, vignetting, FWHM, site.
  static const std::vector<Telescope> kTelescopes = {
      {"T05", "Takahashi Epsilon-250 f/3.4 astrograph", "SBIG ST-10XME", 250.0, 0.40, 850.0, 2184,
       1472, 6.8, 1.30, 8.8, 0.05, -10.0, 105.0, 0.25, 3.5, kNewMexico},
      {"T09", "Planewave 12.5in CDK f/8", "FLI ProLine PL6303E", 318.0, 0.45, 2541.0, 3072, 2048,
       9.0, 1.40, 14.0, 0.02, -25.0, 1350.0, 0.10, 2.4, kSidingSpring},
      {"T16", "Takahashi TOA-150 f/7.3 refractor", "SBIG STL-6303E", 150.0, 0.0, 1100.0, 3072, 2048,
       9.0, 1.45, 13.0, 0.03, -20.0, 110.0, 0.20, 3.0, kNerpio},
      {"T20", "Takahashi FSQ-106ED f/5 refractor", "FLI ProLine PL11002M", 106.0, 0.0, 530.0, 4008,
       2672, 9.0, 1.40, 12.5, 0.03, -15.0, 1200.0, 0.15, 7.0, kNewMexico},
      {"T31", "Planewave 20in CDK f/4.5", "FLI ProLine PL09000", 508.0, 0.39, 2259.0, 3056, 3056,
       12.0, 1.50, 11.0, 0.015, -25.0, 1500.0, 0.12, 2.4, kSidingSpring},
      {"T32", "Planewave 17in CDK f/6.8", "FLI ProLine PL09000", 431.0, 0.42, 2929.0, 3056, 3056,
       12.0, 1.50, 11.0, 0.015, -25.0, 1500.0, 0.10, 2.2, kSidingSpring},
  };
  return kTelescopes;
}

double Telescope::pixel_scale_arcsec() const { return 206.264806 * pixel_um / focal_length_mm; }

const Site& Telescope::site() const {
  const auto& all = sites();
  return *std::find_if(all.begin(), all.end(), [&](const Site& s) { return s.name == site_name; });
}

std::string normalize_telescope_id(std::string_view name) {
  std::string id;
  for (const char c : name) id += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  constexpr std::string_view kPrefix = "ITELESCOPE";
  if (id.starts_with(kPrefix)) id.erase(0, kPrefix.size());
  const auto first = id.find_first_not_of(" -_");
  return first == std::string::npos ? std::string() : id.substr(first);
}

const Site& site_for_telescope(std::string_view name) {
  const std::string id = normalize_telescope_id(name);
  for (const Site& site : sites()) {
    if (std::find(site.telescopes.begin(), site.telescopes.end(), id) != site.telescopes.end()) {
      return site;
    }
  }
  throw Error(ExitCode::kUsage, fmt::format("unknown iTelescope telescope '{}'", name));
}

const Telescope& find_telescope(std::string_view name) {
  const std::string id = normalize_telescope_id(name);
  std::string known;
  for (const Telescope& t : telescopes()) {
    if (t.id == id) return t;
    known += (known.empty() ? "" : ", ") + t.id;
  }
  throw Error(ExitCode::kUsage,
              fmt::format("unknown telescope '{}' (profiles exist for {})", name, known));
}

}  // namespace ap::itelescope
