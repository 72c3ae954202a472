// Source mask: threshold from sigma-clipped statistics of the whole image
// (photutils detect_threshold), 8-connected segments of at least npixels
// pixels strictly above it (detect_sources), dilated by a square footprint
// (SegmentationImage.make_source_mask).
//
// Segments are found on runs of above-threshold pixels: rows are scanned in
// parallel into runs, runs touching in the previous row (diagonals included)
// are joined with a union-find, and the runs of the segments that are large
// enough are dilated, first along the row and then across rows.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>

#include "core/error.h"
#include "core/parallel.h"
#include "core/stats.h"
#include "measure/background.h"

namespace ap {
namespace {

struct Run {
  std::uint32_t x0;  // first pixel
  std::uint32_t x1;  // one past the last pixel
};

// The largest float not above v: for a float x, x > v exactly when x > it.
float float_below(double v) {
  const auto f = static_cast<float>(v);
  return static_cast<double>(f) > v ? std::nextafter(f, -std::numeric_limits<float>::infinity())
                                    : f;
}

// out[x] = 1 where row[x] > level and the pixel is not flagged bad.
void mark_above(const float* row, const std::uint8_t* flags, float level, std::size_t width,
                std::uint8_t* out) {
  for (std::size_t x = 0; x < width; ++x) out[x] = row[x] > level;
  if (flags) {
    for (std::size_t x = 0; x < width; ++x) out[x] &= flags[x] == 0;
  }
}

// Runs of marked bytes, found with memchr.
void append_runs(const std::uint8_t* marks, std::size_t width, std::vector<Run>& out) {
  const auto next = [&](std::size_t from, int value) {
    const void* p = std::memchr(marks + from, value, width - from);
    return p ? static_cast<std::size_t>(static_cast<const std::uint8_t*>(p) - marks) : width;
  };
  for (std::size_t x = next(0, 1); x < width;) {
    const std::size_t stop = next(x, 0);
    out.push_back({static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(stop)});
    x = stop < width ? next(stop, 1) : width;
  }
}

// Runs of pixels above the threshold (and not flagged bad), row by row.
std::vector<std::vector<Run>> find_runs(const Image& image, double threshold, const Mask* bad) {
  const std::size_t width = image.width();
  const float level = float_below(threshold);
  std::vector<std::vector<Run>> runs(image.height());
  parallel_for(0, image.height(), [&](std::size_t y0, std::size_t y1) {
    std::vector<std::uint8_t> marks(width);
    for (std::size_t y = y0; y < y1; ++y) {
      mark_above(image.data() + y * width, bad ? bad->data() + y * width : nullptr, level, width,
                 marks.data());
      append_runs(marks.data(), width, runs[y]);
    }
  }, 64);
  return runs;
}

class UnionFind {
 public:
  explicit UnionFind(std::size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  std::size_t find(std::size_t i) {
    while (parent_[i] != i) i = parent_[i] = parent_[parent_[i]];
    return i;
  }
  void join(std::size_t a, std::size_t b) {
    a = find(a);
    b = find(b);
    if (a != b) parent_[std::max(a, b)] = std::min(a, b);
  }

 private:
  std::vector<std::size_t> parent_;
};

// Which runs belong to segments of at least `npixels` pixels (8-connectivity).
std::vector<std::uint8_t> keep_large_segments(const std::vector<std::vector<Run>>& runs,
                                              std::size_t npixels, std::size_t& segments) {
  std::vector<std::size_t> first(runs.size() + 1, 0);  // index of each row's first run
  for (std::size_t y = 0; y < runs.size(); ++y) first[y + 1] = first[y] + runs[y].size();
  UnionFind sets(first.back());
  for (std::size_t y = 1; y < runs.size(); ++y) {
    const auto& above = runs[y - 1];
    std::size_t j = 0;
    for (std::size_t i = 0; i < runs[y].size(); ++i) {
      const Run r = runs[y][i];
      // Runs above that end before this one starts, diagonals included, never touch it.
      while (j < above.size() && above[j].x1 < r.x0) ++j;
      for (std::size_t k = j; k < above.size() && above[k].x0 <= r.x1; ++k) {
        sets.join(first[y] + i, first[y - 1] + k);
      }
    }
  }
  std::vector<std::size_t> size(first.back(), 0);
  for (std::size_t y = 0; y < runs.size(); ++y) {
    for (std::size_t i = 0; i < runs[y].size(); ++i) {
      size[sets.find(first[y] + i)] += runs[y][i].x1 - runs[y][i].x0;
    }
  }
  segments = 0;
  for (std::size_t i = 0; i < size.size(); ++i) {
    if (sets.find(i) == i && size[i] >= npixels) ++segments;
  }
  std::vector<std::uint8_t> keep(first.back());
  for (std::size_t i = 0; i < keep.size(); ++i) keep[i] = size[sets.find(i)] >= npixels;
  return keep;
}

// Square dilation by `radius` of the kept runs: each row's kept runs are
// widened by the radius and merged, and every mask row is filled from the
// widened runs of the rows within the radius.
Mask dilate(const std::vector<std::vector<Run>>& runs, const std::vector<std::uint8_t>& keep,
            std::size_t width, std::size_t radius) {
  const std::size_t height = runs.size();
  std::vector<std::size_t> first(height + 1, 0);
  for (std::size_t y = 0; y < height; ++y) first[y + 1] = first[y] + runs[y].size();
  std::vector<std::vector<Run>> wide(height);
  parallel_for(0, height, [&](std::size_t y0, std::size_t y1) {
    for (std::size_t y = y0; y < y1; ++y) {
      for (std::size_t i = 0; i < runs[y].size(); ++i) {
        if (!keep[first[y] + i]) continue;
        const Run r = runs[y][i];
        const auto x0 = static_cast<std::uint32_t>(r.x0 > radius ? r.x0 - radius : 0);
        const auto x1 = static_cast<std::uint32_t>(std::min<std::size_t>(width, r.x1 + radius));
        if (!wide[y].empty() && wide[y].back().x1 >= x0) {
          wide[y].back().x1 = x1;
        } else {
          wide[y].push_back({x0, x1});
        }
      }
    }
  }, 64);
  Mask mask(width, height);
  parallel_for(0, height, [&](std::size_t y0, std::size_t y1) {
    for (std::size_t y = y0; y < y1; ++y) {
      std::uint8_t* out = mask.data() + y * width;
      for (std::size_t v = y > radius ? y - radius : 0; v < std::min(height, y + radius + 1); ++v) {
        for (const Run r : wide[v]) std::fill(out + r.x0, out + r.x1, std::uint8_t{1});
      }
    }
  }, 16);
  return mask;
}

// Clipped statistics of the finite pixels not flagged in `bad`.
ClippedStats background_stats(const Image& image, const SourceMaskOptions& o, const Mask* bad) {
  const SigmaClipOptions clip = SigmaClipOptions::symmetric(o.clip_sigma, o.clip_iters);
  if (!bad) return sigma_clipped_stats(image.pixels(), clip);
  Image good = image;
  for (std::size_t i = 0; i < good.size(); ++i) {
    if (bad->data()[i] != 0) good.data()[i] = std::nanf("");
  }
  return sigma_clipped_stats(good.pixels(), clip);
}

void check_mask_shape(const Image& image, const Mask* bad) {
  if (bad && !bad->same_shape(image)) {
    throw Error(ExitCode::kBadInput, "source mask: the mask and the image differ in shape");
  }
}

}  // namespace

SourceMaskResult segment_above(const Image& image, double threshold, std::size_t npixels,
                               std::size_t dilate_size, const Mask* bad) {
  if (dilate_size % 2 == 0 || npixels == 0) {
    throw Error(ExitCode::kUsage, "source mask: the dilation size must be odd and npixels >= 1");
  }
  check_mask_shape(image, bad);
  SourceMaskResult r;
  r.threshold = threshold;
  const auto runs = find_runs(image, threshold, bad);
  const auto keep = keep_large_segments(runs, npixels, r.segments);
  r.mask = dilate(runs, keep, image.width(), dilate_size / 2);
  r.masked = static_cast<std::size_t>(std::count(r.mask.pixels().begin(), r.mask.pixels().end(),
                                                 std::uint8_t{1}));
  return r;
}

SourceMaskResult make_source_mask(const Image& image, const SourceMaskOptions& o,
                                  const Mask* bad) {
  check_mask_shape(image, bad);
  const ClippedStats stats = background_stats(image, o, bad);
  if (stats.n_kept == 0) {
    SourceMaskResult r;
    r.threshold = stats.mean;
    r.mask = Mask(image.width(), image.height());
    return r;
  }
  return segment_above(image, stats.mean + o.nsigma * stats.std, o.npixels, o.dilate, bad);
}

}  // namespace ap
