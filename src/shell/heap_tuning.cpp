#include "shell/heap_tuning.h"

#include <cstdlib>  // defines __GLIBC__ on glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace trustmq::shell {

void tune_heap_for_a_broker() {
#if defined(__GLIBC__)
  mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
  mallopt(M_TOP_PAD, 4 * 1024 * 1024);
  // Setting the trim threshold freezes glibc's dynamic mmap threshold at 128 KiB; keep blocks
  // up to 4 MiB on the heap so that they are reused instead of mapped and unmapped each time.
  mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
#endif
}

}  // namespace trustmq::shell
