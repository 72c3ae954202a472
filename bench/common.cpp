#include "common.h"

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/fits.h"
#include "core/parallel.h"

namespace ap::bench {
namespace {

// Collects the real time per iteration of every run for the ratio table.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred || run.run_type != Run::RT_Iteration) continue;
      seconds_[run.run_name.function_name] =
          run.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(run.time_unit);
    }
  }

  // For every "<case>/<peer>" that has a "<case>/ap": peer time / ap time.
  void PrintRatios() const {
    std::printf("\n%-36s %10s  %-12s %10s %8s\n", "case", "ap (s)", "peer", "peer (s)", "ratio");
    for (const auto& [name, peer_seconds] : seconds_) {
      const auto slash = name.rfind('/');
      if (slash == std::string::npos || name.substr(slash + 1) == "ap") continue;
      const std::string key = name.substr(0, slash);
      const auto ours = seconds_.find(key + "/ap");
      if (ours == seconds_.end()) continue;
      std::printf("%-36s %10.4f  %-12s %10.4f %7.1fx\n", key.c_str(), ours->second,
                  name.substr(slash + 1).c_str(), peer_seconds, peer_seconds / ours->second);
    }
  }

 private:
  std::map<std::string, double> seconds_;
};

std::filesystem::path bench_dir() { return std::filesystem::path(AP_BENCH_DIR); }

}  // namespace

double run_peer(const std::string& script, const std::string& args) {
  const std::string command =
      fmt::format("/usr/bin/python3 '{}' {} 2>/dev/null", (bench_dir() / "peers" / script).string(),
                  args);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return std::nan("");
  char line[512];
  std::string last;
  while (std::fgets(line, sizeof line, pipe.get()) != nullptr) last = line;
  try {
    return std::stod(last);
  } catch (...) {
    return std::nan("");
  }
}

void register_peer(const std::string& name, const std::string& peer, const std::string& script,
                   std::function<std::string()> args) {
  benchmark::RegisterBenchmark((name + "/" + peer).c_str(),
                               [script, args](benchmark::State& state) {
                                 for (auto _ : state) {
                                   const double s = run_peer(script, args());
                                   if (std::isnan(s)) {
                                     state.SkipWithError("peer not installed");
                                     break;
                                   }
                                   state.SetIterationTime(s);
                                 }
                               })
      ->UseManualTime()
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond);
}

const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("ap-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::atexit([] { std::filesystem::remove_all(scratch_dir()); });
    return d;
  }();
  return dir;
}

std::array<benchmark::internal::Benchmark*, 2> register_ap(
    const std::string& name, const std::function<void(benchmark::State&)>& body) {
  const auto with_threads = [body](int threads) {
    return [body, threads](benchmark::State& state) {
      set_threads(threads);
      body(state);
      set_threads(0);
    };
  };
  return {benchmark::RegisterBenchmark((name + "/ap").c_str(), with_threads(0)),
          benchmark::RegisterBenchmark((name + "_1thread/ap").c_str(), with_threads(1))};
}

std::string scratch_image(const std::string& name, const Image& image) {
  const auto file = scratch_dir() / name;
  write_image(file, image, {});
  return file.string();
}

const Image& star_field() {
  static const Image image = [] {
    Image img(kFieldWidth, kFieldHeight);
    std::mt19937_64 rng(20240605);
    std::normal_distribution<float> noise(0.0f, 10.0f);
    const double two_pi = 2.0 * std::numbers::pi;
    for (std::size_t y = 0; y < kFieldHeight; ++y) {
      for (std::size_t x = 0; x < kFieldWidth; ++x) {
        const double fx = static_cast<double>(x) / kFieldWidth;
        const double fy = static_cast<double>(y) / kFieldHeight;
        const double sky = 1000.0 + 40.0 * fx - 25.0 * fy +
                           15.0 * std::sin(two_pi * 1.5 * fx) * std::cos(two_pi * fy);
        img(x, y) = static_cast<float>(sky) + noise(rng);
      }
    }
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (int s = 0; s < 3000; ++s) {
      const double cx = unit(rng) * kFieldWidth, cy = unit(rng) * kFieldHeight;
      const double peak = 50.0 * std::pow(1000.0, unit(rng));
      const auto x0 = static_cast<std::ptrdiff_t>(cx), y0 = static_cast<std::ptrdiff_t>(cy);
      for (std::ptrdiff_t y = std::max<std::ptrdiff_t>(0, y0 - 8);
           y <= std::min<std::ptrdiff_t>(kFieldHeight - 1, y0 + 8); ++y) {
        for (std::ptrdiff_t x = std::max<std::ptrdiff_t>(0, x0 - 8);
             x <= std::min<std::ptrdiff_t>(kFieldWidth - 1, x0 + 8); ++x) {
          const double dx = static_cast<double>(x) - cx, dy = static_cast<double>(y) - cy;
          float& p = img(static_cast<std::size_t>(x), static_cast<std::size_t>(y));
          const double v = p + peak * std::exp(-(dx * dx + dy * dy) / (2.0 * 1.5 * 1.5));
          p = static_cast<float>(std::min(v, 65535.0));
        }
      }
    }
    return img;
  }();
  return image;
}

const std::string& star_field_file() {
  static const std::string path = scratch_image("field_4008x2672.fits", star_field());
  return path;
}

}  // namespace ap::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  ap::bench::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.PrintRatios();
  benchmark::Shutdown();
  return 0;
}
