#include "core/plane_allocator.h"

#include <sys/mman.h>

#include <cstdlib>

namespace ap::detail {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;
// Below this, huge-page alignment would waste more than it saves.
constexpr std::size_t kHugeFrom = 4 * kHugePage;

}  // namespace

void* allocate_plane(std::size_t bytes) {
  if (bytes < kHugeFrom) {
    if (void* p = std::malloc(bytes == 0 ? 1 : bytes)) return p;
    throw std::bad_alloc();
  }
  const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* p = std::aligned_alloc(kHugePage, rounded);
  if (p == nullptr) throw std::bad_alloc();
  madvise(p, rounded, MADV_HUGEPAGE);  // advice only: without THP it is ignored
  return p;
}

void free_plane(void* p) noexcept { std::free(p); }

}  // namespace ap::detail
