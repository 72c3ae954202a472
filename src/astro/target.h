// Target names to coordinates with the OpenNGC catalogue built into
// libastrometry (NGC/IC numbers, Messier numbers, common names).
#pragma once

#include <optional>
#include <string_view>

namespace ap::astro {

struct ResolvedTarget {
  double ra = 0.0;  // degrees, J2000
  double dec = 0.0;
  double size_arcmin = 0.0;  // largest dimension, 0 when unknown
};

// "NGC 6888", "NGC_6888", "ngc6888", "M82", "Crescent Nebula", and mosaic
// panel names such as "NGC_6888_x1_y2" (the panel suffix is ignored).
std::optional<ResolvedTarget> resolve_target(std::string_view name);

}  // namespace ap::astro
