#include "stats.h"

#include <algorithm>

namespace trustmq::bench {

double percentile(std::vector<double>& samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const double x = p * static_cast<double>(samples.size() - 1);
  const auto lo = static_cast<std::size_t>(x);
  const std::size_t hi = std::min(lo + 1, samples.size() - 1);
  return samples[lo] + (samples[hi] - samples[lo]) * (x - static_cast<double>(lo));
}

double median(std::vector<double> samples) { return percentile(samples, 0.5); }

}  // namespace trustmq::bench
