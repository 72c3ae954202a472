#include "core/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace ap {
namespace {

std::atomic<int> g_threads_override{0};

// True on pool workers and on a caller while it runs chunks: nested calls run serially.
thread_local bool t_inside_parallel = false;

int default_threads() {
  static const int n = [] {
    if (const char* env = std::getenv("AP_THREADS")) {
      char* end = nullptr;
      const long v = std::strtol(env, &end, 10);
      if (end != env && *end == '\0' && v >= 1 && v <= 4096) return static_cast<int>(v);
    }
    return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  }();
  return n;
}

// One parallel_for call: chunks are claimed through `next` by the caller and
// by at most `helpers` workers.
struct Job {
  const std::function<void(std::size_t)>* run_chunk = nullptr;
  std::size_t chunks = 0;
  int helpers = 0;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex mutex;  // guards error and done
  std::condition_variable finished;
  std::size_t done = 0;

  // Runs chunks until none is left to claim.
  void work() {
    for (std::size_t i = next++; i < chunks; i = next++) {
      if (!failed) {
        try {
          (*run_chunk)(i);
        } catch (...) {
          std::lock_guard lock(mutex);
          if (!error) error = std::current_exception();
          failed = true;
        }
      }
      std::lock_guard lock(mutex);
      if (++done == chunks) finished.notify_all();
    }
  }
};

class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  // Runs job->chunks chunks with up to `helpers` workers plus the calling thread.
  void run(const std::shared_ptr<Job>& job) {
    {
      std::lock_guard lock(mutex_);
      while (static_cast<int>(workers_.size()) < job->helpers) {
        workers_.emplace_back([this] { worker_loop(); });
      }
      queue_.push_back(job);
    }
    wake_.notify_all();
    const bool was_inside = t_inside_parallel;
    t_inside_parallel = true;
    job->work();
    t_inside_parallel = was_inside;
    std::unique_lock lock(job->mutex);
    job->finished.wait(lock, [&] { return job->done == job->chunks; });
    if (job->error) std::rethrow_exception(job->error);
  }

 private:
  void worker_loop() {
    t_inside_parallel = true;
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      std::shared_ptr<Job> job = queue_.front();
      if (--job->helpers <= 0 || job->next >= job->chunks) queue_.pop_front();
      lock.unlock();
      job->work();
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::vector<std::thread> workers_;
  bool stop_ = false;
};

Pool& pool() {
  static Pool instance;
  return instance;
}

}  // namespace

void set_threads(int n) { g_threads_override = std::max(n, 0); }

int threads() {
  const int n = g_threads_override;
  return n >= 1 ? n : default_threads();
}

void parallel_for(std::size_t begin, std::size_t end,
                  const std::function<void(std::size_t, std::size_t)>& body, std::size_t grain) {
  if (end <= begin) return;
  const std::size_t n = end - begin;
  const std::size_t nthreads = static_cast<std::size_t>(threads());
  const std::size_t chunks = std::min(nthreads * 4, n / std::max<std::size_t>(grain, 1));
  if (t_inside_parallel || nthreads == 1 || chunks <= 1) {
    body(begin, end);
    return;
  }
  // Chunk i covers [begin + i*n/chunks, begin + (i+1)*n/chunks): sizes differ by at most one.
  const std::function<void(std::size_t)> run_chunk = [&](std::size_t i) {
    body(begin + i * n / chunks, begin + (i + 1) * n / chunks);
  };
  auto job = std::make_shared<Job>();
  job->run_chunk = &run_chunk;
  job->chunks = chunks;
  job->helpers = static_cast<int>(std::min(nthreads, chunks) - 1);
  pool().run(job);
}

}  // namespace ap
