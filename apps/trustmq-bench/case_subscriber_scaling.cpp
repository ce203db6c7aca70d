// Case 3: subscriber scaling with one shared subscription ($share/bench/…): 1 publisher at
// 25 msg/s over TLS, QoS 0, --payload bytes (16 KiB), 1 → 256 subscribers in one group; each
// message goes to one of them.
#include "scaling_series.h"

namespace trustmq::bench {
namespace {

FlowSpec shared_subscribers(int subscribers, const BenchContext& context) {
  FlowSpec spec;
  spec.security = Security::kTls;
  spec.payload = context.options.payload;
  spec.publishers = 1;
  spec.subscribers = subscribers;
  spec.pattern = Pattern::kShared;
  spec.rate_per_publisher = 25;
  spec.warmup_seconds = 1;
  return spec;
}

}  // namespace

void run_subscriber_scaling_case(BenchContext& context) {
  ScalingSeries series;
  series.id = "subscriber_scaling";
  series.title = "Subscriber scaling (case 3): 1 publisher at 25 msg/s, TLS, QoS 0, " +
                 std::to_string(context.options.payload) + " B, one $share group";
  series.x_name = "subscribers";
  const Profile p = context.options.profile;
  series.xs = p == Profile::kSmoke   ? std::vector<int>{1, 4}
              : p == Profile::kQuick ? std::vector<int>{1, 16, 256}
                                     : std::vector<int>{1, 2, 4, 8, 16, 32, 64, 128, 256};
  series.spec_for = shared_subscribers;
  series.seconds = context.seconds(0.6, 2, 3);
  series.rounds = context.rounds(1, 1, 2);
  run_scaling_series(context, series);
}

}  // namespace trustmq::bench
