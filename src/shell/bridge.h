// A running bridge (docs/bridges.md): an MQTT 5 client of the local broker on an internal
// socketpair, and an MQTT client (3.1.1 or 5, TCP, TLS, TLS-PSK or attested TLS) of the
// remote broker, driven by one thread of its own with the blocking client library. The thread
// shares nothing with the event loop but the socket and the (thread-safe) logger.
//
// The cycle: connect to the remote (attested TLS first when bridge_attestation_policy is set,
// so no byte is forwarded to a remote whose evidence does not verify), subscribe on both
// sides, forward; when the remote fails, publish state 0, keep receiving from the local broker
// and hold QoS 1/2 messages, reconnect after restart_timeout (doubling up to its cap), and
// send what was held once the remote is back.
//
// A QoS 1/2 message from the local broker is acknowledged to it only once the remote has
// acknowledged it (manual acknowledgement), so until then the local broker keeps it: in
// flight to the bridge (what the bridge holds, bounded by max_inflight_messages), then in the
// bridge's local session (bounded by max_queued_messages). With a durable local session
// (local_cleansession false, the default with cleansession false) and `persistence true`, that
// survives a restart or a crash of the local broker; the bridge has no store of its own.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "client/mqtt_client.h"
#include "shell/bridge_config.h"
#include "shell/logger.h"

namespace trustmq::shell {

class Bridge {
 public:
  // QoS 1/2 messages held (unacknowledged) for the remote; the local broker's
  // max_inflight_messages bounds them first. Past this the oldest are acknowledged to the
  // local broker and dropped, with a warning (only with max_inflight_messages 0 or > this).
  static constexpr std::size_t kMaxHeldMessages = 10000;
  // Each wait of a client call (TCP/TLS connect, CONNACK, each acknowledgement): bounds how
  // long stop() may wait for the thread.
  static constexpr std::chrono::milliseconds kOperationTimeout{5000};
  // When both sides are quiet, how long the thread waits on each in turn (the added latency
  // of a message when nothing else moves); a busy side is read without waiting, up to kBatch
  // messages per turn.
  static constexpr std::chrono::milliseconds kIdleWait{20};
  static constexpr std::chrono::milliseconds kNoWait{0};
  static constexpr std::size_t kBatch = 64;
  // While the remote is down only the local side is read, with this wait.
  static constexpr std::chrono::milliseconds kRemoteDownWait{100};

  // `local_fd`: the bridge's end of the socketpair the server adopted the other end of
  // (Server::adopt_bridge_connection); the bridge owns it.
  Bridge(BridgeConfig config, int local_fd, Logger& logger);
  ~Bridge();  // stop()
  Bridge(const Bridge&) = delete;
  Bridge& operator=(const Bridge&) = delete;

  void start();
  // Asks the thread to end (it publishes state 0 and disconnects both sides) and joins it.
  // Idempotent.
  void stop();

  const BridgeConfig& config() const { return config_; }

 private:
  struct HeldMessage {
    std::string topic;  // on the remote
    mqtt::Bytes payload;
    mqtt::QoS qos;
    bool retain;
    mqtt::Properties properties;
    // How the local broker delivered it: acknowledged to it once the remote acknowledged.
    mqtt::QoS local_qos;
    std::uint16_t local_packet_id;
  };

  void run();
  // The session with the local broker ended (or could not start): nothing more to do.
  bool connect_local();
  std::unique_ptr<client::MqttClient> connect_remote();
  // One attempt to open the transport and connect; `bridge_bit`: try_private.
  client::ClientResult<std::unique_ptr<client::MqttClient>> open_remote(bool bridge_bit,
                                                                        std::string& description);
  // Acknowledges a held message to the local broker (the remote has it, or refused it).
  void acknowledge_local(mqtt::QoS qos, std::uint16_t packet_id);
  // Maps a message from the local broker to the remote and holds it; false if no topic line
  // forwards it.
  void hold_outgoing(client::ReceivedMessage message, bool remote_up);
  // Sends what is held; false if the remote failed (what was not acknowledged stays held).
  bool send_held(client::MqttClient& remote);
  // Publishes a message from the remote on the local broker; false if the local side failed.
  bool forward_incoming(client::ReceivedMessage message);
  bool publish_state(bool connected);
  // Sleeps until `d` passed or stop() was called; false if stopping.
  bool wait(std::chrono::milliseconds d);
  void log(LogType type, const std::string& text);

  BridgeConfig config_;
  int local_fd_;
  Logger& logger_;
  std::unique_ptr<client::MqttClient> local_;
  std::deque<HeldMessage> held_;
  std::size_t dropped_ = 0;  // held messages dropped since the remote went down
  std::mutex mutex_;         // with wake_: stop() interrupts wait()
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace trustmq::shell
