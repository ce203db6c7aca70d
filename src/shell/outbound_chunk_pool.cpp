#include "shell/outbound_chunk_pool.h"

namespace trustmq::shell {

OutboundChunkPool::~OutboundChunkPool() {
  for (std::uint8_t* chunk : free_) delete[] chunk;
}

OutboundChunkPool& OutboundChunkPool::local() {
  thread_local OutboundChunkPool pool;
  return pool;
}

std::uint8_t* OutboundChunkPool::acquire() {
  if (!free_.empty()) {
    std::uint8_t* chunk = free_.back();
    free_.pop_back();
    return chunk;
  }
  ++heap_allocations_;
  return new std::uint8_t[kChunkBytes];
}

void OutboundChunkPool::release(std::uint8_t* chunk) {
  if (free_.size() >= kMaxFreeChunks) {
    delete[] chunk;
    return;
  }
  if (free_.capacity() == 0) free_.reserve(kMaxFreeChunks);
  free_.push_back(chunk);
}

}  // namespace trustmq::shell
