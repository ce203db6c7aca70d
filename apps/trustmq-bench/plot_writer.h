// PNG plots of a run: every case adds Plot descriptions (categories on x, one bar series per
// target) to the context; write_plots() writes NAME.dat and NAME.gp next to the CSVs and runs
// gnuplot (Debian's gnuplot-nox, installed by scripts/install-deps.sh) on each. Without
// gnuplot the .dat/.gp files are still written and the run says plots are missing.
#pragma once

#include <string>
#include <vector>

namespace trustmq::bench {

struct BenchContext;

struct PlotSeries {
  std::string label;
  std::vector<double> y;  // one per category; negative: no value
};

struct Plot {
  std::string name;  // file name without extension
  std::string title;
  std::string xlabel;
  std::string ylabel;
  bool log_y = false;
  std::vector<std::string> categories;
  std::vector<PlotSeries> series;
};

void write_plots(const std::string& results_dir, BenchContext& context);

}  // namespace trustmq::bench
