// The files around solve_field(): the `ap stars` source list it reads and
// the solved image and source list it writes.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "astrometry/solve.h"

namespace ap::astrometry {

struct StarList {
  Header primary;                 // the source list's primary header
  std::vector<Detection> stars;   // AP_XYPOS, brightest first
  double width = 0.0, height = 0.0;
  SolveHints hints;               // APRX_RA/DEC (or RA-OBJ/DEC-OBJ), APRX_XPS/YPS
};

// Throws ap::Error (kBadInput) naming the file when it is not a non-empty source list.
StarList read_star_list(const std::filesystem::path& path, std::optional<double> user_scale = {});

// `image` copied to `out` with its WCS replaced by the solution's and a HISTORY card.
void write_solved_image(const std::filesystem::path& image, const std::filesystem::path& out,
                        const Solution& solution, std::string_view history);

// AP_L1MAG of the source list gains ra, dec [deg]; AST_* go into its primary header.
void add_sky_columns(const std::filesystem::path& srclist, const Solution& solution);

}  // namespace ap::astrometry
