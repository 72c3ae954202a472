#include "pipeline/manifest.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <fstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"

namespace ap::pipeline {
namespace fs = std::filesystem;
namespace {

// "<size>:<mtime ns>", or "" when the file does not exist.
std::string stat_of(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return {};
  const auto time = fs::last_write_time(path, ec);
  if (ec) return {};
  return fmt::format("{}:{}", size, time.time_since_epoch().count());
}

// FNV-1a, 64 bits: stable across runs and machines, unlike std::hash.
class Fnv {
 public:
  void add(std::string_view text) {
    for (const char c : text) {
      hash_ = (hash_ ^ static_cast<unsigned char>(c)) * 0x100000001B3ULL;
    }
    hash_ = (hash_ ^ 0xFFU) * 0x100000001B3ULL;  // field separator
  }
  std::string hex() const { return fmt::format("{:016x}", hash_); }

 private:
  std::uint64_t hash_ = 0xCBF29CE484222325ULL;
};

std::string fingerprint(const Step& step) {
  Fnv h;
  h.add(step.parameters);
  for (const fs::path& input : step.inputs) {
    h.add(input.string());
    h.add(stat_of(input));
  }
  for (const fs::path& output : step.outputs) h.add(output.string());
  return h.hex();
}

}  // namespace

Manifest::Manifest(fs::path file) : file_(std::move(file)) {
  std::ifstream in(file_);
  if (!in) return;
  try {
    nlohmann::json j = nlohmann::json::parse(in);
    if (j.is_object() && j.contains("steps") && j["steps"].is_object()) {
      steps_ = std::move(j["steps"]);
      return;
    }
  } catch (const nlohmann::json::exception&) {
  }
  logger("run")->warn("{}: unreadable manifest ignored, every step runs again", file_.string());
}

std::optional<std::string> Manifest::reason_to_run(const Step& step) const {
  std::lock_guard lock(mutex_);
  const auto it = steps_.find(step.id);
  if (it == steps_.end()) return "never run";
  if (it->value("fingerprint", "") != fingerprint(step)) return "parameters or inputs changed";
  const auto& outputs = (*it)["outputs"];
  for (const fs::path& output : step.outputs) {
    const std::string now = stat_of(output);
    if (now.empty()) return "output missing: " + output.filename().string();
    if (outputs.value(output.string(), "") != now) {
      return "output changed since written: " + output.filename().string();
    }
  }
  return std::nullopt;
}

void Manifest::record(const Step& step) {
  nlohmann::json entry;
  entry["fingerprint"] = fingerprint(step);
  entry["outputs"] = nlohmann::json::object();
  for (const fs::path& output : step.outputs) entry["outputs"][output.string()] = stat_of(output);
  std::lock_guard lock(mutex_);
  steps_[step.id] = std::move(entry);
  save();
}

void Manifest::forget(const std::string& id) {
  std::lock_guard lock(mutex_);
  if (steps_.erase(id) > 0) save();
}

void Manifest::save() const {
  std::error_code ec;
  fs::create_directories(file_.parent_path(), ec);
  write_file_atomically(file_, nlohmann::json{{"steps", steps_}}.dump(1) + '\n');
}

}  // namespace ap::pipeline
