#include "arith/continuum.h"

#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "core/error.h"
#include "core/header.h"
#include "core/stats.h"
#include "measure/aperture.h"
#include "measure/stars.h"

namespace ap {
namespace {

ClippedStats sky_of(const Image& img) {
  return sigma_clipped_stats(img.pixels(), SigmaClipOptions::symmetric(3.0, 5));
}

// 99 % of the brightest pixel: stars peaking above are taken as saturated.
double quantile_top(const Image& img) {
  float top = -INFINITY;
  for (const float v : img.pixels())
    if (std::isfinite(v)) top = std::max(top, v);
  return 0.99 * top;
}

}  // namespace

ContinuumMethod parse_continuum_method(std::string_view name) {
  if (name == "stars") return ContinuumMethod::kStars;
  if (name == "background") return ContinuumMethod::kBackground;
  throw Error(ExitCode::kUsage, fmt::format("unknown continuum method '{}' (stars or background)", name));
}

ContinuumResult continuum_subtract(const Image& narrow, const Image& broad, const ContinuumOptions& o) {
  if (!narrow.same_shape(broad))
    throw Error(ExitCode::kBadInput, fmt::format("continuum: the images differ in size ({}x{} and {}x{})",
                                                 narrow.width(), narrow.height(), broad.width(), broad.height()));
  ContinuumResult r;
  const ClippedStats sn = sky_of(narrow), sb = sky_of(broad);
  r.narrow_sky = sn.median;
  r.broad_sky = sb.median;
  if (o.scale) {
    r.scale = *o.scale;
  } else if (o.method == ContinuumMethod::kStars) {
    StarsOptions so;
    so.search_fwhm = o.search_fwhm;
    so.second_pass = true;
    so.bitdepth = 32;  // the images are calibrated floats: saturation is judged below
    const StarsResult stars = find_stars(narrow, Header{}, so);
    ApertureOptions ao;
    // Wide apertures: the two images rarely share a PSF, and the part of it in a
    // 2 FWHM aperture would differ by percents.
    ao.radius = std::max(4.0, std::ceil(4.0 * (std::isfinite(stars.fwhm.value) ? stars.fwhm.value : o.search_fwhm)));
    ao.annulus_inner = ao.radius + 3.0;
    ao.annulus_outer = ao.radius + 8.0;
    const double n_top = quantile_top(narrow), b_top = quantile_top(broad);
    std::vector<float> ratios;
    for (const Star& s : stars.stars) {
      if (ratios.size() >= 500) break;
      const ApertureResult an = aperture_photometry(narrow, nullptr, s.x, s.y, ao);
      const ApertureResult ab = aperture_photometry(broad, nullptr, s.x, s.y, ao);
      const double fn = an.flux(), fb = ab.flux();
      const double pn = narrow(static_cast<std::size_t>(std::lround(s.x)), static_cast<std::size_t>(std::lround(s.y)));
      const double pb = broad(static_cast<std::size_t>(std::lround(s.x)), static_cast<std::size_t>(std::lround(s.y)));
      if (!(fn > 0 && fb > 0) || pn >= n_top || pb >= b_top) continue;  // saturated or unmeasurable
      if (fb < 20.0 * sb.std * std::sqrt(ab.area) || fn < 20.0 * sn.std * std::sqrt(an.area)) continue;
      ratios.push_back(static_cast<float>(fn / fb));
    }
    if (ratios.size() < 3)
      throw Error(ExitCode::kFailed, fmt::format("continuum: {} stars measurable in both images; use --method background "
                                                 "or --scale", ratios.size()));
    const ClippedStats c = sigma_clipped_stats(ratios, SigmaClipOptions::symmetric(3.0, 5));
    r.scale = c.median;
    r.scale_err = 1.2533 * c.std / std::sqrt(static_cast<double>(c.n_kept));
    r.stars = c.n_kept;
  } else {
    double nb = 0.0, bb = 0.0;
    std::vector<float> ratios;
    for (std::size_t i = 0; i < narrow.size(); ++i) {
      const double b = broad.data()[i] - sb.median, n = narrow.data()[i] - sn.median;
      if (!std::isfinite(b) || !std::isfinite(n) || b < 5.0 * sb.std) continue;
      nb += n * b, bb += b * b;
      ratios.push_back(static_cast<float>(n / b));
    }
    if (ratios.size() < 10) throw Error(ExitCode::kFailed, "continuum: no pixels above the broad-band sky");
    r.scale = nb / bb;
    r.scale_err = mad_std(ratios) / std::sqrt(static_cast<double>(ratios.size()));
  }
  r.image = Image(narrow.width(), narrow.height());
  for (std::size_t i = 0; i < narrow.size(); ++i)
    r.image.data()[i] = static_cast<float>((narrow.data()[i] - sn.median) - r.scale * (broad.data()[i] - sb.median));
  return r;
}

}  // namespace ap
