// The read-noise histogram plot (calib/read_noise.h): two panels, linear and
// logarithmic counts, every pixel in grey and the good ones in blue, the good
// pixels' mean (red) and median (green) marked.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "calib/read_noise.h"
#include "core/canvas.h"

namespace ap {

std::string read_noise_histogram_png(const ReadNoiseResult& r) {
  constexpr int kWidth = 800, kPanel = 280, kLeft = 80, kRight = 20, kTop = 40;
  Canvas canvas(kWidth, kTop + 2 * kPanel + 20);
  cairo_t* cr = canvas.cr();
  const double pw = kWidth - kLeft - kRight, ph = kPanel - 60.0;
  const std::size_t bins = r.hist_all.size();
  const double x0 = static_cast<double>(r.hist_first) - 0.5, x1 = x0 + static_cast<double>(bins);
  const double peak = bins ? static_cast<double>(*std::max_element(r.hist_all.begin(), r.hist_all.end())) : 1.0;
  cairo_set_source_rgb(cr, 0, 0, 0);
  canvas.text(fmt::format("B1 - B2 [ADU]: std {:.3f}, mean {:.3f}, median {:.0f}; read noise {:.2f} e- "
                          "({} of {} pixels good)",
                          r.diff_std_adu, r.diff_mean_adu, r.diff_median_adu, r.read_noise_e, r.good, r.total),
              10, 22, 13);
  for (int panel = 0; panel < 2; ++panel) {
    const bool log = panel == 1;
    const double top = kTop + panel * kPanel + 10.0, bottom = top + ph;
    const double ymax = log ? std::log10(std::max(peak, 10.0)) + 0.2 : 1.05 * std::max(peak, 1.0);
    const auto px = [&](double v) { return kLeft + (v - x0) / (x1 - x0) * pw; };
    const auto py = [&](double count) {
      const double v = log ? (count > 0 ? std::log10(count) : 0.0) : count;
      return bottom - std::clamp(v / ymax, 0.0, 1.0) * ph;
    };
    for (const auto* hist : {&r.hist_all, &r.hist_good}) {
      if (hist == &r.hist_all) cairo_set_source_rgb(cr, 0.7, 0.7, 0.7);
      else cairo_set_source_rgb(cr, 0.12, 0.47, 0.71);
      for (std::size_t k = 0; k < bins; ++k) {
        if ((*hist)[k] == 0) continue;
        const double v = static_cast<double>(r.hist_first) + static_cast<double>(k);
        const double left = px(v - 0.5), right = px(v + 0.5), y = py(static_cast<double>((*hist)[k]));
        cairo_rectangle(cr, left, y, std::max(right - left, 0.5), bottom - y);
      }
      cairo_fill(cr);
    }
    cairo_set_line_width(cr, 1.5);
    for (const auto& [value, red, green] : {std::tuple{r.diff_mean_adu, 0.85, 0.1}, std::tuple{r.diff_median_adu, 0.1, 0.6}}) {
      cairo_set_source_rgb(cr, red, green, 0.1);
      cairo_move_to(cr, px(value), top);
      cairo_line_to(cr, px(value), bottom);
      cairo_stroke(cr);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, kLeft, top, pw, ph);
    cairo_stroke(cr);
    canvas.text(log ? "log10(pixels)" : "pixels", 8, top + 12, 11);
    canvas.text(fmt::format("{:.0f}", log ? std::pow(10.0, ymax) : ymax), 8, top + 28, 11);
    for (int t = 0; t <= 4; ++t) {
      const double v = x0 + (x1 - x0) * t / 4.0;
      canvas.text(fmt::format("{:.0f}", v), px(v) - 10, bottom + 16, 11);
    }
    canvas.text("B1 - B2 [ADU]", kLeft + pw / 2 - 40, bottom + 32, 11);
  }
  return canvas.png();
}

}  // namespace ap
