// Plate solving of a star list with astrometry.net's solver, in process.
//
// The solver (libastrometry, with the index files of an IndexSet) finds the
// first match of star quads; the final WCS is then fitted here to every
// Tycho-2 star of the field matched to a detection (TAN, or TAN-SIP with
// use_sip), with CRPIX at the image centre, and checked: a solution is
// accepted only with at least min_matches matched stars and a residual
// below max_rms_px. Pixel coordinates are FITS 1-based throughout.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "astrometry/index_set.h"
#include "astrometry/wcs_fit.h"
#include "core/header.h"

namespace ap::astrometry {

struct SolveHints {
  std::optional<double> ra, dec;         // degrees: the field centre, roughly
  std::optional<double> scale_arcsec;    // per pixel
};

struct SolveOptions {
  bool use_sip = false;
  int sip_order = 2;
  double scale_err_ratio = 1.3;  // scale searched in [s / ratio, s * ratio]
  double radius_deg = 0.0;       // search radius around the hint; 0: 2 field diagonals, >= 1 deg
  double timeout_s = 180.0;
  std::size_t max_stars = 300;   // brightest detections given to the solver
  std::size_t min_matches = 8;
  double max_rms_px = 1.0;
};

struct Solution {
  bool solved = false;
  std::string reason;  // why not, one line
  Header cards;        // the WCS and the AST_* keywords
  std::vector<StarPair> matches;
  double rms_arcsec = 0.0, rms_px = 0.0;
  double pixel_scale_arcsec = 0.0;
  bool flipped = false;  // parity: the image is mirrored (east right with north up)
  std::string index;     // the index file that solved it
  double seconds = 0.0;
};

// `stars` brightest first. Throws ap::Error (kUsage) for invalid options.
Solution solve_field(const std::vector<Detection>& stars, double width, double height,
                     const SolveHints& hints, const SolveOptions& options, const IndexSet& indexes);

// The fit and check every backend ends with: `initial` refitted to the
// reference stars of the field matched to `stars` (TAN, or TAN-SIP with
// use_sip; clipped at 3 RMS), then accepted only with min_matches matches
// and an RMS within max_rms_px. `s` brings the index name; t0 the start.
Solution refine_solution(const std::vector<Detection>& stars, double width, double height, const Wcs& initial,
                         const std::vector<Reference>& refs, const SolveOptions& options, Solution s,
                         std::chrono::steady_clock::time_point t0);

}  // namespace ap::astrometry
