#include "measure/daofind.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.h"
#include "core/parallel.h"

namespace ap {
namespace {

constexpr double kFwhmToSigma = 0.42466090014400953;  // 1 / (2 sqrt(2 ln 2))

float finite_or_zero(float v) { return std::isfinite(v) ? v : 0.0f; }

// Zero-filled correlation with the (symmetric) kernel, rows in parallel.
Image convolve(const Image& data, const DaoKernel& k) {
  const auto w = static_cast<long>(data.width()), h = static_cast<long>(data.height());
  struct Tap {
    int dx, dy;
    double weight;
  };
  std::vector<Tap> taps;
  for (int j = 0; j < k.ny; ++j)
    for (int i = 0; i < k.nx; ++i)
      if (const double v = k.zero_sum[static_cast<std::size_t>(j * k.nx + i)]; v != 0.0)
        taps.push_back({i - k.nx / 2, j - k.ny / 2, v});
  Image out(data.width(), data.height());
  parallel_for(0, data.height(), [&](std::size_t y0, std::size_t y1) {
    std::vector<double> acc(static_cast<std::size_t>(w));
    for (auto y = static_cast<long>(y0); y < static_cast<long>(y1); ++y) {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (const Tap& t : taps) {
        const long sy = y + t.dy;
        if (sy < 0 || sy >= h) continue;
        const float* row = &data(0, static_cast<std::size_t>(sy));
        // Inner range where x + dx stays inside the row.
        const long xa = std::max(0L, -static_cast<long>(t.dx));
        const long xb = std::min(w, w - t.dx);
        for (long x = xa; x < xb; ++x) acc[static_cast<std::size_t>(x)] += t.weight * finite_or_zero(row[x + t.dx]);
      }
      float* o = &out(0, static_cast<std::size_t>(y));
      for (long x = 0; x < w; ++x) o[x] = static_cast<float>(acc[static_cast<std::size_t>(x)]);
    }
  });
  return out;
}

// A kernel-sized cut-out centred on (px, py), 0 outside the image.
void cutout(const Image& img, int px, int py, const DaoKernel& k, std::vector<double>& out) {
  out.assign(static_cast<std::size_t>(k.nx * k.ny), 0.0);
  const int w = static_cast<int>(img.width()), h = static_cast<int>(img.height());
  for (int j = 0; j < k.ny; ++j) {
    const int y = py + j - k.ny / 2;
    if (y < 0 || y >= h) continue;
    for (int i = 0; i < k.nx; ++i) {
      const int x = px + i - k.nx / 2;
      if (x >= 0 && x < w)
        out[static_cast<std::size_t>(j * k.nx + i)] =
            finite_or_zero(img(static_cast<std::size_t>(x), static_cast<std::size_t>(y)));
    }
  }
}

struct Marginal {
  double shift = 0.0;   // centroid offset from the peak pixel
  double height = 0.0;  // amplitude of the fitted 1-D Gaussian
  bool ok = false;
};

// DAOFIND's fit of the kernel's marginal to the data's marginal along x
// (axis 0) or y (axis 1), both weighted by triangles peaked at the centre.
Marginal marginal_fit(const std::vector<double>& cut, const DaoKernel& k, int axis) {
  const int nx = k.nx, ny = k.ny, xc = nx / 2, yc = ny / 2;
  auto tri_x = [&](int i) { return xc - std::abs(i - xc) + 1.0; };
  auto tri_y = [&](int j) { return yc - std::abs(j - yc) + 1.0; };
  const int size = axis == 0 ? nx : ny;
  const int center = axis == 0 ? xc : yc;
  const double sigma = axis == 0 ? k.xsigma : k.ysigma;

  std::vector<double> kern1(static_cast<std::size_t>(size), 0.0), data1(kern1);
  for (int j = 0; j < ny; ++j) {
    for (int i = 0; i < nx; ++i) {
      const auto p = static_cast<std::size_t>(j * nx + i);
      const double cross = axis == 0 ? tri_y(j) : tri_x(i);
      const auto bin = static_cast<std::size_t>(axis == 0 ? i : j);
      kern1[bin] += k.gauss[p] * cross;
      data1[bin] += cut[p] * cross;
    }
  }
  double wt_sum = 0, kern_sum = 0, kern2_sum = 0, dkern_sum = 0, dkern2_sum = 0, kern_dkern_sum = 0;
  double data_sum = 0, data_kern_sum = 0, data_dkern_sum = 0, data_dx_sum = 0;
  for (int n = 0; n < size; ++n) {
    const auto b = static_cast<std::size_t>(n);
    const double wt = axis == 0 ? tri_x(n) : tri_y(n);
    const double dx = center - n;
    const double dxx = axis == 0 ? dx : -dx;  // photutils' sign for the moment fallback
    const double dkern = kern1[b] * dx;
    wt_sum += wt;
    kern_sum += kern1[b] * wt;
    kern2_sum += kern1[b] * kern1[b] * wt;
    dkern_sum += dkern * wt;
    dkern2_sum += dkern * dkern * wt;
    kern_dkern_sum += kern1[b] * dkern * wt;
    data_sum += data1[b] * wt;
    data_kern_sum += data1[b] * kern1[b] * wt;
    data_dkern_sum += data1[b] * dkern * wt;
    data_dx_sum += data1[b] * dxx * wt;
  }
  const double numer = data_kern_sum - data_sum * kern_sum / wt_sum;
  const double denom = kern2_sum - kern_sum * kern_sum / wt_sum;
  Marginal m;
  if (numer <= 0.0 || denom <= 0.0) return m;
  m.height = numer / denom;
  double shift = (kern_dkern_sum - (data_dkern_sum - dkern_sum * data_sum)) /
                 (m.height * dkern2_sum / (sigma * sigma));
  const double half = size / 2.0;
  if (std::abs(shift) > half) shift = data_sum == 0.0 ? 0.0 : data_dx_sum / data_sum;
  if (std::abs(shift) > half || !std::isfinite(shift)) shift = 0.0;
  m.shift = shift;
  m.ok = std::isfinite(m.height);
  return m;
}

}  // namespace

DaoKernel::DaoKernel(const DaoFindOptions& o) {
  if (!(o.fwhm > 0.0) || !(o.ratio > 0.0 && o.ratio <= 1.0) || !(o.sigma_radius > 0.0))
    throw Error(ExitCode::kUsage, "star finder: fwhm and sigma_radius must be positive and "
                                   "ratio in (0, 1]");
  xsigma = o.fwhm * kFwhmToSigma;
  ysigma = xsigma * o.ratio;
  const double t = o.theta_deg * std::numbers::pi / 180.0, c = std::cos(t), s = std::sin(t);
  const double xs2 = xsigma * xsigma, ys2 = ysigma * ysigma;
  const double a = c * c / (2 * xs2) + s * s / (2 * ys2);
  const double b = 0.5 * c * s * (1 / xs2 - 1 / ys2);
  const double cc = s * s / (2 * xs2) + c * c / (2 * ys2);
  const double f = o.sigma_radius * o.sigma_radius / 2.0;
  const double det = a * cc - b * b;
  nx = 2 * static_cast<int>(std::max(2.0, std::sqrt(cc * f / det))) + 1;
  ny = 2 * static_cast<int>(std::max(2.0, std::sqrt(a * f / det))) + 1;
  const int xc = nx / 2, yc = ny / 2;
  const auto n = static_cast<std::size_t>(nx * ny);
  support.assign(n, 0);
  gauss.assign(n, 0.0);
  zero_sum.assign(n, 0.0);
  double sum = 0, sum2 = 0;
  for (int j = 0; j < ny; ++j) {
    for (int i = 0; i < nx; ++i) {
      const double dx = i - xc, dy = j - yc;
      const double er = a * dx * dx + 2 * b * dx * dy + cc * dy * dy;
      const auto p = static_cast<std::size_t>(j * nx + i);
      gauss[p] = std::exp(-er);
      if (er <= f || std::hypot(dx, dy) <= 2.0) {
        support[p] = 1;
        ++npixels;
        sum += gauss[p];
        sum2 += gauss[p] * gauss[p];
      }
    }
  }
  const double variance = sum2 - sum * sum / npixels;
  relerr = 1.0 / std::sqrt(variance);
  for (std::size_t p = 0; p < n; ++p)
    if (support[p]) zero_sum[p] = (gauss[p] - sum / npixels) / variance;
}

std::vector<DaoSource> dao_find(const Image& data, const DaoFindOptions& options,
                                const Mask* mask) {
  const DaoKernel k(options);
  const Image conv = convolve(data, k);
  const double threshold_eff = options.threshold * k.relerr;
  const int w = static_cast<int>(data.width()), h = static_cast<int>(data.height());

  // Offsets of the support: a peak is >= every convolved value there (0 outside).
  std::vector<std::pair<int, int>> foot;
  for (int j = 0; j < k.ny; ++j)
    for (int i = 0; i < k.nx; ++i)
      if (k.support[static_cast<std::size_t>(j * k.nx + i)] && (i != k.nx / 2 || j != k.ny / 2))
        foot.emplace_back(i - k.nx / 2, j - k.ny / 2);

  std::vector<std::vector<DaoSource>> chunks(data.height());
  parallel_for(0, data.height(), [&](std::size_t y0, std::size_t y1) {
    std::vector<double> dcut, ccut;
    for (auto yy = y0; yy < y1; ++yy) {
      const int y = static_cast<int>(yy);
      for (int x = 0; x < w; ++x) {
        const float v = conv(static_cast<std::size_t>(x), yy);
        if (!(v > threshold_eff)) continue;
        if (mask && (*mask)(static_cast<std::size_t>(x), yy)) continue;
        bool peak = true;
        for (const auto& [dx, dy] : foot) {
          const int qx = x + dx, qy = y + dy;
          const bool outside = qx < 0 || qy < 0 || qx >= w || qy >= h;
          if ((outside ? 0.0f : conv(static_cast<std::size_t>(qx), static_cast<std::size_t>(qy))) > v) {
            peak = false;
            break;
          }
        }
        if (!peak) continue;

        cutout(data, x, y, k, dcut);
        cutout(conv, x, y, k, ccut);
        const auto centre = static_cast<std::size_t>((k.ny / 2) * k.nx + k.nx / 2);
        const double data_peak = dcut[centre], conv_peak = ccut[centre];

        double masked_sum = 0.0;
        for (std::size_t p = 0; p < dcut.size(); ++p)
          if (k.support[p]) masked_sum += dcut[p];
        const double sharp =
            (data_peak - (masked_sum - data_peak) / (k.npixels - 1)) / conv_peak;

        double sum2 = 0.0, sum4 = 0.0;
        const int xc = k.nx / 2, yc = k.ny / 2;
        for (int j = 0; j < k.ny; ++j) {
          for (int i = 0; i < k.nx; ++i) {
            if (i == xc && j == yc) continue;
            const double c = ccut[static_cast<std::size_t>(j * k.nx + i)];
            sum4 += std::abs(c);
            if (j <= yc && i > xc) sum2 -= c;        // quadrant 1
            else if (j < yc && i <= xc) sum2 += c;   // quadrant 2
            else if (j >= yc && i < xc) sum2 -= c;   // quadrant 3
            else if (j > yc && i >= xc) sum2 += c;   // quadrant 4
          }
        }
        const double round1 = 2.0 * sum2 / sum4;

        const Marginal mx = marginal_fit(dcut, k, 0), my = marginal_fit(dcut, k, 1);
        if (!mx.ok || !my.ok) continue;
        const double round2 = 2.0 * (mx.height - my.height) / (mx.height + my.height);
        const auto inside = [](double q, double lo, double hi) { return q > lo && q < hi; };
        if (!inside(sharp, options.sharplo, options.sharphi) ||
            !inside(round1, options.roundlo, options.roundhi) ||
            !inside(round2, options.roundlo, options.roundhi))
          continue;
        DaoSource s;
        s.peak_x = x;
        s.peak_y = y;
        s.x = x + mx.shift;
        s.y = y + my.shift;
        s.sharpness = sharp;
        s.roundness1 = round1;
        s.roundness2 = round2;
        s.peak = data_peak;
        s.flux = conv_peak / threshold_eff;
        chunks[yy].push_back(s);
      }
    }
  });
  std::vector<DaoSource> out;
  for (auto& c : chunks) out.insert(out.end(), c.begin(), c.end());
  return out;
}

}  // namespace ap
