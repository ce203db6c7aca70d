// The BrokerHost of the core's tests, shared by tests/mqtt and tests/runtime (which include
// it as "tests/mqtt/fake_broker_host.h"): records every send, close, log line and
// authenticate() call and persistence record, and answers authenticate() from a table of
// username → password and produce_evidence() with a configurable status.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mqtt/broker.h"
#include "mqtt/codec.h"

namespace trustmq::mqtt::testing {

struct SentBytes {
  ConnectionId conn = 0;
  Bytes bytes;
  SendKind kind = SendKind::kControl;
};

class FakeBrokerHost : public BrokerHost {
 public:
  FakeBrokerHost() = default;
  explicit FakeBrokerHost(std::map<std::string, std::string> accepted)
      : passwords(std::move(accepted)) {}

  void send(ConnectionId conn, ByteView bytes, SendKind kind) override {
    sent.push_back({conn, Bytes(bytes.begin(), bytes.end()), kind});
  }
  void close(ConnectionId conn) override { closed.push_back(conn); }
  void log(LogLevel level, std::string_view text) override {
    logs.emplace_back(level, std::string(text));
  }
  bool authenticate(std::string_view username, ByteView password) override {
    auth_calls.emplace_back(std::string(username), std::string(password.begin(), password.end()));
    auto it = passwords.find(std::string(username));
    return it != passwords.end() &&
           std::equal(it->second.begin(), it->second.end(), password.begin(), password.end());
  }

  // Answers with `evidence_status` and, when produced, `evidence_answer` + the request (so a
  // test sees which request each answer belongs to).
  EvidenceStatus produce_evidence(ConnectionId conn, ByteView request, bool client_authenticated,
                                  Bytes& evidence) override {
    evidence_calls.push_back({conn, Bytes(request.begin(), request.end()), client_authenticated});
    if (evidence_status == EvidenceStatus::kProduced) {
      evidence.resize(evidence_answer.size() + request.size());
      std::copy(evidence_answer.begin(), evidence_answer.end(), evidence.begin());
      std::copy(request.begin(), request.end(),
                evidence.begin() + static_cast<std::ptrdiff_t>(evidence_answer.size()));
    }
    return evidence_status;
  }

  // Attested clients: answers every step from `client_answers` (by step), recording each call.
  ClientEvidenceStatus attest_client(ConnectionId conn, ClientEvidenceStep step, ByteView input,
                                     Bytes& output) override {
    client_calls.push_back({conn, step, Bytes(input.begin(), input.end())});
    const auto& [status, text] = client_answers[static_cast<std::size_t>(step)];
    output.assign(text.begin(), text.end());
    return status;
  }

  void persist(ByteView record) override { persisted.emplace_back(record.begin(), record.end()); }

  // Removes and returns the raw sends to `conn`, oldest first.
  std::vector<SentBytes> take_raw(ConnectionId conn) {
    std::vector<SentBytes> out;
    std::vector<SentBytes> rest;
    for (auto& s : sent) (s.conn == conn ? out : rest).push_back(std::move(s));
    sent = std::move(rest);
    return out;
  }

  // Removes and decodes what was sent to `conn`. Each send must be exactly one whole packet.
  std::vector<Packet> take(ConnectionId conn, ProtocolVersion version) {
    std::vector<Packet> packets;
    for (auto& s : take_raw(conn)) {
      DecodeResult r = decode_packet(s.bytes, version);
      if (r.status != DecodeStatus::kOk || r.consumed != s.bytes.size()) {
        decode_failures.push_back(s.bytes);
        continue;
      }
      packets.push_back(std::move(r.packet));
    }
    return packets;
  }

  bool was_closed(ConnectionId conn) const {
    return std::find(closed.begin(), closed.end(), conn) != closed.end();
  }

  bool logged(std::string_view needle) const {
    for (const auto& [level, text] : logs) {
      if (text.find(needle) != std::string::npos) return true;
    }
    return false;
  }

  std::vector<SentBytes> sent;
  std::vector<ConnectionId> closed;
  std::vector<std::pair<LogLevel, std::string>> logs;
  std::vector<Bytes> decode_failures;
  std::vector<Bytes> persisted;  // persistence records, in the order the core emitted them
  std::vector<std::pair<std::string, std::string>> auth_calls;  // (username, password)
  std::map<std::string, std::string> passwords;

  struct EvidenceCall {
    ConnectionId conn = 0;
    Bytes request;
    bool client_authenticated = false;
  };
  EvidenceStatus evidence_status = EvidenceStatus::kUnsupported;
  Bytes evidence_answer = {'E', 'V', ':'};
  std::vector<EvidenceCall> evidence_calls;

  struct ClientCall {
    ConnectionId conn = 0;
    ClientEvidenceStep step = ClientEvidenceStep::kAtConnect;
    Bytes input;
  };
  // Per ClientEvidenceStep: the status and the output text (claims, challenge or reason).
  std::pair<ClientEvidenceStatus, std::string> client_answers[kMaxClientEvidenceStep + 1] = {
      {ClientEvidenceStatus::kUnsupported, "unsupported: no policy"},
      {ClientEvidenceStatus::kUnsupported, "unsupported: no policy"},
      {ClientEvidenceStatus::kUnsupported, "unsupported: no policy"}};
  std::vector<ClientCall> client_calls;
};

}  // namespace trustmq::mqtt::testing
