// Cubic B-spline up-sampling of a background mesh, reproducing
// scipy.ndimage.zoom(order=3, mode='reflect', grid_mode=True) as photutils'
// BkgZoomInterpolator calls it: the mesh is prefiltered into spline
// coefficients with half-sample symmetric ('reflect') boundaries, and each
// output pixel is the tensor product of two 4-tap cubic B-spline kernels.
// The kernels are separable, so the rows of the mesh are interpolated along x
// once, and every output row is a 4-term combination of those rows.
#include <algorithm>
#include <cmath>

#include "core/parallel.h"
#include "measure/background_detail.h"

namespace ap::detail {
namespace {

constexpr double kPole = -0.267949192431122706472553658494127633;  // sqrt(3) - 2

// In-place cubic spline prefilter of one line (stride apart), 'reflect' mode
// (scipy ni_splines.c, causal/anticausal initialisation for that mode).
void prefilter_line(double* c, std::size_t n, std::size_t stride) {
  if (n < 2) return;
  const double z = kPole;
  const auto at = [&](std::size_t i) -> double& { return c[i * stride]; };
  const double gain = (1.0 - z) * (1.0 - 1.0 / z);
  for (std::size_t i = 0; i < n; ++i) at(i) *= gain;

  const double z_n = std::pow(z, static_cast<double>(n));
  const double c0 = at(0);
  // Accumulated in place as scipy does: the last term reads the updated c[0].
  at(0) += z_n * at(n - 1);
  double z_i = z;
  for (std::size_t i = 1; i < n; ++i) {
    at(0) += z_i * (at(i) + z_n * at(n - 1 - i));
    z_i *= z;
  }
  at(0) = at(0) * z / (1.0 - z_n * z_n) + c0;
  for (std::size_t i = 1; i < n; ++i) at(i) += z * at(i - 1);

  at(n - 1) *= z / (z - 1.0);
  for (std::size_t i = n - 1; i-- > 0;) at(i) = z * (at(i + 1) - at(i));
}

// Where output pixel o of a zoom from `in` to `out` samples reads the
// coefficients, and with which weights.
struct Taps {
  std::size_t index[4];
  double weight[4];
};

// Coefficient index of tap i, reflected about the edges (half-sample).
std::size_t reflect_index(std::ptrdiff_t i, std::size_t len) {
  const auto n = static_cast<std::ptrdiff_t>(len);
  if (n <= 1) return 0;
  if (i < 0) i = -i - 1;
  if (i >= n) i = 2 * n - i - 1;
  return static_cast<std::size_t>(i);
}

std::vector<Taps> zoom_taps(std::size_t in, std::size_t out, std::size_t keep) {
  const double zoom = static_cast<double>(in) / static_cast<double>(out);
  std::vector<Taps> taps(keep);
  for (std::size_t o = 0; o < keep; ++o) {
    // grid mode: centres of output pixels onto centres of input samples;
    // the result lies in (-0.5, in - 0.5), so of scipy's 'reflect' mapping of
    // outside coordinates only the one for (-0.5, 0) applies.
    double cc = (static_cast<double>(o) + 0.5) * zoom - 0.5;
    if (in <= 1) {
      cc = 0.0;
    } else if (cc < 0.0) {
      cc = (cc > -1e-15 ? 1e-15 : -cc) - 1.0;
    }
    const double fl = std::floor(cc);
    const double x = cc - fl;
    const double z = 1.0 - x;
    double w[4];
    w[1] = (x * x * (x - 2.0) * 3.0 + 4.0) / 6.0;
    w[2] = (z * z * (z - 2.0) * 3.0 + 4.0) / 6.0;
    w[0] = z * z * z / 6.0;
    w[3] = 1.0 - w[0] - w[1] - w[2];
    const auto start = static_cast<std::ptrdiff_t>(fl) - 1;
    for (std::size_t k = 0; k < 4; ++k) {
      taps[o].index[k] = reflect_index(start + static_cast<std::ptrdiff_t>(k), in);
      taps[o].weight[k] = w[k];
    }
  }
  return taps;
}

}  // namespace

void spline_zoom(const Mesh& mesh, std::size_t zoom_x, std::size_t zoom_y, Image& out) {
  const std::size_t width = out.width(), height = out.height();
  const auto [lo_it, hi_it] = std::minmax_element(mesh.pixels().begin(), mesh.pixels().end());
  const auto lo = static_cast<float>(*lo_it), hi = static_cast<float>(*hi_it);
  if (*lo_it == *hi_it) {
    std::fill(out.data(), out.data() + out.size(), lo);
    return;
  }

  const std::size_t mw = mesh.width(), mh = mesh.height();
  Mesh coef = mesh;
  for (std::size_t x = 0; x < mw; ++x) prefilter_line(coef.data() + x, mh, mw);  // axis 0
  for (std::size_t y = 0; y < mh; ++y) prefilter_line(coef.data() + y * mw, mw, 1);

  const std::vector<Taps> tx = zoom_taps(mw, mw * zoom_x, width);
  const std::vector<Taps> ty = zoom_taps(mh, mh * zoom_y, height);
  // Mesh rows interpolated along x at every output column.
  Image rows(width, mh);
  for (std::size_t y = 0; y < mh; ++y) {
    const double* c = coef.data() + y * mw;
    float* r = rows.data() + y * width;
    for (std::size_t x = 0; x < width; ++x) {
      const Taps& t = tx[x];
      double v = 0.0;
      for (std::size_t k = 0; k < 4; ++k) v += t.weight[k] * c[t.index[k]];
      r[x] = static_cast<float>(v);
    }
  }
  parallel_for(0, height, [&](std::size_t y0, std::size_t y1) {
    for (std::size_t y = y0; y < y1; ++y) {
      const Taps& t = ty[y];
      const float* r0 = rows.data() + t.index[0] * width;
      const float* r1 = rows.data() + t.index[1] * width;
      const float* r2 = rows.data() + t.index[2] * width;
      const float* r3 = rows.data() + t.index[3] * width;
      const auto w0 = static_cast<float>(t.weight[0]), w1 = static_cast<float>(t.weight[1]),
                 w2 = static_cast<float>(t.weight[2]), w3 = static_cast<float>(t.weight[3]);
      float* o = out.data() + y * width;
      for (std::size_t x = 0; x < width; ++x) {
        const float v = w0 * r0[x] + w1 * r1[x] + w2 * r2[x] + w3 * r3[x];
        o[x] = std::clamp(v, lo, hi);
      }
    }
  }, 16);
}

}  // namespace ap::detail
