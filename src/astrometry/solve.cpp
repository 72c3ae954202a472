#include "astrometry/solve.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <numbers>

#include <fmt/format.h>

#include "core/error.h"

extern "C" {
#include <astrometry/index.h>
#include <astrometry/solver.h>
#include <astrometry/starkd.h>
#include <astrometry/starxy.h>
}

namespace ap::astrometry {
namespace {

using Clock = std::chrono::steady_clock;

struct Deadline {
  Clock::time_point end;
};

time_t check_deadline(void* user) {
  return Clock::now() < static_cast<Deadline*>(user)->end ? 1 : 0;  // 0 cancels the run
}

// Tycho-2 stars of every index within `radius` degrees of (ra, dec), each once.
std::vector<Reference> field_stars(const IndexSet& set, double ra, double dec, double radius) {
  std::vector<Reference> refs;
  for (const LoadedIndex& li : set.indexes()) {
    const auto* index = static_cast<const index_t*>(li.index);
    double* radec = nullptr;
    int n = 0;
    startree_search_for_radec(index->starkd, ra, dec, radius, nullptr, &radec, nullptr, &n);
    for (int i = 0; i < n; ++i) refs.push_back({radec[2 * i], radec[2 * i + 1]});
    std::free(radec);
  }
  std::sort(refs.begin(), refs.end(), [](const Reference& a, const Reference& b) {
    return a.dec != b.dec ? a.dec < b.dec : a.ra < b.ra;
  });
  std::vector<Reference> unique;
  for (const Reference& r : refs) {  // the same star appears in several indexes
    bool dup = false;
    for (auto it = unique.rbegin(); it != unique.rend() && r.dec - it->dec < 1e-4; ++it)
      dup |= std::abs(std::remainder(r.ra - it->ra, 360.0)) * std::cos(r.dec * std::numbers::pi / 180.0) < 1e-4;
    if (!dup) unique.push_back(r);
  }
  return unique;
}

std::string index_hint(double field_arcmin) {
  if (field_arcmin < 22.0)
    return " (fields this small need astrometry.net's 4200-series index files; the Debian "
           "Tycho-2 packages cover fields down to about 22 arcmin)";
  if (field_arcmin < 60.0)
    return " (install astrometry-data-tycho2-07, -08 and -09 for fields under a degree)";
  return "";
}

}  // namespace

Solution solve_field(const std::vector<Detection>& stars, double width, double height,
                     const SolveHints& hints, const SolveOptions& o, const IndexSet& set) {
  if (!(o.scale_err_ratio >= 1.0) || o.sip_order < 1 || o.sip_order > 5 || !(o.timeout_s > 0))
    throw Error(ExitCode::kUsage, "solve: need scale_err_ratio >= 1, sip_order 1..5, timeout > 0");
  const auto t0 = Clock::now();
  Solution s;
  const auto finish = [&](std::string reason) {
    s.reason = std::move(reason);
    s.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return s;
  };
  if (stars.size() < 4) return finish(fmt::format("{} stars: too few to solve", stars.size()));

  // Scale range and the indexes whose quads fit in the field.
  double lo = 0.1, hi = 1000.0;
  if (hints.scale_arcsec) lo = *hints.scale_arcsec / o.scale_err_ratio, hi = *hints.scale_arcsec * o.scale_err_ratio;
  const double quad_min_px = 0.1 * std::min(width, height);
  const double qlo = quad_min_px * lo, qhi = std::hypot(width, height) * hi;
  solver_t* sp = solver_new();
  struct Free {
    solver_t* sp;
    ~Free() {
      solver_cleanup(sp);
      solver_free(sp);
    }
  } cleanup{sp};
  for (const LoadedIndex& li : set.indexes())
    if (index_overlaps_scale_range(static_cast<index_t*>(li.index), qlo, qhi)) solver_add_index(sp, static_cast<index_t*>(li.index));
  if (solver_n_indices(sp) == 0) {
    const double field_arcmin = std::hypot(width, height) * hi / 60.0;
    return finish(fmt::format("no installed index covers a field of {:.0f} arcmin (quads of {:.0f}-{:.0f} arcmin installed){}",
                              field_arcmin, set.min_quad_arcsec() / 60.0, set.max_quad_arcsec() / 60.0,
                              index_hint(field_arcmin)));
  }

  const std::size_t n = std::min(stars.size(), o.max_stars);
  starxy_t* field = starxy_new(static_cast<int>(n), FALSE, FALSE);
  for (std::size_t i = 0; i < n; ++i) starxy_set(field, static_cast<int>(i), stars[i].x, stars[i].y);
  solver_set_field(sp, field);
  solver_set_field_bounds(sp, 0.0, width, 0.0, height);
  sp->funits_lower = lo;
  sp->funits_upper = hi;
  sp->quadsize_min = quad_min_px;
  sp->logratio_tokeep = std::log(1e9);
  sp->logratio_toprint = std::log(1e9);
  sp->logratio_totune = std::log(1e6);
  sp->do_tweak = FALSE;
  sp->tweak_aborder = sp->tweak_abporder = 1;
  if (hints.ra && hints.dec) {
    const double diag_deg = std::hypot(width, height) * hi / 3600.0;
    const double radius = o.radius_deg > 0 ? o.radius_deg : std::max(1.0, 2.0 * diag_deg);
    solver_set_radec(sp, *hints.ra, *hints.dec, radius);
  }
  Deadline deadline{t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.timeout_s))};
  sp->timer_callback = check_deadline;
  sp->userdata = &deadline;
  solver_preprocess_field(sp);
  solver_run(sp);
  if (!sp->best_match_solves) {
    return finish(Clock::now() >= deadline.end ? fmt::format("no solution within {} s", o.timeout_s)
                                               : "no solution: no quad of the star list matched an index");
  }
  const MatchObj& mo = sp->best_match;
  s.index = mo.index && mo.index->indexname ? std::string(mo.index->indexname) : std::string();
  if (const auto slash = s.index.rfind('/'); slash != std::string::npos) s.index.erase(0, slash + 1);
  const tan_t& tan = mo.wcstan;
  Wcs wcs = Wcs::tan({tan.crpix[0], tan.crpix[1]}, {tan.crval[0], tan.crval[1]},
                     {tan.cd[0][0], tan.cd[0][1], tan.cd[1][0], tan.cd[1][1]});

  const double cx = 0.5 * (width + 1.0), cy = 0.5 * (height + 1.0);
  const SkyCoord centre = wcs.pixel_to_sky({cx - 1.0, cy - 1.0});
  const double half_diag = 0.5 * std::hypot(width, height) * wcs.pixel_scale_arcsec() / 3600.0;
  return refine_solution(stars, width, height, wcs, field_stars(set, centre.ra, centre.dec, 1.05 * half_diag), o,
                         std::move(s), t0);
}

Solution refine_solution(const std::vector<Detection>& stars, double width, double height, const Wcs& initial,
                         const std::vector<Reference>& refs, const SolveOptions& o, Solution s,
                         std::chrono::steady_clock::time_point t0) {
  const auto finish = [&](std::string reason) {
    s.reason = std::move(reason);
    s.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return s;
  };
  // Refit on every catalogue star in the field, tightening the match radius.
  Wcs wcs = initial;
  const double cx = 0.5 * (width + 1.0), cy = 0.5 * (height + 1.0);
  const SkyCoord centre = wcs.pixel_to_sky({cx - 1.0, cy - 1.0});
  WcsFit fit;
  const int final_order = o.use_sip ? o.sip_order : 1;
  for (const auto& [radius, order] : {std::pair{5.0, 1}, std::pair{3.0, final_order}, std::pair{2.0, final_order}}) {
    s.matches = cross_match(wcs, stars, refs, radius, width, height);
    // At least three stars per coefficient: a lower order than asked for otherwise.
    int fit_order = order;
    while (fit_order > 1 && s.matches.size() < 3 * static_cast<std::size_t>((fit_order + 1) * (fit_order + 2) / 2)) --fit_order;
    try {
      fit = fit_wcs(s.matches, cx, cy, centre.ra, centre.dec, fit_order);
      // Once more without the pairs beyond 3 RMS (saturated cores, blends).
      std::erase_if(s.matches, [&](const StarPair& p) {
        const PixelCoord q = Wcs::from_header(fit.cards)->sky_to_pixel({p.ra, p.dec});
        return std::hypot(q.x + 1.0 - p.x, q.y + 1.0 - p.y) > 3.0 * fit.rms_pixels;
      });
      fit = fit_wcs(s.matches, cx, cy, centre.ra, centre.dec, fit_order);
    } catch (const Error& e) {
      return finish(fmt::format("solution rejected: {}", e.what()));
    }
    wcs = *Wcs::from_header(fit.cards);
  }
  s.rms_arcsec = fit.rms_arcsec;
  s.rms_px = fit.rms_pixels;
  s.pixel_scale_arcsec = fit.pixel_scale_arcsec;
  const double det = fit.cards.get("CD1_1", 0.0) * fit.cards.get("CD2_2", 0.0) -
                     fit.cards.get("CD1_2", 0.0) * fit.cards.get("CD2_1", 0.0);
  s.flipped = det > 0;  // RA grows with x: mirrored with respect to the sky
  if (s.matches.size() < o.min_matches || s.rms_px > o.max_rms_px)
    return finish(fmt::format("solution rejected by the check: {} catalogue stars matched (>= {} needed), "
                              "residual {:.2f} px (<= {:.2f} allowed)",
                              s.matches.size(), o.min_matches, s.rms_px, o.max_rms_px));
  s.cards = fit.cards;
  s.solved = true;
  s.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  s.cards.set("AST_NMAT", static_cast<std::int64_t>(s.matches.size()), "catalogue stars matched");
  s.cards.set("AST_RMS", s.rms_arcsec, "[arcsec] RMS of the matched stars");
  s.cards.set("AST_RMSP", s.rms_px, "[pix] RMS of the matched stars");
  s.cards.set("AST_IDX", s.index, "astrometry.net index that solved");
  s.cards.set("AST_TIME", s.seconds, "[s] solving time");
  s.cards.set("AST_SCAL", s.pixel_scale_arcsec, "[arcsec/pix] pixel scale");
  s.cards.set("AST_FLIP", s.flipped, "image mirrored (parity)");
  return s;
}

}  // namespace ap::astrometry
