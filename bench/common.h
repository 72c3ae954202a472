// Side-by-side benchmarks against the peer tools.
//
// A stage's benchmark registers "<case>/ap" with Google Benchmark as usual and
// "<case>/<peer>" with register_peer(): the peer runs in Debian's system
// Python (/usr/bin/python3 bench/peers/<script>), times its own operation and
// prints the seconds per run on its last line. The shared main runs both and
// ends with a table of the ratios peer/ap, the numbers docs/PERFORMANCE.md
// records. A peer that is not installed is reported as missing, not timed.
#pragma once

#include <benchmark/benchmark.h>

#include <array>
#include <filesystem>
#include <functional>
#include <string>

#include "core/image.h"

namespace ap::bench {

// Seconds per run reported by the peer script, or NaN when the peer is missing.
double run_peer(const std::string& script, const std::string& args);

// Registers "<name>/<peer>" (manual time). `args` is evaluated when the
// benchmark runs, after any set-up the ap benchmark did (e.g. writing a file).
void register_peer(const std::string& name, const std::string& peer, const std::string& script,
                   std::function<std::string()> args);

// Registers "<name>/ap" on ap's default threads and "<name>_1thread/ap" on
// one thread, both running `body` (the timed loop); returns both so that the
// caller can set units and times.
std::array<benchmark::internal::Benchmark*, 2> register_ap(
    const std::string& name, const std::function<void(benchmark::State&)>& body);

// A scratch directory for benchmark inputs, removed at exit.
const std::filesystem::path& scratch_dir();

// Writes `image` as float32 FITS under scratch_dir() for a peer to read; the path.
std::string scratch_image(const std::string& name, const Image& image);

// The measurement benchmarks' frame: 4008 x 2672, sky of about 1000 ADU with
// a gradient and a slow ripple, noise of 10 ADU, 3000 Gaussian stars (FWHM
// 3.5 px) from 50 ADU to saturation; and the same as a scratch FITS file.
inline constexpr std::size_t kFieldWidth = 4008;
inline constexpr std::size_t kFieldHeight = 2672;
const Image& star_field();
const std::string& star_field_file();

}  // namespace ap::bench
