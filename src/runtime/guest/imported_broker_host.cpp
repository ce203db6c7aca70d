#include "runtime/guest/imported_broker_host.h"

#include <cstring>

#include "runtime/guest/host_imports.h"

namespace trustmq::guest {

void ImportedBrokerHost::send(mqtt::ConnectionId conn, mqtt::ByteView bytes, mqtt::SendKind kind) {
  host_send(conn, bytes.data(), static_cast<std::uint32_t>(bytes.size()),
            static_cast<std::uint32_t>(kind));
}

void ImportedBrokerHost::close(mqtt::ConnectionId conn) { host_close(conn); }

void ImportedBrokerHost::log(mqtt::LogLevel level, std::string_view text) {
  host_log(static_cast<std::uint32_t>(level), text.data(), static_cast<std::uint32_t>(text.size()));
}

bool ImportedBrokerHost::authenticate(std::string_view username, mqtt::ByteView password) {
  return host_authenticate(username.data(), static_cast<std::uint32_t>(username.size()),
                           password.data(), static_cast<std::uint32_t>(password.size())) != 0;
}

mqtt::EvidenceStatus ImportedBrokerHost::produce_evidence(mqtt::ConnectionId conn,
                                                          mqtt::ByteView request,
                                                          bool client_authenticated,
                                                          mqtt::Bytes& evidence) {
  evidence.resize(mqtt::kMaxEvidenceAnswerSize);
  std::uint32_t length = 0;
  const std::uint32_t status =
      host_produce_evidence(conn, request.data(), static_cast<std::uint32_t>(request.size()),
                            client_authenticated ? 1 : 0, evidence.data(),
                            static_cast<std::uint32_t>(evidence.size()), &length);
  // The host checked both; a value out of range would be its bug: refuse rather than trust it.
  if (status > mqtt::kMaxEvidenceStatus || length > evidence.size()) {
    evidence.clear();
    return mqtt::EvidenceStatus::kFailed;
  }
  evidence.resize(status == 0 ? length : 0);
  return static_cast<mqtt::EvidenceStatus>(status);
}

mqtt::ClientEvidenceStatus ImportedBrokerHost::attest_client(mqtt::ConnectionId conn,
                                                             mqtt::ClientEvidenceStep step,
                                                             mqtt::ByteView input,
                                                             mqtt::Bytes& output) {
  output.resize(mqtt::kMaxClientAttestationOutput);
  std::uint32_t length = 0;
  const std::uint32_t status =
      host_attest_client(conn, static_cast<std::uint32_t>(step), input.data(),
                         static_cast<std::uint32_t>(input.size()), output.data(),
                         static_cast<std::uint32_t>(output.size()), &length);
  // The host checked both; a value out of range would be its bug: refuse rather than trust it.
  if (status > mqtt::kMaxClientEvidenceStatus || length > output.size()) {
    output.clear();
    return mqtt::ClientEvidenceStatus::kRefused;
  }
  output.resize(length);
  return static_cast<mqtt::ClientEvidenceStatus>(status);
}

void ImportedBrokerHost::persist(mqtt::ByteView record) {
  host_persist(record.data(), static_cast<std::uint32_t>(record.size()));
}

void fatal(const char* text) {
  host_fatal(text, static_cast<std::uint32_t>(std::strlen(text)));
  __builtin_trap();
}

}  // namespace trustmq::guest
