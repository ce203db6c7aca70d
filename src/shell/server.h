// The broker's I/O shell: an epoll event loop (level-triggered, non-blocking sockets) with the
// listeners, the client connections and the timers, driving the MQTT core through a
// runtime::Engine and serving as the core's BrokerHost.
//
// Calls from the engine into the host (send, close, log, authenticate) only record what to do;
// the loop acts on it after the engine call returns, so the engine is never re-entered.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "attest/attester.h"
#include "mqtt/broker.h"
#include "runtime/engine.h"
#include "shell/client_attestation_policy.h"
#include "shell/commit_thread.h"
#include "shell/connection.h"
#include "shell/listener_socket.h"
#include "shell/logger.h"
#include "shell/monotonic_clock.h"
#include "shell/password_file.h"
#include "shell/persistence_store.h"
#include "shell/server_config.h"
#include "shell/server_transport.h"
#include "shell/tpm_store_protection.h"

namespace trustmq::shell {

class Server final : public mqtt::BrokerHost {
 public:
  using EngineFactory =
      std::function<std::unique_ptr<runtime::Engine>(mqtt::BrokerHost& host, mqtt::TimeMs now)>;

  // Read/write chunk handed to the engine, and how many chunks one readiness event may read
  // before the loop serves the other connections.
  static constexpr std::size_t kReadChunkBytes = 64 * 1024;
  static constexpr int kReadsPerWakeup = 4;
  // On a transport that buffers writes (TLS), sends at least this large bypass an empty
  // outbound queue (encrypted from the engine's memory); smaller ones, and every send on plain
  // TCP, are queued and go out in one gathering write per wakeup.
  static constexpr std::size_t kDirectWriteMinBytes = 8 * 1024;
  static constexpr std::size_t kWriteRuns = 16;  // queue chunks per gathering write
  // How long a connection the core closed may take to flush, and then to send its EOF.
  static constexpr mqtt::TimeMs kFlushTimeoutMs = 5000;
  static constexpr mqtt::TimeMs kDrainTimeoutMs = 2000;
  // Longest sleep without calling Engine::tick.
  static constexpr mqtt::TimeMs kMaxTickIntervalMs = 1000;
  static constexpr mqtt::TimeMs kDropLogIntervalMs = 10000;

  // `passwords` may be null (no password_file); it must outlive the server.
  Server(const ServerConfig& config, Logger& logger, const PasswordFile* passwords);
  ~Server() override;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Creates the engine (it keeps a reference to this host).
  void start_engine(const EngineFactory& make_engine);
  // Tests: listeners with `attestation sim` serve this attester instead of one made from the
  // state directory's sim platform (call before bind_listeners).
  void set_sim_attester(std::shared_ptr<const attest::Attester> attester) {
    sim_attester_ = std::move(attester);
  }
  // Binds every configured listener and logs "listening on ADDRESS" for each. Throws
  // std::runtime_error (or ConfigError for an unusable listener configuration).
  void bind_listeners();
  const std::vector<ListenerSocket>& listener_sockets() const { return listener_sockets_; }
  // A bridge's local side (docs/bridges.md): `fd`, one end of a non-blocking socketpair, becomes
  // a connection the engine knows as a bridge (PeerInfo::bridge: internal, not authenticated),
  // "bridge NAME" in logs. The server owns `fd` from then on. Call after start_engine and
  // before run(). Throws std::runtime_error.
  void adopt_bridge_connection(int fd, const std::string& name);

  // Runs until request_stop(); returns the process exit status (0, or 1 after an engine trap).
  int run();
  // Safe from a signal handler or another thread.
  void request_stop();
  // Takes SIGINT, SIGTERM (stop) and SIGHUP (`on_reload`, called from the event loop between
  // events) through a signalfd: the signals are blocked in the calling thread, so call it
  // before any other thread starts. No work happens in a signal handler.
  void handle_signals(std::function<void()> on_reload);

  // Replaces the password file (SIGHUP); null: no user name is accepted. Connected clients
  // are checked against it by reload_security, which the reload calls next.
  void set_passwords(std::shared_ptr<const PasswordFile> passwords);
  // After a reload: the core replaces its ACL with `acl` and checks connected clients again
  // (runtime::Engine::reload_security). Throws std::runtime_error if the engine cannot.
  void reload_security(const std::optional<mqtt::AclRules>& acl);
  // After a reload: every listener's client_attestation_policy file is read again; one that
  // does not load keeps its running policy, and the log says why (client_attestation_policy.h).
  void reload_client_attestation_policies();
  // Tests: with persistence_durability sync, called on the commit thread before each commit
  // (e.g. to hold it). Call after start_engine and before run().
  void set_before_commit(std::function<void()> hook);
  // connection_messages: whether connects and disconnects are logged.
  void set_connection_messages(bool on) { config_.connection_messages = on; }

  // Valid after start_engine.
  const runtime::Engine& engine() const { return *engine_; }
  std::size_t connection_count() const { return connections_.size(); }

  // BrokerHost
  void send(mqtt::ConnectionId conn, mqtt::ByteView bytes, mqtt::SendKind kind) override;
  void close(mqtt::ConnectionId conn) override;
  void log(mqtt::LogLevel level, std::string_view text) override;
  bool authenticate(std::string_view username, mqtt::ByteView password) override;
  mqtt::EvidenceStatus produce_evidence(mqtt::ConnectionId conn, mqtt::ByteView request,
                                        bool client_authenticated, mqtt::Bytes& evidence) override;
  mqtt::ClientEvidenceStatus attest_client(mqtt::ConnectionId conn, mqtt::ClientEvidenceStep step,
                                           mqtt::ByteView input, mqtt::Bytes& output) override;
  void persist(mqtt::ByteView record) override;  // server_persistence.cpp

 private:
  struct Listener {
    ListenerSocket socket;
    TransportFactory make_transport;
    bool use_identity_as_username = false;
  };

  void accept_connections(std::size_t listener_index);
  void on_connection_event(Connection& c, std::uint32_t events);
  void continue_handshake(Connection& c);
  void read_into_engine(Connection& c);
  void drain_input(Connection& c);
  // Writes what is queued; false if the connection failed (it is then finished).
  bool flush(Connection& c);
  void update_interest(Connection& c);
  void schedule(Connection& c);
  // Acts on what engine calls recorded: overflows, flushes, requested closes.
  void process_scheduled();
  void process_scheduled_once();
  void start_draining(Connection& c);
  // Backpressure (ServerConfig::max_publisher_pause_ms): called after a send grew `subscriber`'s
  // queue while the engine processed input of reading_from_; pauses that publisher if the
  // queue is past its high-water mark.
  void note_backlog(Connection& subscriber);
  // Called after a flush: below the low-water mark, the waiting publishers are resumed.
  void note_drained(Connection& subscriber);
  void resume_input(Connection& publisher);
  // Closes the socket, forgets the connection and tells the engine (if it knew it).
  // A connection message (connection_messages) unless `kind` is kFailure: a refused
  // handshake (revoked certificate, bad WebSocket upgrade …) is always logged.
  enum class FinishKind : bool { kConnectionMessage, kFailure };
  void finish(mqtt::ConnectionId id, std::string_view reason,
              FinishKind kind = FinishKind::kConnectionMessage);
  void check_deadlines();
  // server_persistence.cpp: opens the store, gives the engine what it holds (persistence on).
  void open_persistence();
  // Commits staged records when due: for durability sync, hands what is staged to the commit
  // thread whenever it is idle (server_commit.cpp); every autosave_interval for interval;
  // `force` at a clean stop (waits for the commit).
  void commit_persistence(bool force);
  // Durability sync: starts the commit thread and watches its eventfd.
  void start_commit_thread();
  // server_commit.cpp: releases the bytes of connections whose commit is done (schedules
  // them). True if it scheduled any.
  bool release_committed();
  void commit_in_background();
  // server_persistence.cpp: at a clean stop, re-seals the store for persistence_migrate_to (if
  // set), then advances the TPM rollback counter (TPM sealing). False if the migration failed.
  bool close_persistence();
  // Advances it every persistence_rollback_interval while running (TPM sealing).
  void advance_rollback_counter_if_due();
  void run_tick_if_due(bool force);
  mqtt::ConnectionId allocate_id();
  Connection* find(mqtt::ConnectionId id);
  void close_all();
  void read_signals();
  // Logs a connect/disconnect line unless connection_messages is false.
  void log_connection(LogType type, std::string_view text);

  ServerConfig config_;
  Logger& logger_;
  const PasswordFile* passwords_;
  std::shared_ptr<const PasswordFile> owned_passwords_;  // set_passwords: keeps passwords_ alive
  int signal_fd_ = -1;                                   // handle_signals
  std::function<void()> on_reload_;
  std::unique_ptr<runtime::Engine> engine_;
  std::unique_ptr<PersistenceStore> store_;        // persistence on
  std::unique_ptr<TpmStoreProtection> store_tpm_;  // persistence_sealing tpm
  std::unique_ptr<CommitThread> commit_thread_;    // durability sync; stopped before store_
  // Connections with bytes that wait for a commit (CommitGate::holds).
  std::unordered_set<mqtt::ConnectionId> holding_;
  // persistence_migrate_to: the sealer of the new module, made at start from the platform secret
  // and used at the clean stop (close_persistence).
  std::unique_ptr<RecordSealer> migration_sealer_;
  mqtt::TimeMs next_rollback_advance_ = 0;  // persistence_rollback_interval
  mqtt::TimeMs next_commit_ = 0;            // durability interval
  mqtt::TimeMs clock_saved_at_ = 0;         // last commit (it saves the clock)
  // Added to CLOCK_MONOTONIC to make the broker's clock: with persistence, it continues the
  // clock of the previous run (server_persistence.cpp); otherwise 0.
  mqtt::TimeMs clock_offset_ = 0;
  int epoll_fd_ = -1;
  int stop_fd_ = -1;     // eventfd written by request_stop
  int reserve_fd_ = -1;  // spare descriptor released to shed a connection when out of fds
  std::vector<ListenerSocket> listener_sockets_;
  std::shared_ptr<const attest::Attester> sim_attester_;  // set_sim_attester
  std::vector<Listener> listeners_;
  std::vector<std::shared_ptr<ClientAttestationPolicy>> client_policies_;  // bind_listeners
  std::unordered_map<mqtt::ConnectionId, std::unique_ptr<Connection>> connections_;
  std::vector<mqtt::ConnectionId> scheduled_;
  // Connections in kHandshaking (waiting for the peer), kClosing or kDraining: they have a
  // deadline.
  std::unordered_set<mqtt::ConnectionId> lingering_;
  // Publishers whose input is paused (they have a pause_deadline), and those to resume.
  std::unordered_set<mqtt::ConnectionId> paused_;
  std::vector<mqtt::ConnectionId> to_resume_;
  // The connection whose input the engine is processing (0 outside commit_input).
  mqtt::ConnectionId reading_from_ = 0;
  mqtt::ConnectionId next_id_ = 1;
  mqtt::TimeMs now_ = 0;  // the broker's clock at the current event; see broker_now()
  mqtt::TimeMs broker_now() const { return monotonic_now_ms() + clock_offset_; }
  mqtt::TimeMs next_tick_ = 0;
  mqtt::TimeMs last_tick_ = 0;
};

}  // namespace trustmq::shell
