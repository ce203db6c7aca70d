// Milliseconds of CLOCK_MONOTONIC: the `now` the shell hands to the engine.
#pragma once

#include <time.h>

#include "mqtt/types.h"

namespace trustmq::shell {

inline mqtt::TimeMs monotonic_now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<mqtt::TimeMs>(ts.tv_sec) * 1000u +
         static_cast<mqtt::TimeMs>(ts.tv_nsec / 1000000);
}

}  // namespace trustmq::shell
