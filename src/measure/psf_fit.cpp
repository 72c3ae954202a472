#include "measure/psf_fit.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include <Eigen/Dense>
#include <unsupported/Eigen/NonLinearOptimization>

namespace ap {
namespace {

constexpr double kSigmaToFwhm = 2.3548200450309493;
constexpr double kMaxBeta = 30.0;
enum Param { kAmp, kX, kY, kWu, kWv, kTheta, kBg, kBeta };

struct Pixel {
  double x, y, value, inv_sigma;
};

// Residuals (data - model) / sigma and their derivatives for one profile.
struct Residuals {
  const std::vector<Pixel>* pixels;
  PsfModel model;
  int n_params;

  int inputs() const { return n_params; }
  int values() const { return static_cast<int>(pixels->size()); }

  // Profile value and its derivatives at (x, y); `grad` has n_params entries.
  double eval_point(const Eigen::VectorXd& p, double x, double y, double* grad) const {
    const double c = std::cos(p[kTheta]), s = std::sin(p[kTheta]);
    const double dx = x - p[kX], dy = y - p[kY];
    const double u = dx * c + dy * s, v = -dx * s + dy * c;
    const double iu2 = 1.0 / (p[kWu] * p[kWu]), iv2 = 1.0 / (p[kWv] * p[kWv]);
    const double q = u * u * iu2 + v * v * iv2;
    // d q / d parameter for the geometric parameters.
    const double dq_x = -2.0 * (u * iu2 * c - v * iv2 * s);
    const double dq_y = -2.0 * (u * iu2 * s + v * iv2 * c);
    const double dq_wu = -2.0 * u * u * iu2 / p[kWu];
    const double dq_wv = -2.0 * v * v * iv2 / p[kWv];
    const double dq_t = 2.0 * u * v * (iu2 - iv2);
    double shape, dshape_dq;
    if (model == PsfModel::kGaussian) {
      shape = std::exp(-0.5 * q);
      dshape_dq = -0.5 * shape;
    } else {
      // Beyond kMaxBeta a Moffat is a Gaussian to within 1 %: beta stops
      // there instead of running away on Gaussian-like stars.
      const double beta = std::min(p[kBeta], kMaxBeta), base = 1.0 + q, log_base = std::log1p(q);
      shape = std::exp(-beta * log_base);
      dshape_dq = -beta * shape / base;
      if (grad) grad[kBeta] = p[kBeta] < kMaxBeta ? -p[kAmp] * shape * log_base : 0.0;
    }
    if (grad) {
      const double a = p[kAmp] * dshape_dq;
      grad[kAmp] = shape;
      grad[kX] = a * dq_x;
      grad[kY] = a * dq_y;
      grad[kWu] = a * dq_wu;
      grad[kWv] = a * dq_wv;
      grad[kTheta] = a * dq_t;
      grad[kBg] = 1.0;
    }
    return p[kBg] + p[kAmp] * shape;
  }

  // The pixel's mean value: 2 x 2 Gauss-Legendre nodes over the pixel (exact
  // for cubics, so the profile's curvature across the pixel is kept), so that
  // undersampled stars (FWHM of 2 pixels and less) keep their true width.
  double eval(const Eigen::VectorXd& p, const Pixel& px, double* grad) const {
    static constexpr double kNode[2] = {-0.28867513459481287, 0.28867513459481287};
    double value = 0.0, g[8];
    if (grad) std::fill(grad, grad + n_params, 0.0);
    for (int j = 0; j < 2; ++j) {
      for (int i = 0; i < 2; ++i) {
        const double w = 0.25;
        value += w * eval_point(p, px.x + kNode[i], px.y + kNode[j], grad ? g : nullptr);
        if (grad)
          for (int k = 0; k < n_params; ++k) grad[k] += w * g[k];
      }
    }
    return value;
  }

  int operator()(const Eigen::VectorXd& p, Eigen::VectorXd& r) const {
    for (int i = 0; i < values(); ++i) {
      const Pixel& px = (*pixels)[static_cast<std::size_t>(i)];
      r[i] = (px.value - eval(p, px, nullptr)) * px.inv_sigma;
    }
    return 0;
  }

  int df(const Eigen::VectorXd& p, Eigen::MatrixXd& jac) const {
    double grad[8];
    for (int i = 0; i < values(); ++i) {
      const Pixel& px = (*pixels)[static_cast<std::size_t>(i)];
      eval(p, px, grad);
      for (int k = 0; k < n_params; ++k) jac(i, k) = -grad[k] * px.inv_sigma;
    }
    return 0;
  }
};

// FWHM of a width parameter and its derivatives d/dwidth, d/dbeta.
struct FwhmOf {
  double value, d_width, d_beta;
};
FwhmOf fwhm_of(PsfModel model, double width, double beta) {
  if (model == PsfModel::kGaussian) return {kSigmaToFwhm * width, kSigmaToFwhm, 0.0};
  const double t = std::pow(2.0, 1.0 / beta), k = std::sqrt(t - 1.0);
  return {2.0 * width * k, 2.0 * k, -width * t * std::numbers::ln2 / (k * beta * beta)};
}
double width_for_fwhm(PsfModel model, double fwhm, double beta) {
  return fwhm / fwhm_of(model, 1.0, beta).value;
}

}  // namespace

double PsfFit::ellipticity_err() const {
  if (!(fwhm_major > 0 && fwhm_minor > 0)) return 0.0;
  const double ratio = fwhm_minor / fwhm_major;
  return ratio * std::hypot(fwhm_minor_err / fwhm_minor, fwhm_major_err / fwhm_major);
}

PsfFit fit_psf(const Image& image, const Mask* bad, long x0, long y0, long size,
               const PsfGuess& guess, const PsfFitOptions& o) {
  const long xa = std::max(0L, x0), ya = std::max(0L, y0);
  const long xb = std::min(static_cast<long>(image.width()), x0 + size);
  const long yb = std::min(static_cast<long>(image.height()), y0 + size);
  std::vector<Pixel> pixels;
  double mxx = 0, myy = 0, mxy = 0, msum = 0;
  const double reach2 = 4.0 * guess.fwhm * guess.fwhm;
  for (long y = ya; y < yb; ++y) {
    for (long x = xa; x < xb; ++x) {
      const auto ux = static_cast<std::size_t>(x), uy = static_cast<std::size_t>(y);
      const double v = image(ux, uy);
      if (!std::isfinite(v) || (bad && (*bad)(ux, uy))) continue;
      const double signal = std::max(0.0, v - guess.background);
      const double var = o.sky_variance + signal / o.gain;
      pixels.push_back({static_cast<double>(x), static_cast<double>(y), v, 1.0 / std::sqrt(var)});
      const double dx = static_cast<double>(x) - guess.x, dy = static_cast<double>(y) - guess.y;
      if (dx * dx + dy * dy <= reach2) {
        mxx += signal * dx * dx;
        myy += signal * dy * dy;
        mxy += signal * dx * dy;
        msum += signal;
      }
    }
  }
  PsfFit fit;
  const int n_params = o.model == PsfModel::kMoffat ? 8 : 7;
  if (static_cast<int>(pixels.size()) <= 2 * n_params || !(msum > 0)) return fit;

  // Orientation and axis ratio from the second moments (bounded: noise
  // widens them), size from the guess.
  mxx /= msum;
  myy /= msum;
  mxy /= msum;
  const double half_diff = std::hypot(0.5 * (mxx - myy), mxy), mean = 0.5 * (mxx + myy);
  const double ratio = std::clamp(std::sqrt((mean + half_diff) / std::max(1e-9, mean - half_diff)),
                                  1.02, 1.5);
  const double beta0 = 3.0;
  const double w0 = width_for_fwhm(o.model, guess.fwhm, beta0);
  Eigen::VectorXd p(n_params);
  p[kAmp] = guess.amplitude;
  p[kX] = guess.x;
  p[kY] = guess.y;
  p[kWu] = w0 * std::sqrt(ratio);
  p[kWv] = w0 / std::sqrt(ratio);
  p[kTheta] = 0.5 * std::atan2(2.0 * mxy, mxx - myy);
  p[kBg] = guess.background;
  if (o.model == PsfModel::kMoffat) p[kBeta] = beta0;

  Residuals f{&pixels, o.model, n_params};
  Eigen::LevenbergMarquardt<Residuals> lm(f);
  lm.parameters.maxfev = o.max_evaluations;
  const auto status = lm.minimize(p);
  fit.evaluations = static_cast<int>(lm.nfev);
  const bool converged = status >= Eigen::LevenbergMarquardtSpace::RelativeReductionTooSmall &&
                         status <= Eigen::LevenbergMarquardtSpace::CosinusTooSmall;

  Eigen::MatrixXd jac(f.values(), n_params);
  f.df(p, jac);
  Eigen::VectorXd r(f.values());
  f(p, r);
  const double dof = f.values() - n_params;
  fit.reduced_chi2 = r.squaredNorm() / dof;
  const Eigen::MatrixXd cov =
      (jac.transpose() * jac).completeOrthogonalDecomposition().pseudoInverse() * fit.reduced_chi2;
  const auto err = [&](int k) { return std::sqrt(std::max(0.0, cov(k, k))); };

  double wu = std::abs(p[kWu]), wv = std::abs(p[kWv]), theta = p[kTheta];
  int iu = kWu, iv = kWv;
  if (wu < wv) {
    std::swap(wu, wv);
    std::swap(iu, iv);
    theta += std::numbers::pi / 2;
  }
  theta = std::remainder(theta, std::numbers::pi);  // (-pi/2, pi/2]
  const double beta = o.model == PsfModel::kMoffat ? std::min(p[kBeta], kMaxBeta) : 0.0;
  const auto fwhm_err = [&](int iw, const FwhmOf& g) {
    double var = g.d_width * g.d_width * cov(iw, iw);
    if (o.model == PsfModel::kMoffat)
      var += g.d_beta * g.d_beta * cov(kBeta, kBeta) + 2 * g.d_width * g.d_beta * cov(iw, kBeta);
    return std::sqrt(std::max(0.0, var));
  };
  const FwhmOf major = fwhm_of(o.model, wu, beta), minor = fwhm_of(o.model, wv, beta);
  fit.x = p[kX];
  fit.y = p[kY];
  fit.x_err = err(kX);
  fit.y_err = err(kY);
  fit.amplitude = p[kAmp];
  fit.amplitude_err = err(kAmp);
  fit.background = p[kBg];
  fit.fwhm_major = major.value;
  fit.fwhm_major_err = fwhm_err(iu, major);
  fit.fwhm_minor = minor.value;
  fit.fwhm_minor_err = fwhm_err(iv, minor);
  fit.theta_deg = theta * 180.0 / std::numbers::pi;
  fit.theta_err_deg = err(kTheta) * 180.0 / std::numbers::pi;
  if (o.model == PsfModel::kMoffat) {
    fit.beta = beta;
    fit.beta_err = err(kBeta);
  }
  const bool inside = fit.x >= static_cast<double>(xa) && fit.x < static_cast<double>(xb) &&
                      fit.y >= static_cast<double>(ya) && fit.y < static_cast<double>(yb);
  const bool sane_beta = o.model == PsfModel::kGaussian || beta > 1.0;
  fit.ok = converged && inside && sane_beta && p.allFinite() && fit.amplitude > 0 &&
           fit.fwhm_minor > 0.5 && fit.fwhm_major < static_cast<double>(size) &&
           std::isfinite(fit.fwhm_major_err) && std::isfinite(fit.x_err);
  return fit;
}

}  // namespace ap
