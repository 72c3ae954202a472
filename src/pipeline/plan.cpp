#include "pipeline/plan.h"

#include <algorithm>

#include "core/error.h"

namespace ap::pipeline {
namespace fs = std::filesystem;

namespace {
void create_output_dirs(const std::vector<fs::path>& outputs) {
  for (const fs::path& output : outputs) {  // folders appear when something goes in them
    std::error_code ec;
    fs::create_directories(output.parent_path(), ec);
    if (ec) throw output_error(output.string(), "cannot create its directory: " + ec.message());
  }
}
}  // namespace

Plan::Plan(fs::path out_dir, const Discovery& discovery) : out_dir_(std::move(out_dir)) {
  for (const FrameGroup& g : discovery.groups) {
    for (const RawLight& raw : g.frames) {
      PlannedFrame f;
      f.raw = raw;
      f.group = g.key();
      f.current = raw.path;
      frames_.push_back(std::move(f));
    }
  }
}

fs::path Plan::output(const PlannedFrame& frame, const std::string& folder,
                      const std::string& prefix, const std::string& suffix) const {
  return out_dir_ / folder / (prefix + frame.raw.path.stem().string() + suffix);
}

std::size_t Plan::add_frame_task(PlannedFrame& frame, const std::string& stage,
                                 const std::string& parameters, std::vector<fs::path> outputs,
                                 std::function<void(const fs::path& input)> run,
                                 bool replaces_current,
                                 const std::vector<fs::path>& extra_inputs) {
  Task task;
  task.stage = stage;
  task.subject = frame.raw.path.filename().string();
  task.step = {stage + "/" + task.subject, {frame.current}, parameters, std::move(outputs)};
  task.step.inputs.insert(task.step.inputs.end(), extra_inputs.begin(), extra_inputs.end());
  if (frame.writer) task.after.push_back(*frame.writer);
  task.run = [run = std::move(run), input = frame.current, outputs = task.step.outputs] {
    create_output_dirs(outputs);
    run(input);
  };
  const std::size_t index = tasks_.size();
  if (replaces_current) {
    frame.current = task.step.outputs.front();
    frame.writer = index;
  }
  tasks_.push_back(std::move(task));
  return index;
}


std::size_t Plan::add_group_task(const std::string& stage, const std::string& group,
                                 const std::string& parameters, const std::vector<Product>& inputs,
                                 std::vector<fs::path> outputs,
                                 std::function<void(const std::vector<fs::path>&)> run) {
  Task task;
  task.stage = stage;
  task.subject = group;
  task.partial_inputs = true;
  std::vector<fs::path> paths;
  for (const Product& p : inputs) {
    paths.push_back(p.path);
    if (p.writer) task.after.push_back(*p.writer);
  }
  task.step = {stage + "/" + group, paths, parameters, std::move(outputs)};
  task.run = [run = std::move(run), paths, outputs = task.step.outputs] {
    create_output_dirs(outputs);
    std::vector<fs::path> present;
    for (const fs::path& p : paths)
      if (fs::exists(p)) present.push_back(p);
    run(present);
  };
  tasks_.push_back(std::move(task));
  return tasks_.size() - 1;
}

std::string Plan::group_file_name(const std::string& group) {
  std::string s = group;
  std::replace(s.begin(), s.end(), ':', '-');
  std::replace(s.begin(), s.end(), ' ', '_');
  return s;
}

}  // namespace ap::pipeline
