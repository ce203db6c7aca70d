// `trustmq pub` / `trustmq sub` against mosquitto's own clients and brokers.
#include <gtest/gtest.h>

#include <string>

#include "broker_process.h"
#include "cli_process.h"
#include "client_options.h"

namespace trustmq::client {
namespace {

using namespace std::chrono_literals;
using test_support::TempDirectory;
using testing::BrokerKind;
using testing::BrokerProcess;
using testing::ChildProcess;
using testing::run_cli;

class CliInteropTest : public ::testing::TestWithParam<BrokerKind> {
 protected:
  void SetUp() override {
    broker_ = BrokerProcess::start(GetParam(), dir_);
    ASSERT_NE(broker_, nullptr);
    port_ = std::to_string(broker_->port());
  }
  // Starts mosquitto_sub with `args` and waits until it is subscribed.
  ChildProcess mosquitto_sub(std::vector<std::string> args) {
    // stdbuf: mosquitto_sub's debug lines go to a fully buffered stdout otherwise.
    std::vector<std::string> argv = {
        "/usr/bin/stdbuf", "-oL", testing::kMosquittoSubPath, "-h", "127.0.0.1", "-p", port_};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("-d");
    auto child = ChildProcess::exec(argv, dir_.path());
    EXPECT_TRUE(child.wait_for_output("received SUBACK", 5s)) << child.out() << child.err();
    return child;
  }
  // Starts `trustmq sub` with `args` and waits until it is subscribed.
  ChildProcess trustmq_sub(std::vector<std::string> args) {
    std::vector<std::string> argv = {"-h", "127.0.0.1", "-p", port_, "-d"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto child = run_cli("sub", argv, dir_.path());
    EXPECT_TRUE(child.wait_for_output("received SUBACK", 5s)) << child.out() << child.err();
    return child;
  }
  int trustmq_pub(std::vector<std::string> args, const std::string& stdin_text = "") {
    std::vector<std::string> argv = {"-h", "127.0.0.1", "-p", port_};
    argv.insert(argv.end(), args.begin(), args.end());
    auto child = run_cli("pub", argv, dir_.path(), stdin_text);
    auto rc = child.wait(10s);
    EXPECT_TRUE(rc.has_value());
    EXPECT_EQ(child.err(), "");
    return rc.value_or(-1);
  }
  int mosquitto_pub(std::vector<std::string> args) {
    std::vector<std::string> argv = {testing::kMosquittoPubPath, "-h", "127.0.0.1", "-p", port_};
    argv.insert(argv.end(), args.begin(), args.end());
    auto child = ChildProcess::exec(argv, dir_.path());
    return child.wait(10s).value_or(-1);
  }
  // mosquitto_sub -d also prints its debug lines on stdout: keep the message lines only.
  static std::string message_lines(const std::string& out) {
    std::string kept;
    std::size_t start = 0;
    while (start < out.size()) {
      std::size_t end = out.find('\n', start);
      if (end == std::string::npos) end = out.size();
      std::string line = out.substr(start, end - start);
      if (line.rfind("Client ", 0) != 0 && line.rfind("Subscribed (mid", 0) != 0) {
        kept += line + "\n";
      }
      start = end + 1;
    }
    return kept;
  }

  TempDirectory dir_;
  std::unique_ptr<BrokerProcess> broker_;
  std::string port_;
};

TEST_P(CliInteropTest, TrustmqPubToMosquittoSub) {
  for (const char* version : {"311", "5"}) {
    for (const char* qos : {"0", "1", "2"}) {
      auto sub =
          mosquitto_sub({"-t", "cli/#", "-q", "2", "-V", version, "-C", "1", "-F", "%t|%q|%p"});
      EXPECT_EQ(trustmq_pub({"-t", "cli/x", "-m", "hello world", "-q", qos, "-V", version}), 0);
      ASSERT_EQ(sub.wait(5s), 0) << sub.err();
      EXPECT_EQ(message_lines(sub.out()), std::string("cli/x|") + qos + "|hello world\n")
          << "version " << version << " qos " << qos;
    }
  }
}

TEST_P(CliInteropTest, MosquittoPubToTrustmqSub) {
  for (const char* version : {"311", "5"}) {
    for (const char* qos : {"0", "1", "2"}) {
      auto sub =
          trustmq_sub({"-t", "cli/#", "-t", "other", "-q", qos, "-V", version, "-C", "2", "-v"});
      ASSERT_EQ(mosquitto_pub({"-t", "cli/y", "-m", "one", "-q", qos, "-V", version}), 0);
      ASSERT_EQ(mosquitto_pub({"-t", "other", "-m", "two", "-q", qos, "-V", version}), 0);
      ASSERT_EQ(sub.wait(5s), 0) << sub.err();
      EXPECT_EQ(sub.out(), "cli/y one\nother two\n") << "version " << version << " qos " << qos;
      // The QoS flow, seen in -d output on stderr.
      if (std::string(qos) == "2") {
        EXPECT_NE(sub.err().find("sending PUBREC"), std::string::npos);
        EXPECT_NE(sub.err().find("sending PUBCOMP"), std::string::npos);
      }
      if (std::string(qos) == "1") {
        EXPECT_NE(sub.err().find("sending PUBACK"), std::string::npos);
      }
    }
  }
}

TEST_P(CliInteropTest, PubLinesFromStdinAndNullMessage) {
  auto sub = mosquitto_sub({"-t", "lines", "-C", "4", "-v"});
  EXPECT_EQ(trustmq_pub({"-t", "lines", "-l", "-q", "1"}, "first\n\nthird\nlast-no-newline"), 0);
  ASSERT_EQ(sub.wait(5s), 0);
  EXPECT_EQ(message_lines(sub.out()),
            "lines first\nlines (null)\nlines third\nlines last-no-newline\n");
  auto sub2 = mosquitto_sub({"-t", "null", "-C", "1", "-v"});
  EXPECT_EQ(trustmq_pub({"-t", "null", "-n"}), 0);
  ASSERT_EQ(sub2.wait(5s), 0);
  EXPECT_EQ(message_lines(sub2.out()), "null (null)\n");
}

TEST_P(CliInteropTest, PubFileSendsExactBytes) {
  std::string binary;
  for (int i = 0; i < 3000; ++i) binary.push_back(static_cast<char>(i * 7 % 256));
  const std::string path = dir_.write("payload.bin", binary);
  auto sub = trustmq_sub({"-t", "file", "-C", "1", "-N"});
  EXPECT_EQ(trustmq_pub({"-t", "file", "-f", path, "-q", "2"}), 0);
  ASSERT_EQ(sub.wait(5s), 0);
  EXPECT_EQ(sub.out(), binary);
}

TEST_P(CliInteropTest, SubTimeoutExits27LikeMosquittoSub) {
  auto ours = run_cli("sub", {"-p", port_, "-t", "quiet", "-W", "1"}, dir_.path());
  auto theirs = ChildProcess::exec(
      {testing::kMosquittoSubPath, "-p", port_, "-t", "quiet", "-W", "1"}, dir_.path());
  const auto ours_rc = ours.wait(5s);
  const auto theirs_rc = theirs.wait(5s);
  ASSERT_TRUE(ours_rc.has_value());
  EXPECT_EQ(ours_rc, theirs_rc);
  EXPECT_EQ(*ours_rc, 27);
  EXPECT_EQ(ours.err(), "Timed out\n");
  EXPECT_EQ(ours.out(), "");
}

TEST_P(CliInteropTest, SubSkipsRetainedWithR) {
  ASSERT_EQ(mosquitto_pub({"-t", "ret", "-m", "old", "-r"}), 0);
  auto plain = trustmq_sub({"-t", "ret", "-C", "1"});
  ASSERT_EQ(plain.wait(5s), 0);
  EXPECT_EQ(plain.out(), "old\n");
  auto fresh_only = trustmq_sub({"-t", "ret", "-C", "1", "-R"});
  ASSERT_EQ(mosquitto_pub({"-t", "ret", "-m", "new"}), 0);
  ASSERT_EQ(fresh_only.wait(5s), 0);
  EXPECT_EQ(fresh_only.out(), "new\n");
}

TEST_P(CliInteropTest, UsageErrorsExit1) {
  auto child = run_cli("pub", {"-t", "a"}, dir_.path());
  EXPECT_EQ(child.wait(5s), 1);
  EXPECT_EQ(child.err(),
            "Error: Both topic and message must be supplied.\n\n"
            "Use 'trustmq pub --help' to see usage.\n");
  auto help = run_cli("sub", {"--help"}, dir_.path());
  EXPECT_EQ(help.wait(5s), 0);
  EXPECT_NE(help.out().find("-C, --count COUNT"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Brokers, CliInteropTest,
                         ::testing::Values(BrokerKind::kTrustmq, BrokerKind::kMosquitto),
                         [](const auto& info) { return kind_name(info.param); });

TEST(CliExitCodeTest, RefusedConnectionExitsWithConnackCodeLikeMosquitto) {
  TempDirectory dir;
  auto broker = BrokerProcess::start(BrokerKind::kMosquitto, dir, "allow_anonymous false\n");
  ASSERT_NE(broker, nullptr);
  const std::string port = std::to_string(broker->port());
  for (const char* version : {"311", "5"}) {
    auto ours = run_cli("pub", {"-p", port, "-t", "a", "-m", "x", "-V", version}, dir.path());
    auto theirs = ChildProcess::exec(
        {testing::kMosquittoPubPath, "-p", port, "-t", "a", "-m", "x", "-V", version}, dir.path());
    const auto ours_rc = ours.wait(5s);
    ASSERT_TRUE(ours_rc.has_value());
    EXPECT_EQ(ours_rc, theirs.wait(5s));
    EXPECT_EQ(*ours_rc, std::string(version) == "5" ? 135 : 5);
    EXPECT_NE(ours.err().find("Not authorized"), std::string::npos) << ours.err();
  }
  auto nobody = run_cli("sub", {"-p", std::to_string(testing::free_port()), "-t", "a"}, dir.path());
  EXPECT_EQ(nobody.wait(5s), 1);
  EXPECT_NE(nobody.err().find("Connection refused"), std::string::npos);
}

}  // namespace
}  // namespace trustmq::client
