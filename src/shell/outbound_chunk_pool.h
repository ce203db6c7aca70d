// Fixed-size chunks of outbound bytes, recycled so that the steady-state send path allocates
// nothing: an OutboundQueue takes a chunk when its last one is full and gives every chunk back
// as soon as it has been written. One pool per thread (the event loop's); chunks are plain
// heap blocks, so a queue may give a chunk back to another thread's pool. The pool keeps at
// most kMaxFreeChunks (4 MiB) for reuse and frees the rest.
//
// kChunkBytes is TLS's largest record plaintext: every chunk handed to SSL_write is one whole
// record, and a TLS write that must be retried always finds its record's bytes contiguous.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace trustmq::shell {

class OutboundChunkPool {
 public:
  static constexpr std::size_t kChunkBytes = 16 * 1024;
  static constexpr std::size_t kMaxFreeChunks = 256;

  OutboundChunkPool() = default;
  ~OutboundChunkPool();
  OutboundChunkPool(const OutboundChunkPool&) = delete;
  OutboundChunkPool& operator=(const OutboundChunkPool&) = delete;

  // The calling thread's pool.
  static OutboundChunkPool& local();

  std::uint8_t* acquire();
  void release(std::uint8_t* chunk);

  std::size_t free_chunks() const { return free_.size(); }
  // Chunks obtained from the heap over the pool's life (allocation count, for tests/benches).
  std::uint64_t heap_allocations() const { return heap_allocations_; }

 private:
  std::vector<std::uint8_t*> free_;
  std::uint64_t heap_allocations_ = 0;
};

}  // namespace trustmq::shell
