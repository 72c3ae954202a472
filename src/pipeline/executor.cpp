#include "pipeline/executor.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "core/log.h"

namespace ap::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

class Scheduler {
 public:
  Scheduler(const std::vector<Task>& tasks, Manifest& manifest, const ExecuteOptions& options)
      : tasks_(tasks), manifest_(manifest), options_(options), results_(tasks.size()),
        state_(tasks.size(), State::kWaiting), start_(Clock::now()) {
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      for (const std::size_t d : tasks[i].after) {
        if (d >= i) {
          throw Error(ExitCode::kUsage, fmt::format("task {} ({}) depends on a later task {}", i,
                                                    tasks[i].step.id, d));
        }
      }
    }
  }

  std::vector<TaskResult> run() {
    const int jobs = std::max(1, options_.jobs);
    std::vector<std::thread> workers;
    for (int j = 1; j < jobs; ++j) workers.emplace_back([this] { work(); });
    work();
    for (std::thread& t : workers) t.join();
    if (options_.progress_bar) std::fputs("\n", stderr);
    return std::move(results_);
  }

 private:
  enum class State { kWaiting, kRunning, kDone };

  // The next task whose dependencies are all done, or tasks_.size() if none
  // is ready yet; `idle` tells whether nothing is left at all.
  std::size_t next_ready(bool& idle) const {
    idle = true;
    for (std::size_t i = 0; i < tasks_.size(); ++i) {
      if (state_[i] != State::kWaiting) continue;
      idle = false;
      const bool ready = std::all_of(tasks_[i].after.begin(), tasks_[i].after.end(),
                                     [&](std::size_t d) { return state_[d] == State::kDone; });
      if (ready) return i;
    }
    return tasks_.size();
  }

  void work() {
    std::unique_lock lock(mutex_);
    for (;;) {
      bool idle = false;
      std::size_t i = next_ready(idle);
      while (i == tasks_.size() && !idle) {
        changed_.wait(lock);
        i = next_ready(idle);
      }
      if (idle) return;
      state_[i] = State::kRunning;
      lock.unlock();
      TaskResult result = decide_and_run(i);
      lock.lock();
      results_[i] = std::move(result);
      state_[i] = State::kDone;
      report(i);
      changed_.notify_all();
    }
  }

  TaskResult decide_and_run(std::size_t i) {
    const Task& task = tasks_[i];
    TaskResult r;
    {
      std::lock_guard lock(mutex_);
      std::size_t failed = 0;
      for (const std::size_t d : task.after) {
        const Outcome o = results_[d].outcome;
        if (o != Outcome::kFail && o != Outcome::kBlocked) continue;
        if (failed++ == 0)
          r.reason = fmt::format("{} of {} did not succeed", tasks_[d].stage, tasks_[d].subject);
      }
      if (failed > 0 && (!task.partial_inputs || failed == task.after.size())) {
        r.outcome = Outcome::kBlocked;
        return r;
      }
      r.reason.clear();
    }
    const auto why = options_.force ? std::optional<std::string>("forced")
                                    : manifest_.reason_to_run(task.step);
    if (!why) {
      r.outcome = Outcome::kSkip;
      r.reason = "up to date";
      return r;
    }
    r.reason = *why;
    if (options_.dry_run) {
      r.outcome = Outcome::kPlanned;
      return r;
    }
    const auto t0 = Clock::now();
    try {
      task.run();
      manifest_.record(task.step);
      r.outcome = Outcome::kOk;
    } catch (const std::exception& e) {
      manifest_.forget(task.step.id);
      r.outcome = Outcome::kFail;
      r.reason = e.what();
    }
    r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return r;
  }

  // With mutex_ held.
  void report(std::size_t i) {
    ++finished_;
    const TaskResult& r = results_[i];
    const Task& t = tasks_[i];
    if (!options_.progress_bar) {
      auto log = logger("run");
      const auto level = r.outcome == Outcome::kFail ? spdlog::level::err : spdlog::level::info;
      log->log(level, "[{}/{}] {} {} {}: {}", finished_, tasks_.size(), outcome_name(r.outcome),
               t.stage, t.subject,
               r.outcome == Outcome::kOk ? fmt::format("{:.2f} s", r.seconds) : r.reason);
      return;
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    const double eta = elapsed / static_cast<double>(finished_) *
                       static_cast<double>(tasks_.size() - finished_);
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(kWidth * finished_ / tasks_.size());
    fmt::print(stderr, "\r[{:<{}}] {}/{} {:<10} ETA {:>4.0f} s", std::string(filled, '='), kWidth,
               finished_, tasks_.size(), t.stage, eta);
    std::fflush(stderr);
  }

  const std::vector<Task>& tasks_;
  Manifest& manifest_;
  const ExecuteOptions& options_;
  std::vector<TaskResult> results_;
  std::vector<State> state_;
  std::size_t finished_ = 0;
  Clock::time_point start_;
  std::mutex mutex_;
  std::condition_variable changed_;
};

}  // namespace

std::vector<TaskResult> execute(const std::vector<Task>& tasks, Manifest& manifest,
                                const ExecuteOptions& options) {
  return Scheduler(tasks, manifest, options).run();
}

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk: return "OK";
    case Outcome::kSkip: return "SKIP";
    case Outcome::kFail: return "FAIL";
    case Outcome::kBlocked: return "BLOCKED";
    case Outcome::kPlanned: return "PLANNED";
  }
  return "?";
}

std::string summary_table(const std::vector<Task>& tasks, const std::vector<TaskResult>& results) {
  std::size_t stage_width = 5, subject_width = 7;
  for (const Task& t : tasks) {
    stage_width = std::max(stage_width, t.stage.size());
    subject_width = std::max(subject_width, t.subject.size());
  }
  std::string out = fmt::format("{:<8} {:<{}} {:<{}} {}\n", "status", "stage", stage_width,
                                "subject", subject_width, "time / reason");
  std::map<std::string, double> per_stage;
  std::vector<std::string> order;
  std::map<Outcome, std::size_t> counts;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const Task& t = tasks[i];
    const TaskResult& r = results[i];
    if (!per_stage.contains(t.stage)) order.push_back(t.stage);
    per_stage[t.stage] += r.seconds;
    ++counts[r.outcome];
    out += fmt::format("{:<8} {:<{}} {:<{}} {}\n", outcome_name(r.outcome), t.stage, stage_width,
                       t.subject, subject_width,
                       r.outcome == Outcome::kOk ? fmt::format("{:.2f} s", r.seconds) : r.reason);
  }
  out += "\ntime per stage:";
  for (const std::string& stage : order) {
    out += fmt::format(" {} {:.1f} s,", stage, per_stage[stage]);
  }
  out.back() = '\n';
  out += fmt::format("{} ok, {} skipped, {} failed, {} blocked, {} planned\n", counts[Outcome::kOk],
                     counts[Outcome::kSkip], counts[Outcome::kFail], counts[Outcome::kBlocked],
                     counts[Outcome::kPlanned]);
  return out;
}

}  // namespace ap::pipeline
