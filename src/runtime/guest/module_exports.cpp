// The module's exports (the host ABI in docs/wasm.md): they decode what the host placed in
// linear memory and drive one mqtt::Broker. The host calls `_initialize` once, then `init`.
#include <cstdint>
#include <cstdlib>

#include "mqtt/broker.h"
#include "runtime/broker_config_codec.h"
#include "runtime/guest/host_imports.h"
#include "runtime/guest/imported_broker_host.h"
#include "runtime/peer_info_codec.h"

#define TRUSTMQ_EXPORT(name) __attribute__((export_name(name)))

namespace {

using trustmq::guest::fatal;
namespace mqtt = trustmq::mqtt;

trustmq::guest::ImportedBrokerHost g_host;
mqtt::Broker* g_broker = nullptr;

// Where the host writes received bytes, configuration and peer info. Grows, never shrinks.
std::uint8_t* g_input = nullptr;
std::uint32_t g_input_capacity = 0;

mqtt::Broker& broker() {
  if (g_broker == nullptr) fatal("module used before init");
  return *g_broker;
}

mqtt::ByteView input_view(const std::uint8_t* bytes, std::uint32_t length) {
  return mqtt::ByteView(bytes, length);
}

}  // namespace

extern "C" {

// Returns a buffer of at least `size` bytes in linear memory, valid until the next call.
TRUSTMQ_EXPORT("input_buffer") std::uint8_t* trustmq_input_buffer(std::uint32_t size) {
  if (size > g_input_capacity) {
    std::uint32_t capacity = g_input_capacity == 0 ? 4096 : g_input_capacity;
    while (capacity < size) capacity = capacity > 0x7fffffffu ? size : capacity * 2;
    void* grown = std::realloc(g_input, capacity);
    if (grown == nullptr) fatal("module memory limit reached");
    g_input = static_cast<std::uint8_t*>(grown);
    g_input_capacity = capacity;
  }
  return g_input;
}

// `config` holds an encode_broker_config() encoding. Returns 0 on success, 1 if it is invalid.
TRUSTMQ_EXPORT("init")
std::int32_t trustmq_init(const std::uint8_t* config, std::uint32_t length, std::uint64_t now) {
  if (g_broker != nullptr) fatal("init called twice");
  mqtt::BrokerConfig decoded;
  if (!trustmq::runtime::decode_broker_config(input_view(config, length), decoded)) return 1;
  g_broker = new mqtt::Broker(std::move(decoded), g_host, now);
  return 0;
}

// `peer` holds an encode_peer_info() encoding.
TRUSTMQ_EXPORT("on_open")
void trustmq_on_open(std::uint32_t conn, const std::uint8_t* peer, std::uint32_t length,
                     std::uint64_t now) {
  mqtt::PeerInfo info;
  if (!trustmq::runtime::decode_peer_info(input_view(peer, length), info)) {
    fatal("malformed peer info");
  }
  broker().on_open(conn, info, now);
}

TRUSTMQ_EXPORT("on_data")
void trustmq_on_data(std::uint32_t conn, const std::uint8_t* bytes, std::uint32_t length,
                     std::uint64_t now) {
  broker().on_data(conn, input_view(bytes, length), now);
}

TRUSTMQ_EXPORT("on_close") void trustmq_on_close(std::uint32_t conn, std::uint64_t now) {
  broker().on_close(conn, now);
}

// `record` holds one stored persistence record; returns 1 if the core took it, 0 if not.
TRUSTMQ_EXPORT("restore")
std::int32_t trustmq_restore(const std::uint8_t* record, std::uint32_t length, std::uint64_t now) {
  return broker().restore(input_view(record, length), now) ? 1 : 0;
}

TRUSTMQ_EXPORT("on_tick") std::uint64_t trustmq_on_tick(std::uint64_t now) {
  return broker().on_tick(now);
}

// `config` holds an encode_broker_config() encoding of which only the ACL is used
// (mqtt::Broker::reload_security). Returns 0 on success, 1 if it is invalid (nothing changes).
TRUSTMQ_EXPORT("reload_security")
std::int32_t trustmq_reload_security(const std::uint8_t* config, std::uint32_t length,
                                     std::uint64_t now) {
  mqtt::BrokerConfig decoded;
  if (!trustmq::runtime::decode_broker_config(input_view(config, length), decoded)) return 1;
  broker().reload_security(std::move(decoded.acl), now);
  return 0;
}

}  // extern "C"
