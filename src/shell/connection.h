// One accepted client socket as the event loop sees it: its transport, its bounded outbound
// queue and where it is in its life.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mqtt/types.h"
#include "shell/commit_gate.h"
#include "shell/outbound_queue.h"
#include "shell/server_transport.h"

namespace trustmq::shell {

struct Connection {
  enum class State : std::uint8_t {
    kHandshaking,  // transport handshake running; the engine does not know the connection yet
    kOpen,         // bytes flow both ways
    kClosing,      // the core asked to close: flush what is queued, read nothing more
    kDraining,     // flushed and shut down for writing; the engine has been told it is closed;
                   // waiting briefly for the peer's EOF so unread input does not cause a reset
  };

  Connection(mqtt::ConnectionId id_, int fd_, std::size_t queue_limit)
      : id(id_), fd(fd_), queue(queue_limit) {}

  // Members are ordered so that small ones share words (one per client: padding counts
  // against the memory per idle connection, docs/broker.md).
  mqtt::ConnectionId id;
  int fd;
  std::unique_ptr<ServerTransport> transport;
  OutboundQueue queue;
  // What of `queue` may be written before the pending commit (persistence_durability sync).
  CommitGate gate;
  std::string peer_address;  // "127.0.0.1:50123"
  std::uint16_t listener_port = 0;
  bool use_identity_as_username = false;  // listener option, passed on in PeerInfo
  bool bridge = false;                    // a bridge's internal socket (PeerInfo::bridge)
  State state = State::kHandshaking;
  bool engine_open = false;        // engine.open() called and engine.close() not yet
  bool overflowed = false;         // a control send did not fit: disconnect at once
  bool scheduled = false;          // in the server's list of connections to process
  std::uint32_t epoll_events = 0;  // interest currently registered
  bool drop_logged = false;
  bool input_paused = false;       // see "Backpressure" below
  bool congestion_logged = false;  // see "Backpressure" below
  mqtt::TimeMs deadline = 0;       // kClosing/kDraining: give up waiting at this time
  mqtt::TimeMs last_drop_log = 0;  // rate limit of the "dropped QoS 0" log line

  // Backpressure, as a publisher: not read from (no EPOLLIN, input_paused) until a subscriber
  // queue its messages filled drains, or until pause_deadline.
  mqtt::TimeMs pause_deadline = 0;
  // As a subscriber: when the queue went past the high-water mark (0: it is below the
  // low-water mark; congestion_logged once logged), and the publishers waiting for it to drain.
  mqtt::TimeMs congested_since = 0;
  std::vector<mqtt::ConnectionId> waiting_publishers;
};

}  // namespace trustmq::shell
