// Target names resolved online by the CDS Sesame service (SIMBAD, NED,
// VizieR), as astropy's SkyCoord.from_name does, through libcurl, with a
// local JSON cache so each name is asked for once. Only used when the user
// allows the network (`ap metadata --online`).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "astro/target.h"

namespace ap::astro {

struct SesameOptions {
  // Service root; the query is <base_url>/-oI/A?<name>. Default: AP_SESAME_URL
  // or https://cds.unistra.fr/cgi-bin/nph-sesame.
  std::string base_url;
  // Default: $AP_CACHE_DIR/sesame.json, else ~/.cache/ap/sesame.json.
  std::filesystem::path cache_file;
  long timeout_s = 15;

  static SesameOptions defaults();
};

// nullopt when Sesame does not know the name; throws ap::Error (kFailed)
// naming the service when it cannot be reached or answers nonsense.
std::optional<ResolvedTarget> resolve_sesame(std::string_view name, const SesameOptions& options);

}  // namespace ap::astro
