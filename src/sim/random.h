// Reproducible random numbers for the simulator.
//
// The C++ standard fixes the engines but not the distributions, so uniform,
// normal and Poisson deviates are computed here: the same seed gives the same
// numbers with any compiler or library. Every frame and every component
// (noise, cosmic rays, star field, ...) draws from its own stream, derived
// from (seed, stream ids), so generating frames in parallel or switching one
// component off changes nothing else.
#pragma once

#include <cstdint>
#include <initializer_list>

namespace ap::sim {

// Stream identifiers (the first id of Rng::stream).
enum class Stream : std::uint64_t {
  kStarField = 1,
  kDetector,
  kFlat,
  kNebula,
  kFrameSetup,
  kPhotons,
  kReadout,
  kCosmics,
  kPoorFrames,
};

// xoshiro256++ (Blackman & Vigna), seeded through splitmix64: small, fast and
// specified bit for bit.
class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  // A stream derived from the dataset seed and any number of ids.
  static Rng stream(std::uint64_t seed, Stream kind, std::initializer_list<std::uint64_t> ids = {});

  std::uint64_t next();
  double uniform();                      // [0, 1)
  double uniform(double lo, double hi);  // [lo, hi)
  std::uint64_t below(std::uint64_t n);  // [0, n), n > 0
  double normal();                       // mean 0, std 1 (polar method)
  double normal(double mean, double sigma) { return mean + sigma * normal(); }
  // Poisson deviate: inversion below 10, Hormann's PTRS (transformed rejection) up to
  // 1e4, the rounded normal approximation above (skewness below 1%).
  double poisson(double lambda);

 private:
  std::uint64_t s_[4];
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace ap::sim
