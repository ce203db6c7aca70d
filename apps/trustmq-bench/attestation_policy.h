// The attestation policy a client of the bench uses against one trustmq target: the module
// measurement of that engine and the sim root of the broker's state directory. Both are learnt
// from a short probe start of the broker (logging on, its own port), because the measured
// brokers run with logging off.
#pragma once

#include <string>

#include "broker_process.h"

namespace trustmq::bench {

// Writes <work_dir>/policy-<target>.json with `trustmq policy init` and returns its path;
// throws on failure. `state_dir` is the state directory the real broker will use.
std::string make_attestation_policy(const Target& target, const BrokerFiles& files,
                                    const std::string& work_dir, const std::string& state_dir);

}  // namespace trustmq::bench
