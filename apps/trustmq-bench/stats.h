// Percentiles and medians of samples (linear interpolation at p·(n−1) of the sorted values).
#pragma once

#include <vector>

namespace trustmq::bench {

// p in [0, 1]; 0 for no samples. Sorts `samples`.
double percentile(std::vector<double>& samples, double p);
double median(std::vector<double> samples);

}  // namespace trustmq::bench
