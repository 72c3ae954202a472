#include <algorithm>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "core/parallel.h"

namespace ap {
namespace {

// Restores the default thread count after each test.
class Parallel : public ::testing::Test {
 protected:
  void TearDown() override { set_threads(0); }
};

// Calls parallel_for and returns the chunks it made, sorted.
std::vector<std::pair<std::size_t, std::size_t>> chunks_of(std::size_t begin, std::size_t end,
                                                           std::size_t grain) {
  std::vector<std::pair<std::size_t, std::size_t>> chunks;
  std::mutex mutex;
  parallel_for(begin, end, [&](std::size_t b, std::size_t e) {
    std::lock_guard lock(mutex);
    chunks.emplace_back(b, e);
  }, grain);
  std::sort(chunks.begin(), chunks.end());
  return chunks;
}

TEST_F(Parallel, ThreadCountFollowsSetThreads) {
  EXPECT_GE(threads(), 1);
  set_threads(3);
  EXPECT_EQ(threads(), 3);
  set_threads(0);  // back to AP_THREADS or the hardware
  EXPECT_GE(threads(), 1);
}

TEST_F(Parallel, SumsEveryIndexExactlyOnce) {
  for (const int n : {1, 2, 3, 8}) {
    set_threads(n);
    constexpr std::size_t kCount = 1'000'003;
    std::vector<std::atomic<int>> visits(kCount);
    std::atomic<std::uint64_t> sum{0};
    parallel_for(0, kCount, [&](std::size_t b, std::size_t e) {
      std::uint64_t local = 0;
      for (std::size_t i = b; i < e; ++i) {
        ++visits[i];
        local += i;
      }
      sum += local;
    }, 1000);
    EXPECT_EQ(sum.load(), std::uint64_t{kCount} * (kCount - 1) / 2) << n << " threads";
    EXPECT_TRUE(std::all_of(visits.begin(), visits.end(), [](const auto& v) { return v == 1; }));
  }
}

TEST_F(Parallel, ChunksAreContiguousAndHoldAtLeastTheGrain) {
  set_threads(2);
  const auto chunks = chunks_of(10, 10'010, 700);
  ASSERT_FALSE(chunks.empty());
  EXPECT_LE(chunks.size(), 8u);  // about threads * 4
  EXPECT_GT(chunks.size(), 1u);
  EXPECT_EQ(chunks.front().first, 10u);
  EXPECT_EQ(chunks.back().second, 10'010u);
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_GE(chunks[i].second - chunks[i].first, 700u);
    if (i > 0) {
      EXPECT_EQ(chunks[i].first, chunks[i - 1].second);
    }
  }
  // A range smaller than the grain is one chunk; an empty one none.
  EXPECT_EQ(chunks_of(5, 9, 100), (std::vector<std::pair<std::size_t, std::size_t>>{{5, 9}}));
  EXPECT_TRUE(chunks_of(7, 7, 1).empty());
}

TEST_F(Parallel, OneThreadRunsOnTheCaller) {
  set_threads(1);
  const auto caller = std::this_thread::get_id();
  int calls = 0;
  parallel_for(0, 100'000, [&](std::size_t b, std::size_t e) {
    ++calls;
    EXPECT_EQ(std::this_thread::get_id(), caller);
    EXPECT_EQ(b, 0u);
    EXPECT_EQ(e, 100'000u);
  });
  EXPECT_EQ(calls, 1);
}

TEST_F(Parallel, RethrowsTheExceptionOfAChunk) {
  set_threads(2);
  EXPECT_THROW(parallel_for(0, 1000, [](std::size_t b, std::size_t e) {
                 if (b <= 500 && 500 < e) throw std::runtime_error("chunk 500");
               }),
               std::runtime_error);
  try {
    parallel_for(0, 1000, [](std::size_t, std::size_t) { throw std::out_of_range("every chunk"); });
    FAIL() << "no exception";
  } catch (const std::out_of_range& e) {
    EXPECT_STREQ(e.what(), "every chunk");
  }
  // The pool still works afterwards.
  std::atomic<std::size_t> total{0};
  parallel_for(0, 1000, [&](std::size_t b, std::size_t e) { total += e - b; });
  EXPECT_EQ(total.load(), 1000u);
}

TEST_F(Parallel, NestedCallsRunSeriallyInsideAChunk) {
  set_threads(2);
  std::atomic<std::size_t> inner_calls{0}, total{0};
  parallel_for(0, 64, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      parallel_for(0, 1000, [&](std::size_t ib, std::size_t ie) {
        ++inner_calls;
        total += ie - ib;
      });
    }
  }, 1);
  EXPECT_EQ(inner_calls.load(), 64u);  // one whole-range call per outer index
  EXPECT_EQ(total.load(), 64'000u);
}

TEST_F(Parallel, ConcurrentCallersEachGetTheirResult) {
  set_threads(2);
  std::atomic<std::uint64_t> sums[2] = {0, 0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 2; ++c) {
    callers.emplace_back([&sums, c] {
      for (int repeat = 0; repeat < 50; ++repeat) {
        parallel_for(0, 10'000, [&](std::size_t b, std::size_t e) {
          std::uint64_t local = 0;
          for (std::size_t i = b; i < e; ++i) local += i;
          sums[c] += local;
        }, 100);
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(sums[0].load(), 50u * 49'995'000u);
  EXPECT_EQ(sums[1].load(), 50u * 49'995'000u);
}

}  // namespace
}  // namespace ap
