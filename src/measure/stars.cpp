#include "measure/stars.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <tuple>

#include <fmt/format.h>

#include "core/error.h"
#include "core/parallel.h"
#include "core/stats.h"
#include "measure/aperture.h"
#include "measure/background.h"
#include "measure/background_detail.h"
#include "measure/daofind.h"

namespace ap {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Clipped (3 sigma, 5 passes) median of the values and the MAD std of the survivors.
RobustValue robust(const std::vector<float>& values) {
  RobustValue r{kNaN, kNaN, 0};
  if (values.empty()) return r;
  const ClippedStats s = sigma_clipped_stats(values, SigmaClipOptions::symmetric(3.0, 5));
  std::vector<float> kept;
  for (float v : values)
    if (v >= s.lower && v <= s.upper) kept.push_back(v);
  r.value = s.median;
  r.error = kept.size() > 1 ? mad_std(kept) : 0.0;
  r.n = kept.size();
  return r;
}

struct GlobalBackground {
  double median = kNaN, std = kNaN;
};

GlobalBackground global_background(const Image& image) {
  SourceMaskOptions mask_options;
  mask_options.dilate = 11;
  const SourceMaskResult sources = make_source_mask(image, mask_options);
  std::vector<float> sky;
  sky.reserve(image.size() - sources.masked);
  for (std::size_t i = 0; i < image.size(); ++i)
    if (!sources.mask.data()[i]) sky.push_back(image.data()[i]);
  const ClippedStats s = sigma_clipped_stats(sky, SigmaClipOptions::symmetric(3.0, 5));
  return {s.median, s.std};
}

Region region_of(double x, double y, std::size_t w, std::size_t h) {
  const double dx = x - 0.5 * static_cast<double>(w), dy = y - 0.5 * static_cast<double>(h);
  if (std::hypot(dx, dy) <= 0.25 * static_cast<double>(std::min(w, h))) return Region::kCentre;
  if (dy >= 0) return dx >= 0 ? Region::kTopRight : Region::kTopLeft;
  return dx >= 0 ? Region::kBottomRight : Region::kBottomLeft;
}

// Side of the PSF fitting box: 2 * int(3 * fwhm), at least 12 (the original's).
long fit_box(double fwhm) { return std::max(12L, 2 * static_cast<long>(3.0 * fwhm)); }

// Isolated, unsaturated detections well inside the frame, the brightest
// `per_region` of each region, in the order CN, TL, TR, BR, BL.
std::vector<PsfStar> pick_psf_stars(const std::vector<DaoSource>& found, const Image& image,
                                    double saturation, long box, int per_region) {
  std::vector<detail::KdTree::Point> points;
  for (const DaoSource& s : found) points.push_back({s.x, s.y});
  if (points.size() < 2) points.push_back({1e30, 1e30});  // a lone star is isolated
  const detail::KdTree tree(points);
  const double w = static_cast<double>(image.width()), h = static_cast<double>(image.height());
  const double half = static_cast<double>(box) / 2.0;

  std::vector<std::size_t> order(found.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return found[a].flux > found[b].flux; });
  std::vector<std::vector<PsfStar>> by_region(5);
  for (std::size_t i : order) {
    const DaoSource& s = found[i];
    if (s.x < half || s.y < half || s.x > w - half - 1 || s.y > h - half - 1) continue;
    if (image(static_cast<std::size_t>(s.peak_x), static_cast<std::size_t>(s.peak_y)) >= saturation)
      continue;
    const Region r = region_of(s.x, s.y, image.width(), image.height());
    auto& list = by_region[static_cast<std::size_t>(r)];
    if (static_cast<int>(list.size()) >= per_region) continue;
    const double nn = tree.nearest({s.x, s.y}, 2)[1].distance;
    if (nn < static_cast<double>(box)) continue;
    PsfStar p;
    p.id = static_cast<int>(i);  // index into `found` until the final list is numbered
    p.x = s.x;
    p.y = s.y;
    p.region = r;
    p.nn_dist = nn;
    list.push_back(p);
  }
  std::vector<PsfStar> out;
  for (auto& list : by_region) out.insert(out.end(), list.begin(), list.end());
  return out;
}

void fit_psf_stars(std::vector<PsfStar>& stars, const std::vector<DaoSource>& found,
                   const Image& image, double bg, double bg_std, double gain, double fwhm,
                   long box) {
  parallel_for(0, stars.size(), [&](std::size_t a, std::size_t b) {
    for (std::size_t k = a; k < b; ++k) {
      const DaoSource& s = found[static_cast<std::size_t>(stars[k].id)];
      const PsfGuess guess{s.x, s.y, s.peak, bg, fwhm};
      PsfFitOptions o;
      o.sky_variance = std::max(bg_std * bg_std, 1e-6);
      o.gain = gain;
      const long x0 = std::lround(s.x) - box / 2, y0 = std::lround(s.y) - box / 2;
      o.model = PsfModel::kGaussian;
      stars[k].gaussian = fit_psf(image, nullptr, x0, y0, box, guess, o);
      o.model = PsfModel::kMoffat;
      stars[k].moffat = fit_psf(image, nullptr, x0, y0, box, guess, o);
    }
  }, 1);
}

void summarise_psf(StarsResult& r) {
  std::vector<float> fwhm, major, minor, ell, theta, beta, gfwhm;
  for (const PsfStar& p : r.psf) {
    if (p.moffat.ok) {
      fwhm.push_back(static_cast<float>(p.moffat.fwhm()));
      major.push_back(static_cast<float>(p.moffat.fwhm_major));
      minor.push_back(static_cast<float>(p.moffat.fwhm_minor));
      ell.push_back(static_cast<float>(p.moffat.ellipticity()));
      theta.push_back(static_cast<float>(p.moffat.theta_deg));
      beta.push_back(static_cast<float>(p.moffat.beta));
    }
    if (p.gaussian.ok) gfwhm.push_back(static_cast<float>(p.gaussian.fwhm()));
  }
  r.fwhm = robust(fwhm);
  r.fwhm_major = robust(major);
  r.fwhm_minor = robust(minor);
  r.ellipticity = robust(ell);
  r.theta_deg = robust(theta);
  r.beta = robust(beta);
  r.fwhm_gaussian = robust(gfwhm);
}

// The centre of a saturated star. Its flat core says nothing about where the
// peak was (DAOFIND's 5-pixel fits then land anywhere on the plateau), but
// core and wings are symmetric about it: the first moment of the pixels
// above the background within the core plus three FWHM of wing, iterated.
std::pair<double, double> saturated_centre(const Image& img, double x, double y, double fwhm,
                                           double saturation, double bg) {
  const long w = static_cast<long>(img.width()), h = static_cast<long>(img.height());
  const auto clamp_x = [&](double v) { return std::clamp(static_cast<long>(v), 0L, w - 1); };
  const auto clamp_y = [&](double v) { return std::clamp(static_cast<long>(v), 0L, h - 1); };
  const double box = 4.0 * fwhm + 20.0;
  std::size_t core = 0;
  for (long j = clamp_y(y - box); j <= clamp_y(y + box); ++j)
    for (long i = clamp_x(x - box); i <= clamp_x(x + box); ++i)
      core += img(static_cast<std::size_t>(i), static_cast<std::size_t>(j)) >= saturation;
  const double radius = std::sqrt(static_cast<double>(core) / std::numbers::pi) + 3.0 * fwhm;
  for (int pass = 0; pass < 5; ++pass) {
    double sw = 0.0, sx = 0.0, sy = 0.0;
    for (long j = clamp_y(y - radius); j <= clamp_y(y + radius + 1); ++j) {
      for (long i = clamp_x(x - radius); i <= clamp_x(x + radius + 1); ++i) {
        const double dx = static_cast<double>(i) - x, dy = static_cast<double>(j) - y;
        if (dx * dx + dy * dy > radius * radius) continue;
        const double v = img(static_cast<std::size_t>(i), static_cast<std::size_t>(j)) - bg;
        if (!(v > 0)) continue;
        sw += v, sx += v * dx, sy += v * dy;
      }
    }
    if (!(sw > 0)) break;
    x += sx / sw;
    y += sy / sw;
  }
  return {x, y};
}

std::vector<Star> photometry(const Image& image, const std::vector<DaoSource>& found,
                             double radius, double exposure, double saturation, double fwhm,
                             double bg) {
  ApertureOptions ao;
  ao.radius = radius;
  ao.annulus_inner = radius;
  ao.annulus_outer = std::ceil(1.5 * radius);
  std::vector<Star> stars(found.size());
  parallel_for(0, found.size(), [&](std::size_t a, std::size_t b) {
    for (std::size_t i = a; i < b; ++i) {
      const DaoSource& s = found[i];
      Star& st = stars[i];
      st.saturated =
          image(static_cast<std::size_t>(s.peak_x), static_cast<std::size_t>(s.peak_y)) >= saturation;
      std::tie(st.x, st.y) = st.saturated ? saturated_centre(image, s.x, s.y, fwhm, saturation, bg)
                                          : std::pair{s.x, s.y};
      const ApertureResult ap = aperture_photometry(image, nullptr, st.x, st.y, ao);
      st.sharpness = s.sharpness;
      st.roundness1 = s.roundness1;
      st.roundness2 = s.roundness2;
      st.peak = s.peak;
      st.background = ap.background;
      st.aperture_sum = ap.flux();
      st.adu_per_sec = st.aperture_sum / exposure;
      st.magnitude = st.adu_per_sec > 0 ? -2.5 * std::log10(st.adu_per_sec) : kNaN;
    }
  }, 64);
  // Brightest first; unmeasurable (NaN) last; ties by position for a stable order.
  std::sort(stars.begin(), stars.end(), [](const Star& a, const Star& b) {
    const bool fa = std::isfinite(a.adu_per_sec), fb = std::isfinite(b.adu_per_sec);
    if (fa != fb) return fa;
    if (a.adu_per_sec != b.adu_per_sec) return a.adu_per_sec > b.adu_per_sec;
    return a.x != b.x ? a.x > b.x : a.y > b.y;
  });
  return stars;
}

}  // namespace

const char* region_name(Region r) {
  static const char* const names[] = {"CN", "TL", "TR", "BR", "BL"};
  return names[static_cast<int>(r)];
}

std::size_t StarsResult::good_fits() const {
  return static_cast<std::size_t>(
      std::count_if(psf.begin(), psf.end(), [](const PsfStar& p) { return p.moffat.ok; }));
}

StarsResult find_stars(const Image& image, const Header& header, const StarsOptions& o) {
  if (!(o.search_fwhm > 0.5 && o.search_fwhm < 100.0) || !(o.search_nsigma > 0.0) ||
      o.bitdepth < 1 || o.bitdepth > 32 || !(o.sat_frac > 0.0 && o.sat_frac <= 1.0) ||
      o.stars_per_region < 1)
    throw Error(ExitCode::kUsage,
                "stars: need 0.5 < search_fwhm < 100, search_nsigma > 0, bitdepth 1..32, "
                "0 < sat_frac <= 1");
  if (image.size() == 0) throw Error(ExitCode::kBadInput, "stars: the image is empty");
  if (std::none_of(image.pixels().begin(), image.pixels().end(),
                   [](float v) { return std::isfinite(v); }))
    throw Error(ExitCode::kBadInput, "stars: the image has no finite pixel");

  StarsResult r;
  r.width = image.width();
  r.height = image.height();
  if (const auto e = header.get_double_any({"EXPOSURE", "EXPTIME"}); e && *e > 0) {
    r.exposure = *e;
  } else {
    r.exposure_assumed = true;
    r.notes.push_back("no EXPOSURE or EXPTIME: ADU/s and magnitudes assume 1 s");
  }
  const double gain = o.gain.value_or(header.get_double_any({"EGAIN", "GAIN"}).value_or(1.0));

  const GlobalBackground bg = global_background(image);
  r.bg_median = bg.median;
  r.bg_std = bg.std;

  r.saturation_level = std::floor(o.sat_frac * (std::ldexp(1.0, o.bitdepth) - 1.0));
  const std::size_t sat_box = 2 * static_cast<std::size_t>(4.0 * o.search_fwhm) - 1;
  const SourceMaskResult saturated = segment_above(image, r.saturation_level, 1, sat_box);
  r.saturated_stars = saturated.segments;
  const Mask* no_detect = o.retain_saturated ? nullptr : &saturated.mask;

  Image sub = image;
  for (float& v : sub.pixels()) v = static_cast<float>(v - bg.median);
  DaoFindOptions dao;
  dao.fwhm = o.search_fwhm;
  dao.threshold = o.search_nsigma * bg.std;
  std::vector<DaoSource> found = dao_find(sub, dao, no_detect);
  r.detect_fwhm = dao.fwhm;

  r.psf_box = fit_box(o.search_fwhm);
  r.psf = pick_psf_stars(found, image, r.saturation_level, r.psf_box, o.stars_per_region);
  fit_psf_stars(r.psf, found, image, bg.median, bg.std, gain, o.search_fwhm, r.psf_box);
  summarise_psf(r);
  if (found.empty()) {
    r.notes.push_back(fmt::format("no star detected above {} sigma", o.search_nsigma));
  } else if (r.psf.empty()) {
    r.notes.push_back("no isolated unsaturated star for PSF fits: FWHM not measured");
  } else if (r.good_fits() == 0) {
    r.notes.push_back("no PSF fit converged: FWHM not measured");
  }
  if (o.second_pass && r.good_fits() > 0) {
    dao.fwhm = r.fwhm.value;
    found = dao_find(sub, dao, no_detect);
    r.detect_fwhm = dao.fwhm;
  }
  r.detected = found.size();

  r.aperture_radius = std::ceil(2.0 * r.detect_fwhm);
  std::vector<Star> all = photometry(image, found, r.aperture_radius, r.exposure, r.saturation_level,
                                     r.detect_fwhm, r.bg_median);
  if (!all.empty()) {
    r.adups_brightest = all.front().adu_per_sec;
    r.adups_median = all[all.size() / 2].adu_per_sec;
    r.adups_faintest = all.back().adu_per_sec;
  }
  if (o.max_sources > 0 && all.size() > o.max_sources) all.resize(o.max_sources);
  for (std::size_t i = 0; i < all.size(); ++i) all[i].id = static_cast<int>(i + 1);
  r.stars = std::move(all);

  // PSF stars take the id of the final-list star at their position (0: none within 1 px).
  for (PsfStar& p : r.psf) {
    p.id = 0;
    for (const Star& st : r.stars) {
      if (std::hypot(st.x - p.x, st.y - p.y) < 1.0) {
        p.id = st.id;
        break;
      }
    }
  }
  return r;
}

}  // namespace ap
