#include "core/log.h"

#include <algorithm>
#include <cctype>
#include <mutex>

#include <spdlog/sinks/stdout_color_sinks.h>

#include "core/error.h"

namespace ap {
namespace {

std::mutex g_mutex;
spdlog::level::level_enum g_level = spdlog::level::info;

spdlog::sink_ptr shared_sink() {
  static spdlog::sink_ptr sink = [] {
    auto s = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    s->set_pattern("%Y-%m-%d %H:%M:%S.%e | %n | %^%l%$ | %v");
    return s;
  }();
  return sink;
}

}  // namespace

spdlog::level::level_enum parse_log_level(std::string_view name) {
  std::string n(name);
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  if (n == "trace") return spdlog::level::trace;
  if (n == "debug") return spdlog::level::debug;
  if (n == "info") return spdlog::level::info;
  if (n == "warn" || n == "warning") return spdlog::level::warn;
  if (n == "error") return spdlog::level::err;
  if (n == "critical" || n == "fatal") return spdlog::level::critical;
  if (n == "off") return spdlog::level::off;
  throw Error(ExitCode::kUsage, "unknown log level '" + std::string(name) +
                                    "' (use DEBUG, INFO, WARNING, ERROR or CRITICAL)");
}

void set_log_level(spdlog::level::level_enum level) {
  std::lock_guard lock(g_mutex);
  g_level = level;
  spdlog::apply_all([level](const std::shared_ptr<spdlog::logger>& l) { l->set_level(level); });
}

std::shared_ptr<spdlog::logger> logger(const std::string& stage) {
  std::lock_guard lock(g_mutex);
  if (auto existing = spdlog::get(stage)) return existing;
  auto l = std::make_shared<spdlog::logger>(stage, shared_sink());
  l->set_level(g_level);
  spdlog::register_logger(l);
  return l;
}

}  // namespace ap
