#include "sim/random.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace ap::sim {
namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

constexpr double kNormalLimit = 1e4;  // Poisson means above this use the normal approximation

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// log Gamma(x) for x >= 1 by the Stirling series, shifted up to x >= 7 for accuracy.
double log_gamma(double x) {
  static constexpr double kCoef[] = {
      8.333333333333333e-02, -2.777777777777778e-03, 7.936507936507937e-04, -5.952380952380952e-04,
      8.417508417508418e-04, -1.917526917526918e-03, 6.410256410256410e-03, -2.955065359477124e-02,
      1.796443723688307e-01, -1.392432216905900e+00};
  if (x == 1.0 || x == 2.0) return 0.0;
  const int shift = x < 7.0 ? static_cast<int>(7.0 - x) : 0;
  double x0 = x + shift;
  const double inv2 = 1.0 / (x0 * x0);
  double series = kCoef[9];
  for (int k = 8; k >= 0; --k) series = series * inv2 + kCoef[k];
  double result =
      series / x0 + 0.5 * std::log(2.0 * std::numbers::pi) + (x0 - 0.5) * std::log(x0) - x0;
  for (int k = 0; k < shift; ++k) {
    x0 -= 1.0;
    result -= std::log(x0);
  }
  return result;
}

}  // namespace

Rng::Rng(std::uint64_t seed) {
  for (auto& s : s_) s = splitmix64(seed);
}

Rng Rng::stream(std::uint64_t seed, Stream kind, std::initializer_list<std::uint64_t> ids) {
  std::uint64_t state = seed;
  std::uint64_t mixed = splitmix64(state) ^ static_cast<std::uint64_t>(kind);
  for (const std::uint64_t id : ids) {
    state = mixed;
    mixed = splitmix64(state) ^ id;
  }
  state = mixed;
  return Rng(splitmix64(state));
}

std::uint64_t Rng::next() {
  const std::uint64_t result = rotl(s_[0] + s_[3], 23) + s_[0];
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

double Rng::uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

std::uint64_t Rng::below(std::uint64_t n) {
  return static_cast<std::uint64_t>(uniform() * static_cast<double>(n)) % n;
}

double Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  // Marsaglia's polar method: two deviates per accepted point in the unit disc.
  double u = 0.0, v = 0.0, s = 0.0;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double factor = std::sqrt(-2.0 * std::log(s) / s);
  spare_ = v * factor;
  has_spare_ = true;
  return u * factor;
}

double Rng::poisson(double lambda) {
  if (!(lambda > 0.0)) return 0.0;
  if (lambda < 10.0) {
    // Inversion: walk up the cumulative distribution, p(k) = p(k-1) lambda / k.
    const double u = uniform();
    double p = std::exp(-lambda);
    double cumulative = p;
    double k = 0.0;
    while (u > cumulative && p > 0.0) {
      k += 1.0;
      p *= lambda / k;
      cumulative += p;
    }
    return k;
  }
  if (lambda > kNormalLimit) {
    // Skewness 1/sqrt(lambda) < 1%: the rounded normal is indistinguishable here (flat fields).
    return std::max(0.0, std::floor(lambda + std::sqrt(lambda) * normal() + 0.5));
  }
  // PTRS: transformed rejection with squeeze (W. Hormann 1993).
  const double slam = std::sqrt(lambda);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2.0);
  while (true) {
    const double u = uniform() - 0.5;
    const double v = uniform();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2.0 * a / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0.0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <=
        -lambda + k * std::log(lambda) - log_gamma(k + 1.0)) {
      return k;
    }
  }
}

}  // namespace ap::sim
