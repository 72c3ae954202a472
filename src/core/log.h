// Logging: spdlog loggers named by stage, all writing to stderr as
// "2026-11-24 18:03:22.123 | stage | info | message". Results go to stdout.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace ap {

// Level names as in the original scripts (DEBUG, INFO, WARNING, ERROR,
// CRITICAL, any case) plus spdlog's (trace, warn, off). Throws ap::Error
// (kUsage) for an unknown name.
spdlog::level::level_enum parse_log_level(std::string_view name);
void set_log_level(spdlog::level::level_enum level);

// Logger for one stage, created on first use.
std::shared_ptr<spdlog::logger> logger(const std::string& stage);

}  // namespace ap
