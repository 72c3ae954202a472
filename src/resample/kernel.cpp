#include "resample/kernel.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "core/error.h"

namespace ap {
namespace {

double sinc(double x) {
  if (std::abs(x) < 1e-8) return 1.0;
  const double px = std::numbers::pi * x;
  return std::sin(px) / px;
}

// Half-width of the kernel's support in pixels.
int radius(Kernel k) {
  switch (k) {
    case Kernel::kLanczos3: return 3;
    case Kernel::kLanczos2: return 2;
    case Kernel::kBilinear:
    case Kernel::kNearest: return 1;
  }
  return 1;
}

double value(Kernel k, double x) {
  x = std::abs(x);
  switch (k) {
    case Kernel::kLanczos3: return x < 3.0 ? sinc(x) * sinc(x / 3.0) : 0.0;
    case Kernel::kLanczos2: return x < 2.0 ? sinc(x) * sinc(x / 2.0) : 0.0;
    case Kernel::kBilinear: return x < 1.0 ? 1.0 - x : 0.0;
    case Kernel::kNearest: return x < 0.5 ? 1.0 : (x == 0.5 ? 0.5 : 0.0);
  }
  return 0.0;
}

}  // namespace

Kernel parse_kernel(std::string_view name) {
  if (name == "lanczos3") return Kernel::kLanczos3;
  if (name == "lanczos2") return Kernel::kLanczos2;
  if (name == "bilinear") return Kernel::kBilinear;
  if (name == "nearest") return Kernel::kNearest;
  throw Error(ExitCode::kUsage, fmt::format("unknown kernel '{}' (lanczos3, lanczos2, bilinear, nearest)", name));
}

FoldedKernel::FoldedKernel(Kernel kernel, int oversampling, const std::array<double, 4>& j) {
  const int n = std::max(1, oversampling);
  // Sub-pixel offsets in input pixels, and how far they reach.
  std::vector<std::array<double, 2>> offsets;
  double spread = 0.0;
  for (int sj = 0; sj < n; ++sj) {
    for (int si = 0; si < n; ++si) {
      const double u = (si + 0.5) / n - 0.5, v = (sj + 0.5) / n - 0.5;
      offsets.push_back({j[0] * u + j[1] * v, j[2] * u + j[3] * v});
      spread = std::max({spread, std::abs(offsets.back()[0]), std::abs(offsets.back()[1])});
    }
  }
  reach_ = radius(kernel) + static_cast<int>(std::ceil(spread - 1e-9));
  taps_ = 2 * reach_;
  const auto t = static_cast<std::size_t>(taps_), m = offsets.size();
  // One axis: 1-D weights per node, sub-pixel and tap.
  const auto axis = [&](int component) {
    std::vector<double> w(kSteps * m * t);
    for (std::size_t b = 0; b < kSteps; ++b)
      for (std::size_t s = 0; s < m; ++s)
        for (std::size_t a = 0; a < t; ++a)
          w[(b * m + s) * t + a] = value(kernel, static_cast<double>(b) / kSteps + offsets[s][component] -
                                                     (static_cast<double>(a) - reach_ + 1));
    return w;
  };
  const std::vector<double> wx = axis(0), wy = axis(1);
  table_.assign(kSteps * kSteps * t * t, 0.0f);
  std::vector<double> k(t * t);
  for (std::size_t by = 0; by < kSteps; ++by) {
    for (std::size_t bx = 0; bx < kSteps; ++bx) {
      std::fill(k.begin(), k.end(), 0.0);
      for (std::size_t s = 0; s < m; ++s) {
        const double* x = &wx[(bx * m + s) * t];
        const double* y = &wy[(by * m + s) * t];
        for (std::size_t b = 0; b < t; ++b)
          for (std::size_t a = 0; a < t; ++a) k[b * t + a] += y[b] * x[a];
      }
      double sum = 0.0;
      for (const double w : k) sum += w;
      float* out = table_.data() + (by * kSteps + bx) * t * t;
      for (std::size_t i = 0; i < k.size(); ++i) out[i] = static_cast<float>(k[i] / sum);
    }
  }
}

}  // namespace ap
