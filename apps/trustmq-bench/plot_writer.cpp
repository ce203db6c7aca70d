#include "plot_writer.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "bench_context.h"
#include "csv_file.h"

namespace trustmq::bench {

void write_plots(const std::string& results_dir, BenchContext& context) {
  const bool have_gnuplot = std::system("command -v gnuplot >/dev/null 2>&1") == 0;
  for (const Plot& plot : context.plots) {
    const std::string dat = results_dir + "/" + plot.name + ".dat";
    const std::string gp = results_dir + "/" + plot.name + ".gp";
    {
      std::ofstream out(dat);
      out << "category";
      for (const auto& s : plot.series) out << "\t\"" << s.label << "\"";
      out << "\n";
      for (std::size_t i = 0; i < plot.categories.size(); ++i) {
        // A category nobody measured (not in this profile) is left out, not drawn empty.
        const bool measured =
            std::any_of(plot.series.begin(), plot.series.end(),
                        [&](const PlotSeries& s) { return i < s.y.size() && s.y[i] >= 0; });
        if (!measured) continue;
        out << "\"" << plot.categories[i] << "\"";
        for (const auto& s : plot.series) {
          out << "\t" << (i < s.y.size() && s.y[i] >= 0 ? fixed(s.y[i], 2) : "?");
        }
        out << "\n";
      }
    }
    {
      std::ofstream out(gp);
      out << "set terminal pngcairo size 1100,600 noenhanced\n"
          << "set output '" << plot.name << ".png'\n"
          << "set title '" << plot.title << "'\n"
          << "set xlabel '" << plot.xlabel << "'\nset ylabel '" << plot.ylabel << "'\n"
          << "set datafile missing '?'\nset datafile separator '\\t'\n"
          << "set style data histograms\nset style histogram clustered gap 1\n"
          << "set style fill solid 0.8 border -1\nset key outside right top\n"
          << "set grid ytics\nset xtics rotate by -30\n"
          << (plot.log_y ? "set logscale y\n" : "set yrange [0:*]\n")
          << "plot for [i=2:" << plot.series.size() + 1 << "] '" << plot.name
          << ".dat' using i:xtic(1) title columnheader(i)\n";
    }
    if (!have_gnuplot) continue;
    const std::string command = "cd '" + results_dir + "' && gnuplot '" + plot.name + ".gp' 2>'" +
                                plot.name + ".gnuplot.log'";
    if (std::system(command.c_str()) != 0) {
      context.missing.push_back("plot " + plot.name + ".png: gnuplot failed (see " + plot.name +
                                ".gnuplot.log)");
    }
  }
  if (!have_gnuplot && !context.plots.empty()) {
    context.missing.push_back(
        "PNG plots: gnuplot not installed (scripts/install-deps.sh adds "
        "gnuplot-nox); .dat/.gp files written");
  }
}

}  // namespace trustmq::bench
