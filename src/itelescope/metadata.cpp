#include "itelescope/metadata.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "astro/ephemeris.h"
#include "astro/target.h"
#include "core/angles.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/log.h"
#include "itelescope/names.h"
#include "itelescope/telescopes.h"

namespace ap::itelescope {
namespace {

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The raw name inside derived names such as "cal-raw-T20-...": prefixes are
// dropped until the name parses with a telescope id (T and digits).
std::optional<RawLightName> parse_frame_name(std::string name) {
  for (int attempt = 0; attempt < 4; ++attempt) {
    if (auto n = parse_raw_light_name(name);
        n && n->telescope.size() > 1 && std::toupper(static_cast<unsigned char>(n->telescope[0])) == 'T' &&
        std::all_of(n->telescope.begin() + 1, n->telescope.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
      return n;
    const auto cut = name.find_first_of("-_");
    if (cut == std::string::npos) break;
    name.erase(0, cut + 1);
  }
  return std::nullopt;
}

struct Identity {
  std::string telescope, observer, target;
};

// yamlkeyval mode: every scalar of the YAML mapping becomes a keyword.
Identity yaml_keywords(const std::filesystem::path& file, Header& h) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::Exception& e) {
    throw Error(ExitCode::kBadInput, fmt::format("{}: {}", file.string(), e.what()));
  }
  if (!root.IsMap()) throw Error(ExitCode::kBadInput, fmt::format("{}: not a mapping of keywords", file.string()));
  Identity id;
  for (const auto& kv : root) {
    const std::string key = upper(kv.first.as<std::string>());
    if (!kv.second.IsScalar()) {
      logger("metadata")->warn("{}: '{}' is not a single value, skipped", file.string(), key);
      continue;
    }
    if (key.size() > 8 || key.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != std::string::npos)
      throw Error(ExitCode::kBadInput, fmt::format("{}: '{}' is not a FITS keyword (8 characters: A-Z, 0-9, - and _)", file.string(), key));
    const std::string text = kv.second.as<std::string>();
    const std::string comment = "From " + file.filename().string();
    char* end = nullptr;
    const double number = std::strtod(text.c_str(), &end);
    if (!text.empty() && *end == '\0') h.set(key, number, comment);
    else h.set(key, text, comment);
    if (key.find("TARGET") != std::string::npos) id.target = text;
    if (key.find("TELESCOP") != std::string::npos) id.telescope = text;
    if (key == "OBSERVER") id.observer = text;
  }
  if (id.telescope.empty())
    throw Error(ExitCode::kBadInput, fmt::format("{}: no TELESCOP key naming the iTelescope telescope", file.string()));
  return id;
}

struct Coordinates {
  double ra, dec;
  std::string source;
};

Coordinates resolve(const std::string& target, const Header& header, const MetadataOptions& o) {
  if (o.ra && o.dec) return {*o.ra, *o.dec, "given"};
  if (const auto p = header_pointing(header)) return {p->ra, p->dec, "header"};
  if (const auto t = astro::resolve_target(target)) return {t->ra, t->dec, "OpenNGC"};
  const std::string base = split_mosaic(target).base;
  if (o.online) {
    if (const auto t = astro::resolve_sesame(base, o.sesame)) return {t->ra, t->dec, "CDS Sesame"};
    throw Error(ExitCode::kBadInput, fmt::format("target '{}' is unknown to OpenNGC and CDS Sesame; give --ra and --dec", base));
  }
  throw Error(ExitCode::kBadInput,
              fmt::format("target '{}' is not in OpenNGC; --online asks CDS Sesame, or give --ra and --dec", base));
}

}  // namespace

MetadataMode parse_metadata_mode(std::string_view text) {
  const std::string m = upper(std::string(text));
  if (m == "ITELESCOPE") return MetadataMode::kItelescope;
  if (m == "YAMLKEYVAL") return MetadataMode::kYamlKeyval;
  throw Error(ExitCode::kUsage, fmt::format("unknown metadata mode '{}' (itelescope or yamlkeyval)", text));
}

Header metadata_keywords(const Header& header, std::string_view file_name,
                         const MetadataOptions& o) {
  Header h;
  const std::string base = std::filesystem::path(file_name).filename().string();
  Identity id;
  if (o.mode == MetadataMode::kYamlKeyval) {
    if (o.yaml_file.empty()) throw Error(ExitCode::kUsage, "yamlkeyval mode needs --yamlfile");
    id = yaml_keywords(o.yaml_file, h);
  } else {
    const auto name = parse_frame_name(base);
    if (!name)
      throw Error(ExitCode::kBadInput,
                  fmt::format("{}: not an iTelescope file name (raw-Txx-observer-target-...); use --mode yamlkeyval", base));
    id = {name->telescope, name->observer, name->target};
    std::replace(id.target.begin(), id.target.end(), '_', ' ');
  }
  if (!o.target.empty()) id.target = o.target;
  const std::string object = split_mosaic(id.target).base;
  if (object.empty()) throw Error(ExitCode::kBadInput, fmt::format("{}: no target name", base));

  const Site* site = nullptr;
  try {
    site = &site_for_telescope(id.telescope);
  } catch (const Error& e) {
    throw Error(ExitCode::kBadInput, fmt::format("{}: {}", base, e.what()));
  }
  const auto date_obs = header.get_string("DATE-OBS");
  if (!date_obs) throw Error(ExitCode::kBadInput, fmt::format("{}: no DATE-OBS", base));
  const auto start = astro::UtcTime::parse(*date_obs);
  if (!start) throw Error(ExitCode::kBadInput, fmt::format("{}: DATE-OBS '{}' is not an ISO date", base, *date_obs));
  const auto exposure = header.get_double_any({"EXPOSURE", "EXPTIME"});
  if (!exposure || *exposure < 0)
    throw Error(ExitCode::kBadInput, fmt::format("{}: no EXPOSURE or EXPTIME", base));
  const Coordinates c = resolve(object, header, o);

  const astro::Location loc{site->latitude_deg, site->longitude_deg, site->elevation_m};
  const astro::UtcTime mid = start->plus_seconds(0.5 * *exposure);
  const astro::Ephemeris at_start = astro::ephemeris(loc, *start, c.ra, c.dec);
  const astro::Ephemeris e = astro::ephemeris(loc, mid, c.ra, c.dec);

  if (!id.observer.empty()) h.set("OBSERVER", id.observer, "observer");
  h.set("OBSERVAT", site->name, "observatory");
  h.set("LAT-OBS", site->latitude_deg, "[deg] geodetic latitude of the observatory");
  h.set("LONG-OBS", site->longitude_deg, "[deg] east longitude of the observatory");
  h.set("LON-OBS", site->longitude_deg, "[deg] east longitude (same as LONG-OBS)");
  h.set("ALT-OBS", site->elevation_m, "[m] altitude of the observatory");
  const std::string tel = normalize_telescope_id(id.telescope);
  h.set("TELESCOP", "iTelescope " + tel, "telescope");
  h.set("OBJECT", object, "target");
  h.set("OBJNAME", object, "target");
  h.set("RA-OBJ", c.ra, fmt::format("[deg] target RA (ICRS), from {}", c.source));
  h.set("DEC-OBJ", c.dec, fmt::format("[deg] target Dec (ICRS), from {}", c.source));
  h.set("MJD-OBS", start->mjd(), "[d] MJD (UTC) at exposure start");
  h.set("MJD-MID", mid.mjd(), "[d] MJD (UTC) at mid-exposure");
  h.set("AIRMASS", at_start.target.airmass(), "sec(z) at exposure start");
  h.set("AIRM-MID", e.target.airmass(), "sec(z) at mid-exposure");
  h.set("ALT-OBJ", e.target.alt_deg, "[deg] target altitude at mid-exposure");
  h.set("AZ-OBJ", e.target.az_deg, "[deg] target azimuth (N=0, E=90) at mid-exposure");
  h.set("HA-OBJ", e.target.ha_deg, "[deg] target hour angle at mid-exposure");
  h.set("LST", e.lst_deg, "[deg] local apparent sidereal time at mid-exposure");
  h.set("BJD-TDB", e.bjd_tdb, "[d] barycentric JD (TDB) of the target, mid-exposure");
  h.set("MOONALT", e.moon.alt_deg, "[deg] Moon altitude at mid-exposure");
  h.set("MOONILL", e.moon_illumination, "Moon illuminated fraction");
  h.set("MOONSEP", e.moon_separation_deg, "[deg] Moon - target separation");
  h.set("SUNALT", e.sun.alt_deg, "[deg] Sun altitude at mid-exposure");
  stamp(h, "metadata", fmt::format("{} target='{}' ({})", base, object, c.source));
  return h;
}

}  // namespace ap::itelescope
