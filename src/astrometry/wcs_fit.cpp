#include "astrometry/wcs_fit.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>

#include <Eigen/Dense>
#include <fmt/format.h>

#include "core/error.h"
#include "measure/background_detail.h"

namespace ap::astrometry {
namespace {

constexpr double kRad = std::numbers::pi / 180.0;

// Standard coordinates (degrees) of (ra, dec) on the plane tangent at (ra0, dec0).
std::pair<double, double> project(double ra, double dec, double ra0, double dec0) {
  const double d = dec * kRad, d0 = dec0 * kRad, da = (ra - ra0) * kRad;
  const double cosc = std::sin(d0) * std::sin(d) + std::cos(d0) * std::cos(d) * std::cos(da);
  return {std::cos(d) * std::sin(da) / cosc / kRad,
          (std::cos(d0) * std::sin(d) - std::sin(d0) * std::cos(d) * std::cos(da)) / cosc / kRad};
}

// The sky position of standard coordinates (degrees) about (ra0, dec0).
std::pair<double, double> deproject(double xi, double eta, double ra0, double dec0) {
  const double x = xi * kRad, y = eta * kRad, d0 = dec0 * kRad;
  const double rho = std::hypot(x, y);
  if (rho == 0.0) return {ra0, dec0};
  const double c = std::atan(rho);
  const double dec = std::asin(std::cos(c) * std::sin(d0) + y * std::sin(c) * std::cos(d0) / rho);
  const double ra = ra0 * kRad + std::atan2(x * std::sin(c), rho * std::cos(d0) * std::cos(c) -
                                                                  y * std::sin(d0) * std::sin(c));
  return {std::fmod(ra / kRad + 360.0, 360.0), dec / kRad};
}

// Exponents (p, q) of u^p v^q with p + q <= order.
std::vector<std::pair<int, int>> monomials(int order) {
  std::vector<std::pair<int, int>> m;
  for (int n = 0; n <= order; ++n)
    for (int q = 0; q <= n; ++q) m.emplace_back(n - q, q);
  return m;
}

// Least squares of `targets` (columns) on the monomials of (u, v) / scale.
Eigen::MatrixXd fit_polynomial(const std::vector<std::pair<double, double>>& uv,
                               const Eigen::MatrixXd& targets, int order, double scale) {
  const auto terms = monomials(order);
  Eigen::MatrixXd a(static_cast<Eigen::Index>(uv.size()), static_cast<Eigen::Index>(terms.size()));
  for (std::size_t i = 0; i < uv.size(); ++i)
    for (std::size_t k = 0; k < terms.size(); ++k)
      a(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(k)) =
          std::pow(uv[i].first / scale, terms[k].first) * std::pow(uv[i].second / scale, terms[k].second);
  const auto qr = a.colPivHouseholderQr();
  if (qr.rank() < a.cols())
    throw Error(ExitCode::kFailed, "WCS fit: the matched stars do not constrain the fit");
  Eigen::MatrixXd c = qr.solve(targets);
  for (std::size_t k = 0; k < terms.size(); ++k)  // back to unscaled pixel units
    c.row(static_cast<Eigen::Index>(k)) /= std::pow(scale, terms[k].first + terms[k].second);
  return c;
}

void set_polynomial(Header& h, const char* name, const Eigen::VectorXd& c, int order, int min_degree) {
  const auto terms = monomials(order);
  h.set(fmt::format("{}_ORDER", name), order, "SIP polynomial order");
  for (std::size_t k = 0; k < terms.size(); ++k) {
    if (terms[k].first + terms[k].second < min_degree) continue;
    h.set(fmt::format("{}_{}_{}", name, terms[k].first, terms[k].second), c(static_cast<Eigen::Index>(k)));
  }
}

}  // namespace

WcsFit fit_wcs(const std::vector<StarPair>& pairs, double crpix_x, double crpix_y, double ra_guess,
               double dec_guess, int sip_order) {
  const int order = std::max(1, sip_order);
  const auto n_terms = monomials(order).size();
  if (pairs.size() < n_terms + 2)
    throw Error(ExitCode::kFailed, fmt::format("WCS fit: {} matched stars, {} needed", pairs.size(), n_terms + 2));
  std::vector<std::pair<double, double>> uv;
  for (const StarPair& p : pairs) uv.emplace_back(p.x - crpix_x, p.y - crpix_y);
  double scale = 1.0;
  for (const auto& [u, v] : uv) scale = std::max({scale, std::abs(u), std::abs(v)});

  double ra0 = ra_guess, dec0 = dec_guess;
  Eigen::MatrixXd coef;
  for (int pass = 0; pass < 6; ++pass) {
    Eigen::MatrixXd xy(static_cast<Eigen::Index>(pairs.size()), 2);
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      const auto [xi, eta] = project(pairs[i].ra, pairs[i].dec, ra0, dec0);
      xy(static_cast<Eigen::Index>(i), 0) = xi;
      xy(static_cast<Eigen::Index>(i), 1) = eta;
    }
    coef = fit_polynomial(uv, xy, order, scale);
    // The constant term is where CRPIX lands on the plane: move the tangent point there.
    std::tie(ra0, dec0) = deproject(coef(0, 0), coef(0, 1), ra0, dec0);
    if (std::hypot(coef(0, 0), coef(0, 1)) < 1e-10) break;
  }
  Eigen::Matrix2d cd;
  cd << coef(1, 0), coef(2, 0), coef(1, 1), coef(2, 1);  // rows xi, eta; columns u, v

  WcsFit fit;
  Header& h = fit.cards;
  const bool sip = order >= 2;
  h.set("CTYPE1", sip ? "RA---TAN-SIP" : "RA---TAN", "gnomonic projection");
  h.set("CTYPE2", sip ? "DEC--TAN-SIP" : "DEC--TAN", "gnomonic projection");
  h.set("CUNIT1", "deg", "");
  h.set("CUNIT2", "deg", "");
  h.set("CRPIX1", crpix_x, "reference pixel (image centre)");
  h.set("CRPIX2", crpix_y, "reference pixel (image centre)");
  h.set("CRVAL1", ra0, "[deg] RA at the reference pixel");
  h.set("CRVAL2", dec0, "[deg] Dec at the reference pixel");
  h.set("CD1_1", cd(0, 0), "");
  h.set("CD1_2", cd(0, 1), "");
  h.set("CD2_1", cd(1, 0), "");
  h.set("CD2_2", cd(1, 1), "");
  h.set("RADESYS", "ICRS", "");
  if (sip) {
    // Forward: [A; B] = CD^-1 [xi; eta] terms of degree 2 and more.
    const Eigen::Matrix2d inv = cd.inverse();
    Eigen::MatrixXd ab = (inv * coef.transpose()).transpose();
    set_polynomial(h, "A", ab.col(0), order, 2);
    set_polynomial(h, "B", ab.col(1), order, 2);
    // Inverse AP/BP on a grid covering the pairs: (u, v) = (U, V) + AP/BP(U, V).
    double umin = 1e30, umax = -1e30, vmin = 1e30, vmax = -1e30;
    for (const auto& [u, v] : uv) umin = std::min(umin, u), umax = std::max(umax, u), vmin = std::min(vmin, v), vmax = std::max(vmax, v);
    const auto terms = monomials(order);
    std::vector<std::pair<double, double>> grid;
    Eigen::MatrixXd back(400, 2);
    for (int j = 0; j < 20; ++j) {
      for (int i = 0; i < 20; ++i) {
        const double u = umin + (umax - umin) * i / 19.0, v = vmin + (vmax - vmin) * j / 19.0;
        double fu = 0, fv = 0;
        for (std::size_t k = 0; k < terms.size(); ++k) {
          if (terms[k].first + terms[k].second < 2) continue;
          const double m = std::pow(u, terms[k].first) * std::pow(v, terms[k].second);
          fu += ab(static_cast<Eigen::Index>(k), 0) * m;
          fv += ab(static_cast<Eigen::Index>(k), 1) * m;
        }
        grid.emplace_back(u + fu, v + fv);
        back(static_cast<Eigen::Index>(grid.size() - 1), 0) = -fu;
        back(static_cast<Eigen::Index>(grid.size() - 1), 1) = -fv;
      }
    }
    const Eigen::MatrixXd apbp = fit_polynomial(grid, back, order + 1, scale);
    set_polynomial(h, "AP", apbp.col(0), order + 1, 0);
    set_polynomial(h, "BP", apbp.col(1), order + 1, 0);
  }
  const auto wcs = Wcs::from_header(h);
  double sum_sky = 0.0, sum_pix = 0.0;
  for (const StarPair& p : pairs) {
    const SkyCoord s = wcs->pixel_to_sky({p.x - 1.0, p.y - 1.0});
    const auto [dx, dy] = project(s.ra, s.dec, p.ra, p.dec);
    sum_sky += (dx * dx + dy * dy) * 3600.0 * 3600.0;
    const PixelCoord q = wcs->sky_to_pixel({p.ra, p.dec});
    sum_pix += std::pow(q.x + 1.0 - p.x, 2) + std::pow(q.y + 1.0 - p.y, 2);
  }
  fit.rms_arcsec = std::sqrt(sum_sky / static_cast<double>(pairs.size()));
  fit.rms_pixels = std::sqrt(sum_pix / static_cast<double>(pairs.size()));
  fit.pixel_scale_arcsec = wcs->pixel_scale_arcsec();
  return fit;
}

std::vector<StarPair> cross_match(const Wcs& wcs, const std::vector<Detection>& detections,
                                  const std::vector<Reference>& references, double radius_px,
                                  double width, double height) {
  if (detections.empty() || references.empty()) return {};
  std::vector<detail::KdTree::Point> points;
  for (const Detection& d : detections) points.push_back({d.x, d.y});
  const detail::KdTree tree(points);
  struct Candidate {
    double distance;
    std::size_t det, ref;
  };
  std::vector<Candidate> candidates;
  for (std::size_t r = 0; r < references.size(); ++r) {
    const PixelCoord p = wcs.sky_to_pixel({references[r].ra, references[r].dec});
    const double x = p.x + 1.0, y = p.y + 1.0;
    if (!std::isfinite(x) || x < 0.5 || y < 0.5 || x > width + 0.5 || y > height + 0.5) continue;
    const auto near = tree.nearest({x, y}, 1);
    if (!near.empty() && near[0].distance <= radius_px) candidates.push_back({near[0].distance, near[0].index, r});
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.distance < b.distance; });
  std::vector<bool> used(detections.size(), false);
  std::vector<StarPair> pairs;
  for (const Candidate& c : candidates) {
    if (used[c.det]) continue;
    used[c.det] = true;
    pairs.push_back({detections[c.det].x, detections[c.det].y, references[c.ref].ra, references[c.ref].dec});
  }
  return pairs;
}

}  // namespace ap::astrometry
