#include "resample/coadd.h"

#include <algorithm>
#include <cstdint>
#include <cmath>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "core/error.h"
#include "core/fits.h"
#include "core/parallel.h"
#include "core/stats.h"

namespace ap {
namespace {

namespace fs = std::filesystem;

struct Frame {
  fs::path path;
  // The image, its WEIGHT HDU (coadd) or its MASK HDU (stack) when there is one.
  std::unique_ptr<FitsRowReader> image, weight, mask;
  Header header;
  std::optional<Wcs> wcs;
  double frame_weight = 1.0, exposure = 0.0;
};

// Frame weights times 1 / (sky variance), the variance from a clipped
// sample of about 64 rows (in ADU/s with fscale_exposure), normalised to a
// mean factor of 1.
void weight_by_inverse_variance(std::vector<Frame>& frames, const CoaddOptions& o) {
  std::vector<double> inverse;
  for (Frame& f : frames) {
    const std::size_t w = f.image->width(), h = f.image->height(), step = std::max<std::size_t>(1, h / 64);
    std::vector<float> row(w), sample;
    for (std::size_t y = step / 2; y < h; y += step) {
      f.image->read_rows(y, 1, row);
      for (const float v : row)
        if (std::isfinite(v)) sample.push_back(o.fscale_exposure && f.exposure > 0 ? static_cast<float>(v / f.exposure) : v);
    }
    const double sd = sample.empty() ? 0.0 : sigma_clipped_stats(sample, SigmaClipOptions::symmetric(3.0, 5)).std;
    if (!(sd > 0.0)) throw Error(ExitCode::kBadInput, fmt::format("{}: no sky noise to weight by", f.path.string()));
    inverse.push_back(1.0 / (sd * sd));
  }
  double mean = 0.0;
  for (const double v : inverse) mean += v / static_cast<double>(inverse.size());
  for (std::size_t k = 0; k < frames.size(); ++k) frames[k].frame_weight *= inverse[k] / mean;
}

std::vector<Frame> open_frames(const std::vector<StackInput>& inputs, bool with_weights, const CoaddOptions& o) {
  std::vector<Frame> frames;
  for (const StackInput& in : inputs) {
    if (!(in.weight > 0.0)) continue;
    Frame f;
    f.path = in.image;
    f.image = std::make_unique<FitsRowReader>(in.image);
    f.header = f.image->info().header;
    f.wcs = Wcs::from_header(f.header);
    if (!f.wcs)
      throw Error(ExitCode::kBadInput, fmt::format("{}: no WCS (solve it first with ap solve)", in.image.string()));
    f.frame_weight = in.weight;
    f.exposure = f.header.get_double_any({"EXPOSURE", "EXPTIME"}).value_or(0.0);
    const auto hdus = read_hdu_list(in.image);
    const auto open = [&](std::string_view name) -> std::unique_ptr<FitsRowReader> {
      if (std::none_of(hdus.begin(), hdus.end(), [&](const HduInfo& h) { return h.extname == name; })) return nullptr;
      ReadOptions ro;
      ro.hdu = name;
      return std::make_unique<FitsRowReader>(in.image, ro);
    };
    (with_weights ? f.weight : f.mask) = open(with_weights ? "WEIGHT" : "MASK");
    frames.push_back(std::move(f));
  }
  if (frames.empty()) throw Error(ExitCode::kBadInput, "coadd: no input frame with a weight above 0");
  if (o.inverse_variance) weight_by_inverse_variance(frames, o);
  return frames;
}

// One output pixel from the frames' values and weights (weight 0: not covered).
struct Pixel {
  float value, weight, exposure;
};

Pixel combine(const std::vector<float>& v, const std::vector<float>& w, const std::vector<float>& exposure,
              const CoaddOptions& o, std::vector<float>& scratch) {
  scratch.clear();
  double wsum = 0.0, wv = 0.0, sum = 0.0, exp = 0.0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!(w[i] > 0.0f) || !std::isfinite(v[i])) continue;
    scratch.push_back(v[i]);
    wsum += w[i], wv += static_cast<double>(w[i]) * v[i], sum += v[i], exp += exposure[i];
  }
  if (scratch.empty()) return {std::nanf(""), 0.0f, 0.0f};
  double value = 0.0;
  switch (o.combine) {
    case Combine::kMedian: value = median(scratch); break;
    case Combine::kMean: value = sum / static_cast<double>(scratch.size()); break;
    case Combine::kWeightedMean: value = wv / wsum; break;
    case Combine::kSum: value = sum; break;
    case Combine::kSigmaClip: {
      const ClippedStats c = sigma_clipped_stats(scratch, SigmaClipOptions::symmetric(o.sigma, 5));
      double cw = 0.0, cv = 0.0;
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (!(w[i] > 0.0f) || !std::isfinite(v[i]) || v[i] < c.lower || v[i] > c.upper) continue;
        cw += w[i], cv += static_cast<double>(w[i]) * v[i];
      }
      value = cw > 0 ? cv / cw : c.median;
      break;
    }
  }
  return {static_cast<float>(value), static_cast<float>(wsum), static_cast<float>(exp)};
}

// Runs `fill(frame, y0, y1, values, weights)` for every band of output rows
// and combines the bands.
template <class Fill>
Coadded combine_bands(std::vector<Frame>& frames, std::size_t width, std::size_t height,
                      const CoaddOptions& o, Fill fill) {
  const std::size_t n = frames.size();
  const std::size_t per_row = n * width * 2 * sizeof(float);
  const std::size_t band = std::clamp<std::size_t>(o.memory_bytes / std::max<std::size_t>(1, per_row), 1, height);
  Coadded out{Image(width, height), Image(width, height), Image(width, height), {}};
  std::vector<Image> values(n), weights(n);
  for (std::size_t y0 = 0; y0 < height; y0 += band) {
    const std::size_t y1 = std::min(height, y0 + band);
    for (std::size_t k = 0; k < n; ++k) {
      values[k] = Image(width, y1 - y0);
      weights[k] = Image(width, y1 - y0);
      fill(frames[k], y0, y1, values[k], weights[k]);
    }
    parallel_for(y0, y1, [&](std::size_t a, std::size_t b) {
      std::vector<float> v(n), w(n), e(n), scratch;
      for (std::size_t y = a; y < b; ++y) {
        for (std::size_t x = 0; x < width; ++x) {
          for (std::size_t k = 0; k < n; ++k) {
            v[k] = values[k](x, y - y0);
            w[k] = weights[k](x, y - y0) * static_cast<float>(frames[k].frame_weight);
            e[k] = static_cast<float>(frames[k].exposure);
          }
          const Pixel p = combine(v, w, e, o, scratch);
          out.image(x, y) = p.value;
          out.weight(x, y) = p.weight;
          out.exposure(x, y) = p.exposure;
        }
      }
    }, 16);
  }
  double total = 0.0;
  for (const Frame& f : frames) total += f.exposure;
  out.header.set("NCOMBINE", static_cast<std::int64_t>(n), "frames combined");
  out.header.set("EXPTIME", total, "[s] total exposure of the frames");
  out.header.set("EXPOSURE", total, "[s] total exposure of the frames");
  out.header.set("COMBINE", combine_name(o.combine), "how the frames were combined");
  for (const Frame& f : frames)
    out.header.add_history(fmt::format("input {} weight {:.4g}", f.path.filename().string(), f.frame_weight));
  return out;
}

}  // namespace

Combine parse_combine(std::string_view name) {
  if (name == "median") return Combine::kMedian;
  if (name == "mean") return Combine::kMean;
  if (name == "wmean") return Combine::kWeightedMean;
  if (name == "sigclip") return Combine::kSigmaClip;
  if (name == "sum") return Combine::kSum;
  throw Error(ExitCode::kUsage, fmt::format("unknown combine '{}' (median, mean, wmean, sigclip, sum)", name));
}

const char* combine_name(Combine c) {
  static const char* const names[] = {"median", "mean", "wmean", "sigclip", "sum"};
  return names[static_cast<int>(c)];
}

std::vector<Footprint> footprints(const std::vector<StackInput>& inputs) {
  std::vector<Footprint> out;
  for (const StackInput& in : inputs) {
    const HduInfo info = read_hdu_list(in.image).front();
    auto wcs = Wcs::from_header(info.header);
    if (!wcs)
      throw Error(ExitCode::kBadInput, fmt::format("{}: no WCS (solve it first with ap solve)", in.image.string()));
    if (info.shape.size() < 2) throw Error(ExitCode::kBadInput, fmt::format("{}: no image", in.image.string()));
    out.push_back({std::move(*wcs), static_cast<std::size_t>(info.shape[0]), static_cast<std::size_t>(info.shape[1])});
  }
  return out;
}

Coadded coadd_files(const std::vector<StackInput>& inputs, const CoaddOptions& o) {
  std::vector<Frame> frames = open_frames(inputs, true, o);
  const std::size_t w = frames.front().image->width(), h = frames.front().image->height();
  Header first_wcs;
  frames.front().wcs->to_header(first_wcs);
  for (const Frame& f : frames) {
    Header other;
    f.wcs->to_header(other);
    const auto close = [&](const char* key) {
      return std::abs(other.get(key, 0.0) - first_wcs.get(key, 0.0)) <= 1e-9 * (1.0 + std::abs(first_wcs.get(key, 0.0)));
    };
    if (f.image->width() != w || f.image->height() != h || !close("CRVAL1") || !close("CRVAL2") ||
        !close("CRPIX1") || !close("CRPIX2") || !close("CDELT1") || !close("PC1_1") || !close("PC1_2"))
      throw Error(ExitCode::kBadInput,
                  fmt::format("{}: not on the grid of {} (resample first, or use ap stack)", f.path.string(),
                              frames.front().path.string()));
  }
  Coadded out = combine_bands(frames, w, h, o, [&](Frame& f, std::size_t y0, std::size_t y1, Image& v, Image& wt) {
    f.image->read_rows(y0, y1 - y0, v.pixels());
    if (f.weight) {
      f.weight->read_rows(y0, y1 - y0, wt.pixels());
    } else {
      for (std::size_t i = 0; i < v.size(); ++i) wt.data()[i] = std::isfinite(v.data()[i]) ? 1.0f : 0.0f;
    }
    if (o.fscale_exposure && f.exposure > 0)
      for (float& p : v.pixels()) p = static_cast<float>(p / f.exposure);
  });
  frames.front().wcs->to_header(out.header);
  return out;
}

Coadded stack_files(const std::vector<StackInput>& inputs, const Grid& grid, const CoaddOptions& o) {
  std::vector<Frame> frames = open_frames(inputs, false, o);
  std::vector<PixelMap> maps;
  std::vector<FoldedKernel> kernels;
  for (const Frame& f : frames) {
    maps.emplace_back(grid, *f.wcs);
    kernels.push_back(fold_kernel(grid, maps.back(), o.resample));
  }
  std::vector<float> rows, rows_of_mask;
  std::vector<std::uint8_t> bad;
  Coadded out = combine_bands(frames, grid.width, grid.height, o,
                              [&](Frame& f, std::size_t y0, std::size_t y1, Image& v, Image& wt) {
    const std::size_t k = static_cast<std::size_t>(&f - frames.data());
    const auto [first, end] = maps[k].input_rows(y0, y1, grid.width, kernels[k].reach() + 1, f.image->height());
    rows.resize((end - first) * f.image->width());
    if (end > first) f.image->read_rows(first, end - first, rows);
    bad.clear();
    if (f.mask && end > first) {
      rows_of_mask.resize(rows.size());
      f.mask->read_rows(first, end - first, rows_of_mask);
      bad.resize(rows.size());
      for (std::size_t i = 0; i < bad.size(); ++i) bad[i] = rows_of_mask[i] != 0.0f;
    }
    ResampleOptions ro = o.resample;
    if (o.fscale_exposure && f.exposure > 0) ro.exposure = f.exposure;
    const InputRows in{rows.data(), bad.empty() ? nullptr : bad.data(), f.image->width(), first, end - first,
                       f.image->height()};
    resample_rows(in, maps[k], kernels[k], ro, y0, y1, v, wt);
  });
  grid.wcs.to_header(out.header);
  return out;
}

void write_coadded(const fs::path& out, const Coadded& c, const std::vector<StackInput>& inputs,
                   std::string_view command, std::string_view parameters) {
  Header h = read_hdu_list(inputs.front().image).front().header;
  Wcs::erase_from(h);
  for (const auto& card : c.header.cards()) {
    if (card.key == "HISTORY") h.add_history(card.comment);
    else h.set(card.key, card.value, card.comment);
  }
  stamp(h, command, parameters);
  std::vector<fs::path> protect;
  for (const StackInput& in : inputs) protect.push_back(in.image);
  FitsWriter w(out, protect);
  w.add_image(c.image, h);
  w.add_image(c.weight, {}, "WEIGHT");
  w.add_image(c.exposure, {}, "EXPOSURE");
  w.commit();
}

}  // namespace ap
