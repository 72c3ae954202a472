// measure_background(): the box mesh, its statistics and the steps of
// background_detail.h, in the order of photutils Background2D.
#include "measure/background.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "core/error.h"
#include "core/parallel.h"
#include "core/stats.h"
#include "measure/background_detail.h"

namespace ap {
namespace {

using detail::Mesh;

void validate(const Image& image, const BackgroundOptions& o, const Mask* bad) {
  if (image.empty()) throw Error(ExitCode::kBadInput, "background: the image is empty");
  if (bad && !bad->same_shape(image)) {
    throw Error(ExitCode::kBadInput, "background: the mask and the image differ in shape");
  }
  const auto usage = [](const std::string& what) {
    return Error(ExitCode::kUsage, "background: " + what);
  };
  if (o.nbg_cols == 0 || o.nbg_rows == 0) throw usage("nbg_cols and nbg_rows must be >= 1");
  if (o.min_bgwidth == 0 || o.min_bgheight == 0) {
    throw usage("min_bgwidth and min_bgheight must be >= 1");
  }
  if (o.filter_width == 0 || o.filter_width % 2 == 0) {
    throw usage(fmt::format("bg_filter_width must be odd, got {}", o.filter_width));
  }
  if (!(o.badbox_pctile >= 0.0 && o.badbox_pctile <= 100.0)) {
    throw usage(fmt::format("bg_badbox_pctile must be in [0, 100], got {}", o.badbox_pctile));
  }
  if (!(o.clip_sigma > 0.0)) {
    throw usage(fmt::format("bg_sigmaclip must be > 0, got {}", o.clip_sigma));
  }
}

// photutils: a box is excluded when it has more masked pixels than this;
// with 100 % only completely masked boxes are.
double masked_limit(double pctile, std::size_t box_pixels) {
  const double limit = pctile / 100.0 * static_cast<double>(box_pixels);
  return pctile == 100.0 ? limit - 1.0 : limit;
}

struct Grid {
  BoxSize box;
  std::size_t nx = 0;
  std::size_t ny = 0;
};

// Statistics of every box into the two meshes (NaN for excluded boxes).
void box_statistics(const Image& image, const Mask* excluded, const Grid& g,
                    const BackgroundOptions& o, Mesh& bkg, Mesh& rms) {
  const std::size_t box_pixels = g.box.width * g.box.height;
  const detail::BoxClip clip{o.clip_sigma, o.clip_iters, o.estimator, box_pixels,
                             masked_limit(o.badbox_pctile, box_pixels)};
  parallel_for(0, g.nx * g.ny, [&](std::size_t b0, std::size_t b1) {
    thread_local detail::BoxScratch scratch;
    for (std::size_t b = b0; b < b1; ++b) {
      const std::size_t x0 = (b % g.nx) * g.box.width, y0 = (b / g.nx) * g.box.height;
      const std::size_t w = std::min(image.width() - x0, g.box.width);
      const std::size_t h = std::min(image.height() - y0, g.box.height);
      const PlaneView<const std::uint8_t> flags =
          excluded ? excluded->view(x0, y0, w, h) : PlaneView<const std::uint8_t>{};
      const detail::BoxStats s = detail::box_stats(image.view(x0, y0, w, h), flags, scratch, clip);
      bkg.data()[b] = s.excluded ? std::nan("") : s.background;
      rms.data()[b] = s.excluded ? std::nan("") : s.rms;
    }
  });
}

// Pixels left out of the box statistics: sources and bad pixels, or null for none.
const Mask* excluded_pixels(const Mask* bad, const Mask* sources, Mask& combined) {
  if (!bad || !sources) return bad ? bad : sources;
  combined = *sources;
  for (std::size_t i = 0; i < combined.size(); ++i) combined.data()[i] |= bad->data()[i];
  return &combined;
}

Image to_image(const Mesh& m) {
  Image out(m.width(), m.height());
  std::transform(m.pixels().begin(), m.pixels().end(), out.data(),
                 [](double v) { return static_cast<float>(v); });
  return out;
}

bool has_finite(const Image& image) {
  return std::any_of(image.pixels().begin(), image.pixels().end(),
                     [](float v) { return std::isfinite(v); });
}

}  // namespace

BackgroundEstimator parse_background_estimator(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "median") return BackgroundEstimator::kMedian;
  if (lower == "sextractor") return BackgroundEstimator::kSExtractor;
  throw Error(ExitCode::kUsage,
              fmt::format("unknown background estimator '{}' (median or sextractor)", name));
}

const char* background_estimator_name(BackgroundEstimator e) {
  return e == BackgroundEstimator::kMedian ? "median" : "sextractor";
}

BoxSize background_box_size(std::size_t width, std::size_t height, const BackgroundOptions& o) {
  constexpr std::size_t q = 2;  // the original keeps box sides even
  const auto side = [](std::size_t n, std::size_t boxes, std::size_t minimum) {
    return std::min(n, std::max(minimum, q * (1 + n / (q * boxes))));
  };
  return {side(width, o.nbg_cols, o.min_bgwidth), side(height, o.nbg_rows, o.min_bgheight)};
}

BackgroundResult measure_background(const Image& image, const BackgroundOptions& o,
                                    const Mask* bad) {
  validate(image, o, bad);
  if (!has_finite(image)) {
    throw Error(ExitCode::kBadInput, "background: no finite pixel in the image");
  }
  BackgroundResult r;
  if (o.mask_sources) r.sources = make_source_mask(image, o.sources, bad);
  const Mask* sources = o.mask_sources ? &r.sources.mask : nullptr;

  Grid g;
  g.box = background_box_size(image.width(), image.height(), o);
  g.nx = (image.width() + g.box.width - 1) / g.box.width;
  g.ny = (image.height() + g.box.height - 1) / g.box.height;
  Mesh bkg(g.nx, g.ny), rms(g.nx, g.ny);
  Mask combined;
  box_statistics(image, excluded_pixels(bad, sources, combined), g, o, bkg, rms);

  r.excluded_boxes = static_cast<std::size_t>(std::count_if(
      bkg.pixels().begin(), bkg.pixels().end(), [](double v) { return std::isnan(v); }));
  if (r.excluded_boxes == bkg.size()) {
    throw Error(ExitCode::kFailed,
                fmt::format("background: every {}x{} box has more than {} % masked pixels; "
                            "raise bg_badbox_pctile or use smaller boxes",
                            g.box.width, g.box.height, o.badbox_pctile));
  }
  if (r.excluded_boxes > 0) {
    const std::array<Mesh*, 2> meshes{&bkg, &rms};
    detail::fill_excluded(meshes);
  }
  bkg = detail::median_filter(bkg, o.filter_width);
  rms = detail::median_filter(rms, o.filter_width);

  r.box = g.box;
  r.nboxes_x = g.nx;
  r.nboxes_y = g.ny;
  r.mesh_background = to_image(bkg);
  r.mesh_rms = to_image(rms);
  r.median = median(r.mesh_background.pixels());
  r.rms_median = median(r.mesh_rms.pixels());
  // Creating a 43 MB image costs tens of ms of page faults and zeroing: do
  // the two at once.
  parallel_for(0, 2, [&](std::size_t i0, std::size_t i1) {
    for (std::size_t i = i0; i < i1; ++i) {
      (i == 0 ? r.background : r.rms) = Image(image.width(), image.height());
    }
  });
  detail::spline_zoom(bkg, g.box.width, g.box.height, r.background);
  detail::spline_zoom(rms, g.box.width, g.box.height, r.rms);
  return r;
}

}  // namespace ap
