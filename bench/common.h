// Side-by-side benchmarks against the peer tools.
//
// A stage's benchmark registers "<case>/ap" with Google Benchmark as usual and
// "<case>/<peer>" with register_peer(): the peer runs in Debian's system
// Python (/usr/bin/python3 bench/peers/<script>), times its own operation and
// prints the seconds per run on its last line. The shared main runs both and
// ends with a table of the ratios peer/ap, the numbers docs/PERFORMANCE.md
// records. A peer that is not installed is reported as missing, not timed.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

namespace ap::bench {

// Seconds per run reported by the peer script, or NaN when the peer is missing.
double run_peer(const std::string& script, const std::string& args);

// Registers "<name>/<peer>" (manual time). `args` is evaluated when the
// benchmark runs, after any set-up the ap benchmark did (e.g. writing a file).
void register_peer(const std::string& name, const std::string& peer, const std::string& script,
                   std::function<std::string()> args);

// A scratch directory for benchmark inputs, removed at exit.
const std::filesystem::path& scratch_dir();

}  // namespace ap::bench
