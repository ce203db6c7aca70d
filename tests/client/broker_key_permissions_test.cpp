// trustmq-broker and its key files (issue 7 B), as a process: it refuses to start when a key it
// generated in its state directory (sim platform, self-signed TLS certificate), or the folder
// holding it, is accessible by group or others, and says which chmod fixes it; a configured
// keyfile that others can read is only warned about (as mosquitto, which does not check).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "broker_process.h"

namespace trustmq::client {
namespace {

using namespace std::chrono_literals;
using test_support::TempDirectory;
using testing::BrokerKind;
using testing::BrokerProcess;
using testing::ChildProcess;

class BrokerKeyPermissionsTest : public ::testing::Test {
 protected:
  std::string state() const { return dir_.file("state"); }
  std::string sim_listener() const {
    return "allow_anonymous true\nstate_dir " + state() + "\nattestation sim\n";
  }
  // Creates the state (sim platform, generated certificate) with one successful start.
  void start_once() {
    auto broker = BrokerProcess::start(BrokerKind::kTrustmq, dir_, sim_listener());
    ASSERT_NE(broker, nullptr);
  }
  // Starts the broker expecting it to exit: its exit status and its output.
  std::pair<int, std::string> start_refused() {
    const std::string conf =
        dir_.write("refused.conf", "listener " + std::to_string(testing::free_port()) +
                                       " 127.0.0.1\n" + sim_listener());
    auto broker = ChildProcess::exec({testing::trustmq_broker_path(), "-c", conf}, dir_.path());
    const auto rc = broker.wait(10s);
    if (!rc) broker.stop();
    return {rc.value_or(-1), broker.out() + broker.err()};
  }
  TempDirectory dir_;
};

TEST_F(BrokerKeyPermissionsTest, RefusesToStartWithAReadableSimKey) {
  ASSERT_NO_FATAL_FAILURE(start_once());
  const std::string key = state() + "/sim/sim-platform.key";
  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  const auto [rc, output] = start_refused();
  EXPECT_EQ(rc, 1) << output;
  EXPECT_NE(output.find("sim platform key " + key +
                        " is readable by group/others (mode 0644); run: chmod 600 " + key),
            std::string::npos)
      << output;
}

TEST_F(BrokerKeyPermissionsTest, RefusesToStartWithALooseKeyFolder) {
  ASSERT_NO_FATAL_FAILURE(start_once());
  for (const std::string& folder : {state() + "/sim", state() + "/tls"}) {
    ASSERT_EQ(::chmod(folder.c_str(), 0755), 0);
    const auto [rc, output] = start_refused();
    EXPECT_EQ(rc, 1) << output;
    EXPECT_NE(
        output.find(folder + " is readable by group/others (mode 0755); run: chmod 700 " + folder),
        std::string::npos)
        << output;
    ASSERT_EQ(::chmod(folder.c_str(), 0700), 0);
  }
}

TEST_F(BrokerKeyPermissionsTest, RefusesToStartWithAReadableGeneratedTlsKey) {
  ASSERT_NO_FATAL_FAILURE(start_once());
  const std::string key = state() + "/tls/tls-key.pem";
  ASSERT_EQ(::chmod(key.c_str(), 0640), 0);
  const auto [rc, output] = start_refused();
  EXPECT_EQ(rc, 1) << output;
  EXPECT_NE(output.find("generated TLS key " + key + " is readable by group/others (mode 0640)"),
            std::string::npos)
      << output;
}

TEST_F(BrokerKeyPermissionsTest, ConfiguredKeyfileReadableByOthersIsAWarning) {
  ASSERT_NO_FATAL_FAILURE(start_once());
  const std::string key = state() + "/tls/tls-key.pem";
  const std::string copy = dir_.write("configured.key", test_support::read_file(key));
  ASSERT_EQ(::chmod(copy.c_str(), 0644), 0);
  auto broker = BrokerProcess::start(BrokerKind::kTrustmq, dir_,
                                     "allow_anonymous true\nstate_dir " + state() + "\ncertfile " +
                                         state() + "/tls/tls-cert.pem\nkeyfile " + copy + "\n");
  ASSERT_NE(broker, nullptr);
  EXPECT_NE(broker->log().find("keyfile " + copy +
                               " is readable by group/others (mode 0644); run: chmod 600 " + copy),
            std::string::npos)
      << broker->log();
}

}  // namespace
}  // namespace trustmq::client
