// How `ap run` turns a night into tasks.
//
// Each stage (pipeline/stage_*.cpp) binds its configuration section and adds
// tasks to a Plan. A frame carries its "current" image: the raw file at
// first, then whatever the last frame stage wrote (cal-*.fits after
// calibration, the sky-subtracted image after the sky step), together with
// the task that writes it, so the next stage depends on exactly that task.
// Stages run in the order of the stage list; a stage left out of the list
// (`--stages`) adds nothing and the next stage reads the current image as it is.
//
// Output tree under the output directory, with the original's prefixes:
//   Calibrated/  cal-<stem>.fits, meta-<stem>.fits, skysub-<stem>.fits, skybg-<stem>.fits
//   SourceLists/ srclist_<stem>.fits      Navigated/ nav_<stem>.fits
//   MetaData/    qual_<stem>.yaml         Stacks/, Colour/, report/
//   .ap/         manifest.json, lock
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/config.h"
#include "pipeline/discover.h"
#include "pipeline/executor.h"

namespace ap::pipeline {

// A file a later step reads, and the task that writes it.
struct Product {
  std::filesystem::path path;
  std::optional<std::size_t> writer;
};

struct PlannedFrame {
  RawLight raw;
  std::string group;                  // FrameGroup::key()
  std::filesystem::path current;      // the image the next frame stage reads
  std::optional<std::size_t> writer;  // task writing `current`; none for the raw file
  std::map<std::string, Product> products;  // side products: "srclist", "quality", ...
};

class Plan {
 public:
  Plan(std::filesystem::path out_dir, const Discovery& discovery);

  const std::filesystem::path& out_dir() const { return out_dir_; }
  std::vector<PlannedFrame>& frames() { return frames_; }
  std::vector<Task>& tasks() { return tasks_; }
  // Per group key, the group steps' products ("quality_csv", "stack", ...).
  std::map<std::string, std::map<std::string, Product>>& group_products() { return group_products_; }

  // <out>/<folder>/<prefix><stem of the raw file><suffix>; tasks create the
  // folders of their outputs when they run.
  std::filesystem::path output(const PlannedFrame& frame, const std::string& folder,
                               const std::string& prefix, const std::string& suffix) const;

  // Adds a task reading the frame's current image (plus `extra_inputs`, for
  // the fingerprint) and writing `outputs`; with `replaces_current`,
  // outputs[0] becomes the frame's current image. Returns the task's index.
  std::size_t add_frame_task(PlannedFrame& frame, const std::string& stage,
                             const std::string& parameters,
                             std::vector<std::filesystem::path> outputs,
                             std::function<void(const std::filesystem::path& input)> run,
                             bool replaces_current,
                             const std::vector<std::filesystem::path>& extra_inputs = {});

  // Adds a task for a group of frames: it reads `inputs` (the products of
  // the group's frames; those whose writer failed are left out of
  // `inputs` when the task runs) and writes `outputs`. Returns its index.
  std::size_t add_group_task(const std::string& stage, const std::string& group,
                             const std::string& parameters, const std::vector<Product>& inputs,
                             std::vector<std::filesystem::path> outputs,
                             std::function<void(const std::vector<std::filesystem::path>& inputs)> run);

  // The group key as a file name part: "NGC_6888-T20-Ha-20200716".
  static std::string group_file_name(const std::string& group);

 private:
  std::filesystem::path out_dir_;
  std::vector<PlannedFrame> frames_;
  std::vector<Task> tasks_;
  std::map<std::string, std::map<std::string, Product>> group_products_;
};

// One stage of ap run.
class Stage {
 public:
  virtual ~Stage() = default;
  virtual const char* name() const = 0;
  // Binds the stage's parameters to its configuration section.
  virtual void bind(ConfigSection& section) = 0;
  // Adds the stage's tasks; `parameters` is the section as bound (for fingerprints).
  virtual void plan(Plan& plan, const std::string& parameters) = 0;
  // Calibration generation runs (plans and executes) before every other
  // stage plans, so that lights are matched with the masters it builds.
  virtual bool generates_calibration() const { return false; }
};

// Every stage, in pipeline order.
std::vector<std::unique_ptr<Stage>> all_stages();

}  // namespace ap::pipeline
