#include "calib/badcols.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/parallel.h"
#include "core/stats.h"

namespace ap {
namespace {

// Indices of `profile` that deviate from their window's clipped statistics.
void deviant(const std::vector<float>& profile, const BadcolsOptions& o,
             std::set<std::size_t>& out) {
  const std::size_t n = profile.size();
  const auto hw = static_cast<std::size_t>(std::max(0, (o.window - 1) / 2));
  for (std::size_t k = 0; k < n; ++k) {
    if (!std::isfinite(profile[k])) continue;
    const std::size_t a = k >= hw ? k - hw : 0, b = std::min(n, k + hw + 1);
    const ClippedStats s = sigma_clipped_stats(std::span(profile).subspan(a, b - a),
                                               SigmaClipOptions::symmetric(3.0, 5));
    const double d = std::abs(profile[k] - s.mean) / s.std;
    if (d >= o.sigma) out.insert(k);  // s.std = 0: inf flags, NaN does not
  }
}

// Median of each column over rows [y0, y1) (by_columns), or of each row over
// columns [y0, y1) of the transposed sense.
std::vector<float> profile(const Image& img, bool by_columns, std::size_t from, std::size_t to) {
  const std::size_t n = by_columns ? img.width() : img.height();
  std::vector<float> p(n);
  parallel_for(0, n, [&](std::size_t i0, std::size_t i1) {
    std::vector<float> values;
    for (std::size_t i = i0; i < i1; ++i) {
      values.clear();
      for (std::size_t j = from; j < to; ++j) {
        values.push_back(by_columns ? img(i, j) : img(j, i));
      }
      p[i] = static_cast<float>(nanmedian(values));
    }
  });
  return p;
}

std::vector<std::size_t> find(const Image& img, bool by_columns, const BadcolsOptions& o) {
  const std::size_t length = by_columns ? img.height() : img.width();
  const auto bands = static_cast<std::size_t>(std::max(1, o.bands));
  std::set<std::size_t> out;
  deviant(profile(img, by_columns, 0, length), o, out);
  for (std::size_t b = 0; bands > 1 && b < bands; ++b) {
    deviant(profile(img, by_columns, b * length / bands, (b + 1) * length / bands), o, out);
  }
  return {out.begin(), out.end()};
}

std::string list(const std::vector<std::size_t>& indices) {
  std::vector<std::size_t> one_based;
  for (const std::size_t i : indices) one_based.push_back(i + 1);
  return fmt::format("[{}]", fmt::join(one_based, ", "));
}

}  // namespace

BadcolsResult find_bad_columns(const Image& image, const BadcolsOptions& o) {
  return {find(image, true, o), find(image, false, o)};
}

std::string badcols_yaml(const BadcolsResult& r, const std::string& comment) {
  return fmt::format("# {}\nbad_columns: {}\nbad_rows: {}\n", comment, list(r.columns),
                     list(r.rows));
}

}  // namespace ap
