// One thread pool for the whole process.
//
// parallel_for splits [begin, end) into contiguous chunks and runs them on the
// pool; the caller thread takes part and returns when all chunks are done.
// Called from inside a pool task it runs serially, so nesting never deadlocks.
// The first exception thrown by a chunk is rethrown in the caller.
#pragma once

#include <cstddef>
#include <functional>

namespace ap {

// Threads used by parallel_for: set_threads(n) with n >= 1, else AP_THREADS,
// else the number of hardware threads.
void set_threads(int n);
int threads();

// body(chunk_begin, chunk_end); chunks hold at least `grain` indices.
void parallel_for(std::size_t begin, std::size_t end,
                  const std::function<void(std::size_t, std::size_t)>& body,
                  std::size_t grain = 1);

}  // namespace ap
