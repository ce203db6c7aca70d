// Replaces the global operator new inside the module: when linear memory cannot grow any
// further (the -Wl,--max-memory cap or the host's runtime cap), malloc returns NULL and the
// module stops with "module memory limit reached" instead of an anonymous abort.
#include <cstdlib>
#include <new>

#include "runtime/guest/host_imports.h"

namespace {

void* allocate_or_stop(std::size_t size) {
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) trustmq::guest::fatal("module memory limit reached");
  return p;
}

void* allocate_aligned_or_stop(std::size_t size, std::align_val_t alignment) {
  const std::size_t align = static_cast<std::size_t>(alignment);
  std::size_t rounded = size == 0 ? align : (size + align - 1) / align * align;
  void* p = std::aligned_alloc(align, rounded);
  if (p == nullptr) trustmq::guest::fatal("module memory limit reached");
  return p;
}

}  // namespace

void* operator new(std::size_t size) { return allocate_or_stop(size); }
void* operator new[](std::size_t size) { return allocate_or_stop(size); }
void* operator new(std::size_t size, std::align_val_t alignment) {
  return allocate_aligned_or_stop(size, alignment);
}
void* operator new[](std::size_t size, std::align_val_t alignment) {
  return allocate_aligned_or_stop(size, alignment);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
