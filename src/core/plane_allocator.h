// Storage for image planes. A 4k x 3k float plane is 43 MB: allocated the
// usual way, the kernel faults it in 4 KiB at a time, which costs several
// times more than filling it (measured: 32 ms per fresh plane against 5 ms
// when the memory is reused). Large planes are therefore aligned to 2 MiB and
// marked for transparent huge pages, so a plane faults in 512x fewer pages.
#pragma once

#include <cstddef>
#include <new>

namespace ap::detail {

// Untyped allocation behind PlaneAllocator (plane_allocator.cpp).
void* allocate_plane(std::size_t bytes);
void free_plane(void* p) noexcept;

template <typename T>
struct PlaneAllocator {
  using value_type = T;

  PlaneAllocator() = default;
  template <typename U>
  PlaneAllocator(const PlaneAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(allocate_plane(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t) noexcept { free_plane(p); }

  template <typename U>
  bool operator==(const PlaneAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace ap::detail
