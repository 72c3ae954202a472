#include "sim/detector.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>

namespace ap::sim {
namespace {

constexpr double kHotFraction = 2e-4;   // hot pixels per pixel
constexpr double kDeadFraction = 1e-5;  // dead pixels per pixel
constexpr double kDsnu = 0.15;          // relative pixel-to-pixel dark current spread
constexpr double kPrnu = 0.007;         // relative pixel-to-pixel response spread

// `count` distinct random pixels, in draw order.
std::vector<std::pair<int, int>> random_pixels(std::size_t count, int width, int height, Rng& rng) {
  std::set<std::pair<int, int>> seen;
  std::vector<std::pair<int, int>> pixels;
  while (pixels.size() < count) {
    const std::pair<int, int> p(static_cast<int>(rng.below(static_cast<std::uint64_t>(width))),
                                static_cast<int>(rng.below(static_cast<std::uint64_t>(height))));
    if (seen.insert(p).second) pixels.push_back(p);
  }
  return pixels;
}

void add_bias_structure(Image& bias, Rng& rng) {
  const double phase = rng.uniform(0.0, 2.0 * std::numbers::pi);
  std::vector<float> columns(bias.width());
  for (std::size_t x = 0; x < bias.width(); ++x) {
    columns[x] = static_cast<float>(
        rng.normal(0.0, 1.5) +
        2.0 * std::sin(2.0 * std::numbers::pi * static_cast<double>(x) / 409.0 + phase));
  }
  const double height = static_cast<double>(bias.height());
  for (std::size_t y = 0; y < bias.height(); ++y) {
    const auto ramp = static_cast<float>(1.5 * static_cast<double>(y) / height);
    auto row = bias.row(y);
    for (std::size_t x = 0; x < bias.width(); ++x) row[x] += columns[x] + ramp;
  }
}

void add_bad_columns(Detector& d, Rng& rng) {
  // Three distinct columns away from the edges.
  std::set<int> used;
  const auto pick = [&] {
    int x = 0;
    do {
      x = 8 + static_cast<int>(rng.below(static_cast<std::uint64_t>(d.width - 16)));
    } while (!used.insert(x).second);
    return x;
  };
  const auto row_at = [&](double lo, double hi) {
    return static_cast<int>(d.height * rng.uniform(lo, hi));
  };
  const double hot_rate = 0.4 * d.binning * d.binning;
  d.bad_columns.push_back({pick(), 0, d.height, "hot", hot_rate});
  d.bad_columns.push_back({pick(), row_at(0.25, 0.75), d.height, "trap", 150.0});
  d.bad_columns.push_back({pick(), 0, row_at(0.3, 0.9), "low_response", 0.7});
  for (const BadColumn& c : d.bad_columns) {
    for (int y = c.y_begin; y < c.y_end; ++y) {
      const auto x = static_cast<std::size_t>(c.x);
      const auto yy = static_cast<std::size_t>(y);
      if (c.kind == "hot") {
        d.dark_rate(x, yy) += static_cast<float>(c.value);
        d.bias(x, yy) += 6.0F;
      } else if (c.kind == "low_response") {
        d.response(x, yy) *= static_cast<float>(c.value);
      }
    }
  }
  d.bad_row = 4 + static_cast<int>(rng.below(static_cast<std::uint64_t>(d.height - 8)));
}

}  // namespace

double Detector::dark_scale(double temp_c) const {
  return std::exp2((temp_c - set_temp_c) / kDarkDoublingC);
}

Detector make_detector(const itelescope::Telescope& t, const DetectorOptions& o,
                       std::uint64_t seed) {
  Rng rng = Rng::stream(seed, Stream::kDetector);
  Detector d;
  d.width = o.width;
  d.height = o.height;
  d.binning = o.binning;
  d.gain = t.gain_e_per_adu;
  d.read_noise_e = t.read_noise_e;
  d.dark_current = o.dark_current ? t.dark_current_e_per_s * o.binning * o.binning : 0.0;
  d.set_temp_c = t.set_temp_c;
  d.bias_level_adu = t.bias_adu;
  d.pedestal_adu = o.pedestal_adu;
  d.full_well_e = (kAdcMax - o.pedestal_adu - t.bias_adu) * t.gain_e_per_adu;
  const auto w = static_cast<std::size_t>(o.width);
  const auto h = static_cast<std::size_t>(o.height);
  d.bias = Image(w, h, static_cast<float>(t.bias_adu));
  d.dark_rate = Image(w, h, static_cast<float>(d.dark_current));
  d.response = Image(w, h, 1.0F);

  if (o.bias_structure) add_bias_structure(d.bias, rng);
  if (o.dark_current) {
    for (float& v : d.dark_rate.pixels()) {
      v = static_cast<float>(std::max(0.0, d.dark_current * (1.0 + kDsnu * rng.normal())));
    }
  }
  if (o.prnu) {
    for (float& v : d.response.pixels()) v = static_cast<float>(1.0 + kPrnu * rng.normal());
  }
  if (o.hot_pixels) {
    const double pixels = static_cast<double>(w * h);
    const auto hot =
        random_pixels(static_cast<std::size_t>(std::max(1.0, std::round(kHotFraction * pixels))),
                      o.width, o.height, rng);
    for (const auto& [x, y] : hot) {
      const double rate = 0.2 * std::pow(100.0, rng.uniform());  // log-uniform 0.2-20 e-/s
      d.hot_pixels.push_back({x, y, rate});
      d.dark_rate(static_cast<std::size_t>(x), static_cast<std::size_t>(y)) +=
          static_cast<float>(rate);
    }
    d.dead_pixels =
        random_pixels(static_cast<std::size_t>(std::max(1.0, std::round(kDeadFraction * pixels))),
                      o.width, o.height, rng);
    for (const auto& [x, y] : d.dead_pixels) {
      d.response(static_cast<std::size_t>(x), static_cast<std::size_t>(y)) = 0.02F;
    }
  }
  if (o.bad_columns && o.width >= 32 && o.height >= 16) add_bad_columns(d, rng);
  return d;
}

void collect_charge(Image& charge, const Detector& d, double exposure_s, double temp_c, bool dark,
                    bool noise, Rng& rng) {
  const double dark_time = dark ? exposure_s * d.dark_scale(temp_c) : 0.0;
  auto pixels = charge.pixels();
  const auto rates = d.dark_rate.pixels();
  for (std::size_t i = 0; i < pixels.size(); ++i) {
    const double expected = pixels[i] + rates[i] * dark_time;
    pixels[i] = static_cast<float>(noise ? rng.poisson(expected) : expected);
  }
}

void bleed_columns(Image& charge, double full_well) {
  const std::size_t w = charge.width();
  const std::size_t h = charge.height();
  // Rows are contiguous: find the columns that need work in one pass.
  std::vector<std::uint8_t> full(w, 0);
  for (std::size_t y = 0; y < h; ++y) {
    const auto row = charge.row(y);
    for (std::size_t x = 0; x < w; ++x) {
      if (row[x] > full_well) full[x] = 1;
    }
  }
  std::vector<double> spill(h);
  for (std::size_t x = 0; x < w; ++x) {
    if (!full[x]) continue;
    for (std::size_t y = 0; y < h; ++y) {
      const double excess = charge(x, y) - full_well;
      spill[y] = excess > 0.0 ? 0.5 * excess : 0.0;
      if (excess > 0.0) charge(x, y) = static_cast<float>(full_well);
    }
    // Upwards, then downwards: carried charge fills each pixel to full well.
    const auto fill = [&](std::size_t y, double& carried) {
      const double take = std::min(full_well - charge(x, y), carried);
      charge(x, y) += static_cast<float>(take);
      carried += spill[y] - take;
    };
    double carried = 0.0;
    for (std::size_t y = 0; y < h; ++y) fill(y, carried);
    carried = 0.0;
    for (std::size_t y = h; y-- > 0;) fill(y, carried);
  }
}

void apply_traps(Image& charge, const Detector& d) {
  for (const BadColumn& c : d.bad_columns) {
    if (c.kind != "trap") continue;
    for (int y = c.y_begin; y < c.y_end; ++y) {
      float& v = charge(static_cast<std::size_t>(c.x), static_cast<std::size_t>(y));
      v = std::max(0.0F, v - static_cast<float>(c.value));
    }
  }
}

std::vector<std::uint16_t> digitize(const Image& charge, const Detector& d,
                                    const ReadoutFrame& frame, Rng& rng) {
  std::vector<std::uint16_t> out(charge.size());
  const double inv_gain = 1.0 / d.gain;
  const double noise_adu = frame.read_noise ? d.read_noise_e / d.gain : 0.0;
  std::size_t i = 0;
  for (std::size_t y = 0; y < charge.height(); ++y) {
    const double offset = d.pedestal_adu + frame.bias_offset_adu +
                          (static_cast<int>(y) == d.bad_row ? frame.bad_row_adu : 0.0);
    const auto q = charge.row(y);
    const auto bias = d.bias.row(y);
    for (std::size_t x = 0; x < charge.width(); ++x, ++i) {
      double adu = q[x] * inv_gain + bias[x] + offset;
      if (noise_adu > 0.0) adu += noise_adu * rng.normal();
      // Rounding half up is exact here: the value is clamped to be non-negative first.
      out[i] = static_cast<std::uint16_t>(std::clamp(adu, 0.0, kAdcMax) + 0.5);
    }
  }
  return out;
}

}  // namespace ap::sim
