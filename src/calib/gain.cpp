// Photon-transfer gain from two flats and two biases (calib/read_noise.h).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "calib/read_noise.h"
#include "core/error.h"
#include "core/stats.h"

namespace ap {
namespace {

// The central box covering `fraction` of each axis (at least one pixel).
struct Box {
  std::size_t x0, y0, width, height;
};

Box central_box(const Image& image, double fraction) {
  const double f = std::clamp(fraction, 0.0, 1.0);
  const auto side = [f](std::size_t n) {
    return std::clamp<std::size_t>(static_cast<std::size_t>(std::lround(f * double(n))), 1, n);
  };
  const std::size_t w = side(image.width()), h = side(image.height());
  return {(image.width() - w) / 2, (image.height() - h) / 2, w, h};
}

// The box's pixels of a, minus those of b when given.
std::vector<float> cut(const Box& box, const Image& a, const Image* b = nullptr) {
  std::vector<float> out;
  out.reserve(box.width * box.height);
  for (std::size_t y = box.y0; y < box.y0 + box.height; ++y) {
    for (std::size_t x = box.x0; x < box.x0 + box.width; ++x) {
      out.push_back(b == nullptr ? a(x, y) : a(x, y) - (*b)(x, y));
    }
  }
  return out;
}

}  // namespace

GainResult photon_transfer_gain(const Image& flat1, const Image& flat2, const Image& bias1,
                                const Image& bias2, const GainOptions& options) {
  for (const Image* other : {&flat2, &bias1, &bias2}) {
    if (!other->same_shape(flat1)) {
      throw Error(ExitCode::kBadInput,
                  fmt::format("frames differ in size: {}x{} and {}x{}", flat1.width(),
                              flat1.height(), other->width(), other->height()));
    }
  }
  const Box box = central_box(flat1, options.region);
  const SigmaClipOptions clip = SigmaClipOptions::symmetric(options.sigma);
  const auto mean_of = [&](const Image& image) {
    return sigma_clipped_stats(cut(box, image), clip).mean;
  };
  const auto var_of = [&](const Image& a, const Image& b) {
    const double s = sigma_clipped_stats(cut(box, a, &b), clip).std;
    return s * s;
  };
  GainResult r;
  r.pixels = box.width * box.height;
  r.signal_adu = ((mean_of(flat1) + mean_of(flat2)) - (mean_of(bias1) + mean_of(bias2))) / 2.0;
  r.flat_diff_var = var_of(flat1, flat2);
  r.bias_diff_var = var_of(bias1, bias2);
  if (!(r.signal_adu > 0.0)) {
    throw Error(ExitCode::kBadInput,
                fmt::format("the flats are not brighter than the biases (signal {:.2f} ADU)",
                            r.signal_adu));
  }
  if (!(r.flat_diff_var > r.bias_diff_var)) {
    throw Error(ExitCode::kBadInput,
                fmt::format("the flat difference (variance {:.3g}) is not noisier than the bias "
                            "difference ({:.3g})",
                            r.flat_diff_var, r.bias_diff_var));
  }
  r.gain = 2.0 * r.signal_adu / (r.flat_diff_var - r.bias_diff_var);
  r.read_noise_e = r.gain * std::sqrt(r.bias_diff_var / 2.0);
  return r;
}

}  // namespace ap
