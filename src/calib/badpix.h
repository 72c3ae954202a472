// Bad-pixel masks (the original's ap_find_badpix, shared reference section 5).
//
// find_bad_pixels() flags, in a master dark (or bias), pixels outside
// median +- sigma * std of the sigma-clipped statistics (sigma used for the
// clipping too, 5 iterations, median centre): above as MaskBit kMaskHot,
// below as kMaskCold; NaN pixels are not flagged. User defects from a YAML
// file are OR'ed in as kMaskUser (the original added 2 per entry, so
// overlapping entries gave 4, 6, ... and could overflow).
//
// The user YAML (the original's format, all coordinates 1-based inclusive, as
// ds9 shows them):
//   bad_columns: [12, 13]            # FITS x
//   bad_rows: []                     # FITS y
//   bad_rectangles: [[2, 3, 61, 63]] # [row_start, row_end, col_start, col_end]
// A missing or empty section is empty (the original crashed); a malformed
// entry is an error naming the file, its line and the entry.
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "core/image.h"

namespace ap {

struct UserBadpix {
  std::vector<long> columns;                   // 1-based
  std::vector<long> rows;                      // 1-based
  std::vector<std::array<long, 4>> rectangles;  // 1-based inclusive [r0, r1, c0, c1]
  std::string file;                            // for messages
};

// Throws ap::Error (kBadInput) naming the file, line and entry.
UserBadpix read_user_badpix(const std::filesystem::path& yaml);

struct BadpixOptions {
  double sigma = 4.0;
};

struct BadpixResult {
  Mask mask;
  std::size_t hot = 0, cold = 0;
  std::size_t user = 0;  // pixels flagged by the user entries (each counted once)
  double median = 0.0, std = 0.0;  // the clipped statistics used
  std::vector<std::string> warnings;  // user entries outside the image, skipped
};

BadpixResult find_bad_pixels(const Image& dark, const BadpixOptions& options,
                             const UserBadpix* user = nullptr);

}  // namespace ap
