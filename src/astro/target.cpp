#include "astro/target.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <string>
#include <vector>

#include "itelescope/names.h"

extern "C" {
#include <astrometry/openngc.h>
}

namespace ap::astro {

std::optional<ResolvedTarget> resolve_target(std::string_view name) {
  std::string base = itelescope::split_mosaic(name).base;
  std::replace(base.begin(), base.end(), '_', ' ');
  std::vector<std::string> candidates = {base};
  // Catalogue designations in any case, with or without the space: "ngc6888" -> "NGC 6888".
  static const std::regex kDesignation(R"(^\s*(ngc|ic|m)\s*(\d+)\s*$)", std::regex::icase);
  std::smatch m;
  if (std::regex_match(base, m, kDesignation)) {
    std::string prefix = m[1].str();
    for (char& c : prefix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    candidates.push_back(prefix + " " + m[2].str());
  }
  for (const std::string& candidate : candidates) {
    if (const ngc_entry* e = ngc_get_entry_named(candidate.c_str())) {
      return ResolvedTarget{e->ra, e->dec, e->size};
    }
  }
  return std::nullopt;
}

}  // namespace ap::astro
