// The quality plot of quality.h: four panels against time.
#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numbers>

#include <fmt/format.h>

#include "core/canvas.h"
#include "measure/quality.h"

namespace ap {
namespace {

constexpr std::array<std::array<double, 3>, 6> kColours = {{{0.12, 0.47, 0.71},
                                                            {1.0, 0.5, 0.05},
                                                            {0.17, 0.63, 0.17},
                                                            {0.58, 0.4, 0.74},
                                                            {0.55, 0.34, 0.29},
                                                            {0.5, 0.5, 0.5}}};

struct Panel {
  const char* title;
  std::optional<double> QualityFrame::*metric;
};

}  // namespace

std::string quality_plot_png(const QualitySummary& s) {
  constexpr int kWidth = 900, kPanel = 190, kLeft = 70, kRight = 20, kTop = 40;
  constexpr std::array<Panel, 4> kPanels = {{{"FWHM [pix]", &QualityFrame::fwhm},
                                             {"background [ADU]", &QualityFrame::background},
                                             {"star count", &QualityFrame::stars},
                                             {"airmass", &QualityFrame::airmass}}};
  Canvas canvas(kWidth, kTop + static_cast<int>(kPanels.size()) * kPanel + 30);
  cairo_t* cr = canvas.cr();
  double t0 = INFINITY, t1 = -INFINITY;
  for (const QualityFrame& f : s.frames)
    if (f.mjd) t0 = std::min(t0, *f.mjd), t1 = std::max(t1, *f.mjd);
  if (!(t1 > t0)) t1 = t0 + 1.0 / 24.0;
  std::map<std::string, std::size_t> colour;
  for (const QualityFrame& f : s.frames) colour.emplace(f.group, colour.size() % kColours.size());

  cairo_set_source_rgb(cr, 0, 0, 0);
  canvas.text(fmt::format("Frame quality against time (hours from MJD {:.4f}); crosses: poor frames",
                          std::isfinite(t0) ? t0 : 0.0),
              10, 22, 14);
  const double pw = kWidth - kLeft - kRight;
  for (std::size_t p = 0; p < kPanels.size(); ++p) {
    const double top = kTop + static_cast<double>(p) * kPanel, ph = kPanel - 40.0;
    double lo = INFINITY, hi = -INFINITY;
    for (const QualityFrame& f : s.frames)
      if (f.*kPanels[p].metric) lo = std::min(lo, *(f.*kPanels[p].metric)), hi = std::max(hi, *(f.*kPanels[p].metric));
    if (!std::isfinite(lo)) lo = 0, hi = 1;
    const double pad = hi > lo ? 0.08 * (hi - lo) : std::max(1e-3, 0.05 * std::abs(hi));
    lo -= pad, hi += pad;
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, kLeft, top + 20, pw, ph);
    cairo_stroke(cr);
    canvas.text(kPanels[p].title, kLeft, top + 14, 12);
    canvas.text(fmt::format("{:.4g}", hi), 4, top + 30, 10);
    canvas.text(fmt::format("{:.4g}", lo), 4, top + 20 + ph, 10);
    for (const QualityFrame& f : s.frames) {
      const auto v = f.*kPanels[p].metric;
      if (!v || !f.mjd) continue;
      const double x = kLeft + pw * (*f.mjd - t0) / (t1 - t0) * 0.96 + 0.02 * pw;
      const double y = top + 20 + ph * (1.0 - (*v - lo) / (hi - lo));
      const auto& c = kColours[colour[f.group]];
      cairo_set_source_rgb(cr, c[0], c[1], c[2]);
      if (f.poor) {
        cairo_move_to(cr, x - 5, y - 5), cairo_line_to(cr, x + 5, y + 5);
        cairo_move_to(cr, x - 5, y + 5), cairo_line_to(cr, x + 5, y - 5);
        cairo_set_line_width(cr, 2);
        cairo_stroke(cr);
      } else {
        cairo_arc(cr, x, y, 4, 0, 2 * std::numbers::pi);
        cairo_fill(cr);
      }
    }
  }
  // Legend along the bottom.
  double lx = kLeft;
  const double ly = kTop + static_cast<double>(kPanels.size()) * kPanel + 15;
  for (const auto& [group, c] : colour) {
    cairo_set_source_rgb(cr, kColours[c][0], kColours[c][1], kColours[c][2]);
    cairo_arc(cr, lx, ly - 4, 4, 0, 2 * std::numbers::pi);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    canvas.text(group, lx + 8, ly, 11);
    lx += 12 + 7.0 * static_cast<double>(group.size());
  }
  return canvas.png();
}

}  // namespace ap
