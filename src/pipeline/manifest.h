// Incremental runs: what `ap run` has already done.
//
// Each step of a run has an id ("calibrate/raw-T20-...-001.fit"), input
// files, a parameter text and output files. Its fingerprint hashes the
// parameters and each input's path, size and modification time (as make and
// ninja do: a copied or touched file counts as changed). The manifest records,
// per step, the fingerprint and the size and time of each output it wrote. A
// step is up to date when its fingerprint is unchanged and its outputs are
// still as written; otherwise it runs again, and reason_to_run() says why.
//
// The manifest is rewritten through a temporary file after every recorded
// step, so a run killed at any moment loses at most the steps in flight, and
// those rerun because their record is missing.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ap::pipeline {

struct Step {
  std::string id;
  std::vector<std::filesystem::path> inputs;
  std::string parameters;
  std::vector<std::filesystem::path> outputs;
};

class Manifest {
 public:
  // Loads `file` when it exists; an unreadable manifest is logged and
  // ignored (everything reruns), never trusted.
  explicit Manifest(std::filesystem::path file);

  // nullopt when `step` is up to date, else a short reason ("parameters or
  // inputs changed", "output missing: cal-x.fits", "never run").
  std::optional<std::string> reason_to_run(const Step& step) const;

  // After a step succeeded. Thread-safe; throws ap::Error (kOutputError)
  // when the manifest cannot be written.
  void record(const Step& step);

  // After a step failed: it must run again next time.
  void forget(const std::string& id);

 private:
  void save() const;  // with mutex_ held

  std::filesystem::path file_;
  mutable std::mutex mutex_;
  nlohmann::json steps_ = nlohmann::json::object();
};

}  // namespace ap::pipeline
