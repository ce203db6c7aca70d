#include "bench_context.h"

#include <cstdio>
#include <exception>

namespace trustmq::bench {

const ClientTlsContext* BenchContext::tls_for(Security security, const BrokerProcess& broker) {
  if (!is_tls(security)) return nullptr;
  const std::string key = std::string(security_name(security)) + "|" + broker.policy_file();
  for (const auto& [k, ctx] : tls_cache_) {
    if (k == key) return ctx.get();
  }
  ClientTlsContext::Files f;
  f.cafile = files.certfile;
  f.psk_identity = files.psk_identity;
  f.psk_hex = files.psk_hex;
  f.policy_file = broker.policy_file();
  tls_cache_.emplace_back(key, std::make_unique<ClientTlsContext>(security, f));
  return tls_cache_.back().second.get();
}

int BenchContext::rounds(int smoke, int quick, int full) const {
  if (options.rounds > 0) return options.rounds;
  return options.profile == Profile::kSmoke   ? smoke
         : options.profile == Profile::kQuick ? quick
                                              : full;
}

double BenchContext::seconds(double smoke, double quick, double full) const {
  if (options.seconds > 0) return options.seconds;
  return options.profile == Profile::kSmoke   ? smoke
         : options.profile == Profile::kQuick ? quick
                                              : full;
}

void BenchContext::progress(const std::string& line) const {
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started)
          .count();
  std::fprintf(stderr, "[%02lld:%02lld] %s\n", static_cast<long long>(elapsed / 60),
               static_cast<long long>(elapsed % 60), line.c_str());
  std::fflush(stderr);
}

std::unique_ptr<BrokerProcess> start_broker(BenchContext& context, const Target& target) {
  return start_broker(context, target, context.files);
}

std::unique_ptr<BrokerProcess> start_broker(BenchContext& context, const Target& target,
                                            const BrokerFiles& files) {
  try {
    return std::make_unique<BrokerProcess>(target, files, context.work_dir);
  } catch (const std::exception& e) {
    context.progress("  cannot start " + target.name + ": " + e.what());
    ++context.failed_runs;
    return nullptr;
  }
}

}  // namespace trustmq::bench
