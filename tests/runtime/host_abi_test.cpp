#include "runtime/host_abi.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "tests/mqtt/fake_broker_host.h"

namespace trustmq::runtime {
namespace {

// The one user the fake host accepts, as the CONNECT packets of these tests log in.
const std::map<std::string, std::string> kUsers = {{"alice", "secret"}};

class HostAbiTest : public ::testing::Test {
 protected:
  HostAbiTest() : abi(host) {}

  void put(std::uint32_t at, const std::string& text) {
    std::memcpy(bytes.data() + at, text.data(), text.size());
  }
  void put_u32(std::uint32_t at, std::uint32_t v) { std::memcpy(bytes.data() + at, &v, 4); }
  std::uint32_t get_u32(std::uint32_t at) const {
    std::uint32_t v;
    std::memcpy(&v, bytes.data() + at, 4);
    return v;
  }
  void expect_abi_violation() {
    ASSERT_TRUE(abi.raised_trap());
    EXPECT_EQ(abi.raised_trap()->kind, WasmTrapKind::kAbiViolation);
    EXPECT_TRUE(host.logged("abi-violation"));
  }

  mqtt::testing::FakeBrokerHost host{kUsers};
  HostAbi abi;
  std::vector<std::uint8_t> bytes = std::vector<std::uint8_t>(65536);
  GuestMemory memory{bytes.data(), bytes.size()};
};

TEST_F(HostAbiTest, SendPassesGuestBytesToTheHost) {
  put(100, "hello");
  ASSERT_TRUE(abi.send(memory, 7, 100, 5, 1));
  ASSERT_EQ(host.sent.size(), 1u);
  EXPECT_EQ(host.sent[0].conn, 7u);
  EXPECT_EQ(std::string(host.sent[0].bytes.begin(), host.sent[0].bytes.end()), "hello");
  EXPECT_EQ(host.sent[0].kind, mqtt::SendKind::kDroppable);
  EXPECT_FALSE(abi.raised_trap());
}

struct BadPair {
  std::uint32_t ptr;
  std::uint32_t length;
};

class HostAbiBadPairTest : public HostAbiTest, public ::testing::WithParamInterface<BadPair> {};

TEST_P(HostAbiBadPairTest, SendRejectsOutOfBoundsWithoutCallingTheHost) {
  EXPECT_FALSE(abi.send(memory, 1, GetParam().ptr, GetParam().length, 0));
  EXPECT_TRUE(host.sent.empty());
  expect_abi_violation();
}

TEST_P(HostAbiBadPairTest, LogRejectsOutOfBounds) {
  EXPECT_FALSE(abi.log(memory, 1, GetParam().ptr, GetParam().length));
  expect_abi_violation();
  for (const auto& [level, text] : host.logs) EXPECT_EQ(level, mqtt::LogLevel::kError) << text;
}

TEST_P(HostAbiBadPairTest, AuthenticateRejectsOutOfBoundsUsernameOrPassword) {
  std::uint32_t allowed = 5;
  EXPECT_FALSE(abi.authenticate(memory, GetParam().ptr, GetParam().length, 0, 4, allowed));
  EXPECT_FALSE(abi.authenticate(memory, 0, 4, GetParam().ptr, GetParam().length, allowed));
  EXPECT_TRUE(host.auth_calls.empty());
  EXPECT_EQ(allowed, 5u);
  expect_abi_violation();
}

TEST_P(HostAbiBadPairTest, RandomGetRejectsOutOfBounds) {
  std::uint32_t error = 0;
  EXPECT_FALSE(abi.random_get(memory, GetParam().ptr, GetParam().length, error));
  expect_abi_violation();
}

INSTANTIATE_TEST_SUITE_P(Pairs, HostAbiBadPairTest,
                         ::testing::Values(BadPair{65530, 7}, BadPair{65536, 1}, BadPair{0, 65537},
                                           BadPair{0xffffff00u, 0x200u}, BadPair{0xffffffffu, 2u},
                                           BadPair{2u, 0xffffffffu},
                                           BadPair{0x80000000u, 0x80000000u}));

TEST_F(HostAbiTest, SendRejectsUnknownKind) {
  EXPECT_FALSE(abi.send(memory, 1, 0, 4, 2));
  EXPECT_TRUE(host.sent.empty());
  expect_abi_violation();
}

TEST_F(HostAbiTest, LogForwardsTextAndRejectsUnknownLevel) {
  put(10, "core says hi");
  ASSERT_TRUE(abi.log(memory, 3, 10, 12));
  ASSERT_EQ(host.logs.size(), 1u);
  EXPECT_EQ(host.logs[0].first, mqtt::LogLevel::kWarning);
  EXPECT_EQ(host.logs[0].second, "core says hi");
  EXPECT_FALSE(abi.log(memory, 5, 10, 12));
  expect_abi_violation();
}

TEST_F(HostAbiTest, AuthenticateReportsTheHostsAnswer) {
  put(0, "alice");
  put(16, "secret");
  put(32, "wrong!");
  std::uint32_t allowed = 9;
  ASSERT_TRUE(abi.authenticate(memory, 0, 5, 16, 6, allowed));
  EXPECT_EQ(allowed, 1u);
  ASSERT_TRUE(abi.authenticate(memory, 0, 5, 32, 6, allowed));
  EXPECT_EQ(allowed, 0u);
  ASSERT_EQ(host.auth_calls.size(), 2u);
  EXPECT_EQ(host.auth_calls[1].second, "wrong!");
}

TEST_F(HostAbiTest, FatalRaisesMemoryLimitOrModuleFatal) {
  put(0, "module memory limit reached");
  EXPECT_FALSE(abi.fatal(memory, 0, 27));
  ASSERT_TRUE(abi.raised_trap());
  EXPECT_EQ(abi.raised_trap()->kind, WasmTrapKind::kMemoryLimit);
  EXPECT_EQ(abi.raised_trap()->detail, "module memory limit reached");

  put(100, "init called twice");
  EXPECT_FALSE(abi.fatal(memory, 100, 17));
  EXPECT_EQ(abi.raised_trap()->kind, WasmTrapKind::kModuleFatal);
}

TEST_F(HostAbiTest, FdWriteGathersIovecsToTheLogAndReportsTheCount) {
  put(1000, "abc");
  put(2000, "def\n");
  put_u32(100, 1000);
  put_u32(104, 3);
  put_u32(108, 2000);
  put_u32(112, 4);
  std::uint32_t error = 99;
  ASSERT_TRUE(abi.fd_write(memory, 2, 100, 2, 200, error));
  EXPECT_EQ(error, kWasiSuccess);
  EXPECT_EQ(get_u32(200), 7u);
  EXPECT_TRUE(host.logged("wasm module stderr: abcdef"));
}

TEST_F(HostAbiTest, FdWriteRejectsIovecPointingOutside) {
  put_u32(100, 65530);
  put_u32(104, 100);
  std::uint32_t error = 0;
  EXPECT_FALSE(abi.fd_write(memory, 1, 100, 1, 200, error));
  expect_abi_violation();
}

TEST_F(HostAbiTest, FdWriteRejectsIovecArrayWrappingAround) {
  std::uint32_t error = 0;
  EXPECT_FALSE(abi.fd_write(memory, 1, 0xfffffff8u, 2, 200, error));
  expect_abi_violation();
}

TEST_F(HostAbiTest, FdWriteToOtherDescriptorsIsBadFileDescriptor) {
  std::uint32_t error = 0;
  ASSERT_TRUE(abi.fd_write(memory, 3, 0, 0, 0, error));
  EXPECT_EQ(error, kWasiBadFileDescriptor);
}

TEST_F(HostAbiTest, ClockTimeGetWritesNanosecondsOrRejects) {
  std::uint32_t error = 99;
  ASSERT_TRUE(abi.clock_time_get(memory, 1, 64, error));
  EXPECT_EQ(error, kWasiSuccess);
  std::uint64_t first;
  std::memcpy(&first, bytes.data() + 64, 8);
  ASSERT_TRUE(abi.clock_time_get(memory, 1, 64, error));
  std::uint64_t second;
  std::memcpy(&second, bytes.data() + 64, 8);
  EXPECT_GT(first, 0u);
  EXPECT_GE(second, first);
  ASSERT_TRUE(abi.clock_time_get(memory, 7, 64, error));
  EXPECT_EQ(error, kWasiInvalidArgument);
  EXPECT_FALSE(abi.clock_time_get(memory, 0, 65532, error));
  expect_abi_violation();
}

TEST_F(HostAbiTest, RandomGetFillsTheBuffer) {
  std::uint32_t error = 99;
  ASSERT_TRUE(abi.random_get(memory, 4096, 64, error));
  EXPECT_EQ(error, kWasiSuccess);
  int nonzero = 0;
  for (int i = 0; i < 64; ++i) nonzero += bytes[4096 + i] != 0;
  EXPECT_GT(nonzero, 32);  // 64 random bytes: all-but-half zero has probability ~0
}

TEST_F(HostAbiTest, ProcExitAlwaysTraps) {
  EXPECT_FALSE(abi.proc_exit(3));
  ASSERT_TRUE(abi.raised_trap());
  EXPECT_EQ(abi.raised_trap()->kind, WasmTrapKind::kExit);
  EXPECT_EQ(abi.raised_trap()->detail, "proc_exit(3)");
}

TEST_F(HostAbiTest, ProduceEvidenceCopiesTheRequestOutAndTheEvidenceIn) {
  host.evidence_status = mqtt::EvidenceStatus::kProduced;
  put(100, "req");
  std::uint32_t status = 99;
  ASSERT_TRUE(abi.produce_evidence(memory, 3, 100, 3, 1, 1000, 64, 2000, status));
  EXPECT_EQ(status, 0u);
  ASSERT_EQ(host.evidence_calls.size(), 1u);
  EXPECT_EQ(host.evidence_calls[0].conn, 3u);
  EXPECT_TRUE(host.evidence_calls[0].client_authenticated);
  EXPECT_EQ(get_u32(2000), 6u);  // "EV:" + "req"
  EXPECT_EQ(std::string(bytes.begin() + 1000, bytes.begin() + 1006), "EV:req");
  EXPECT_FALSE(abi.raised_trap());
}

TEST_F(HostAbiTest, ProduceEvidenceTooLargeForTheBufferFailsWithoutWriting) {
  host.evidence_status = mqtt::EvidenceStatus::kProduced;
  put(100, "req");
  std::uint32_t status = 0;
  ASSERT_TRUE(abi.produce_evidence(memory, 3, 100, 3, 0, 1000, 5, 2000, status));
  EXPECT_EQ(status, static_cast<std::uint32_t>(mqtt::EvidenceStatus::kFailed));
  EXPECT_EQ(get_u32(2000), 0u);
  EXPECT_EQ(bytes[1000], 0);
}

TEST_F(HostAbiTest, ProduceEvidencePassesTheHostsRefusalOn) {
  std::uint32_t status = 0;
  ASSERT_TRUE(abi.produce_evidence(memory, 3, 100, 0, 0, 1000, 64, 2000, status));
  EXPECT_EQ(status, static_cast<std::uint32_t>(mqtt::EvidenceStatus::kUnsupported));
}

TEST_F(HostAbiTest, ProduceEvidenceWithBadPointersOrFlagTraps) {
  std::uint32_t status = 0;
  EXPECT_FALSE(abi.produce_evidence(memory, 3, 65535, 2, 0, 1000, 64, 2000, status));
  expect_abi_violation();
}

TEST_F(HostAbiTest, ProduceEvidenceWithOutputPastTheEndTraps) {
  std::uint32_t status = 0;
  EXPECT_FALSE(abi.produce_evidence(memory, 3, 100, 1, 0, 65000, 1000, 2000, status));
  expect_abi_violation();
  EXPECT_TRUE(host.evidence_calls.empty());
}

TEST_F(HostAbiTest, AttestClientCopiesTheInputOutAndTheClaimsIn) {
  host.client_answers[0] = {mqtt::ClientEvidenceStatus::kAccepted, "type=sim\n"};
  put(100, "evi");
  std::uint32_t status = 99;
  ASSERT_TRUE(abi.attest_client(memory, 3, 0, 100, 3, 1000, 64, 2000, status));
  EXPECT_EQ(status, 0u);
  ASSERT_EQ(host.client_calls.size(), 1u);
  EXPECT_EQ(host.client_calls[0].conn, 3u);
  EXPECT_EQ(host.client_calls[0].step, mqtt::ClientEvidenceStep::kAtConnect);
  EXPECT_EQ(std::string(host.client_calls[0].input.begin(), host.client_calls[0].input.end()),
            "evi");
  EXPECT_EQ(get_u32(2000), 9u);
  EXPECT_EQ(std::string(bytes.begin() + 1000, bytes.begin() + 1009), "type=sim\n");
  EXPECT_FALSE(abi.raised_trap());
}

TEST_F(HostAbiTest, AttestClientOutputTooLargeForTheBufferIsARefusalWithoutWriting) {
  host.client_answers[0] = {mqtt::ClientEvidenceStatus::kAccepted, "type=sim\n"};
  std::uint32_t status = 0;
  ASSERT_TRUE(abi.attest_client(memory, 3, 0, 100, 3, 1000, 4, 2000, status));
  EXPECT_EQ(status, static_cast<std::uint32_t>(mqtt::ClientEvidenceStatus::kRefused));
  EXPECT_EQ(get_u32(2000), 0u);
  EXPECT_EQ(bytes[1000], 0);
}

TEST_F(HostAbiTest, AttestClientWithUnknownStepOrBadRangeTraps) {
  std::uint32_t status = 0;
  EXPECT_FALSE(abi.attest_client(memory, 3, 3, 100, 1, 1000, 64, 2000, status));
  expect_abi_violation();
  EXPECT_FALSE(abi.attest_client(memory, 3, 0, 65535, 2, 1000, 64, 2000, status));
  EXPECT_FALSE(abi.attest_client(memory, 3, 0, 100, 1, 65000, 1000, 2000, status));
  EXPECT_TRUE(host.client_calls.empty());
}

TEST_F(HostAbiTest, ProduceEvidenceWithUnknownFlagTraps) {
  std::uint32_t status = 0;
  EXPECT_FALSE(abi.produce_evidence(memory, 3, 100, 1, 2, 1000, 64, 2000, status));
  expect_abi_violation();
  EXPECT_TRUE(host.evidence_calls.empty());
}

}  // namespace
}  // namespace trustmq::runtime
