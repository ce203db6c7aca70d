// Case 4: publisher scaling: 25 subscribers on one topic, 1 → 64 publishers at 5 msg/s each,
// TLS, QoS 0, --payload bytes (16 KiB); every message goes to all 25 subscribers.
#include "scaling_series.h"

namespace trustmq::bench {
namespace {

FlowSpec many_publishers(int publishers, const BenchContext& context) {
  FlowSpec spec;
  spec.security = Security::kTls;
  spec.payload = context.options.payload;
  spec.publishers = publishers;
  spec.subscribers = 25;
  spec.pattern = Pattern::kOneTopic;
  spec.rate_per_publisher = 5;
  spec.warmup_seconds = 1;
  return spec;
}

}  // namespace

void run_publisher_scaling_case(BenchContext& context) {
  ScalingSeries series;
  series.id = "publisher_scaling";
  series.title =
      "Publisher scaling (case 4): 25 subscribers, publishers at 5 msg/s each, TLS, "
      "QoS 0, " +
      std::to_string(context.options.payload) + " B";
  series.x_name = "publishers";
  const Profile p = context.options.profile;
  series.xs = p == Profile::kSmoke   ? std::vector<int>{1, 4}
              : p == Profile::kQuick ? std::vector<int>{1, 16, 64}
                                     : std::vector<int>{1, 2, 4, 8, 16, 32, 64};
  series.spec_for = many_publishers;
  series.seconds = context.seconds(0.6, 2, 3);
  series.rounds = context.rounds(1, 1, 2);
  run_scaling_series(context, series);
}

}  // namespace trustmq::bench
