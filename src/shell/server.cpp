#include "shell/server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>

#include "shell/commit_dependency.h"
#include "shell/log_type.h"
#include "shell/monotonic_clock.h"
#include "shell/plain_tcp_transport.h"
#include "shell/socket_address.h"
#include "shell/transport_factory.h"

namespace trustmq::shell {
namespace {

constexpr std::uint64_t kTagStop = 1;
constexpr std::uint64_t kTagListener = 2;
constexpr std::uint64_t kTagConnection = 3;
constexpr std::uint64_t kTagSignal = 4;
constexpr std::uint64_t kTagCommit = 5;

// The core's lines about clients arriving and leaving (mosquitto's connection_messages).
bool is_core_connection_message(std::string_view text) {
  if (text.starts_with("New client connected from ")) return true;
  return text.starts_with("Client ") &&
         (text.ends_with(" disconnected.") || text.ends_with(" closed its connection."));
}

std::uint64_t token(std::uint64_t tag, std::uint32_t value) { return (tag << 32) | value; }

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

}  // namespace

Server::Server(const ServerConfig& config, Logger& logger, const PasswordFile* passwords)
    : config_(config), logger_(logger), passwords_(passwords) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw_errno("epoll_create1");
  stop_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (stop_fd_ < 0) throw_errno("eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = token(kTagStop, 0);
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, stop_fd_, &ev) != 0) throw_errno("epoll_ctl");
  reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

Server::~Server() {
  close_all();
  for (const auto& l : listeners_) ::close(l.socket.fd);
  if (reserve_fd_ >= 0) ::close(reserve_fd_);
  if (signal_fd_ >= 0) ::close(signal_fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

void Server::start_engine(const EngineFactory& make_engine) {
  now_ = broker_now();
  engine_ = make_engine(*this, now_);
  next_tick_ = now_;
  if (config_.persistence.enabled) {
    open_persistence();
    if (config_.persistence.durability == PersistenceDurability::kSync) start_commit_thread();
  } else if (!config_.persistence.migrate_to.empty()) {
    logger_.log(LogType::kWarning,
                "persistence_migrate_to has no effect without persistence true: there is no store "
                "to migrate");
  }
}

void Server::start_commit_thread() {
  // What the restore staged (e.g. a delayed will published at the restart) is committed here,
  // so that every record from now on goes through the thread's batches.
  store_->commit();
  commit_thread_ = std::make_unique<CommitThread>(*store_);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = token(kTagCommit, 0);
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, commit_thread_->event_fd(), &ev) != 0) {
    throw_errno("epoll_ctl (commit thread)");
  }
}

void Server::bind_listeners() {
  TransportEnvironment environment;
  environment.state_dir = config_.state_dir.empty() ? default_state_dir() : config_.state_dir;
  if (engine_) environment.module_measurement = engine_->module_measurement();
  environment.sim_attester = sim_attester_;
  environment.tpm_tcti = config_.tpm_tcti;
  environment.tpm_ak_certificate = config_.tpm_ak_certificate;
  environment.tsm_report_dir = config_.tsm_report_dir;
  environment.tsm_privlevel = config_.tsm_privlevel;
  environment.log = [this](LogType type, std::string_view line) { logger_.log(type, line); };
  environment.websockets_headers_size = config_.websockets_headers_size;
  environment.websockets_max_frame_payload = std::uint64_t{config_.broker.max_packet_size} + 5;
  for (const auto& listener_config : config_.listeners) {
    TransportFactory factory = make_transport_factory(listener_config, environment);
    for (auto& socket : open_listener_sockets(listener_config, logger_)) {
      const auto index = static_cast<std::uint32_t>(listeners_.size());
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = token(kTagListener, index);
      if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, socket.fd, &ev) != 0) {
        ::close(socket.fd);
        throw_errno("epoll_ctl (listener)");
      }
      const bool websockets = listener_config.protocol == ListenerProtocol::kWebSockets;
      const bool tls = listener_config.tls.requests_tls();
      logger_.log(LogType::kNotice,
                  "listening on " + socket.address +
                      (websockets ? (tls ? " (WebSockets over TLS)" : " (WebSockets)")
                                  : (tls ? " (TLS)" : "")));
      listener_sockets_.push_back(socket);
      listeners_.push_back(
          Listener{std::move(socket), factory, listener_config.tls.use_identity_as_username});
    }
  }
  client_policies_ = std::move(environment.client_policies);
}

void Server::reload_client_attestation_policies() {
  for (const auto& policy : client_policies_) {
    if (auto reloaded = policy->reload(); !reloaded) {
      logger_.log(LogType::kError,
                  "reload: keeping the running client attestation policy: " + reloaded.error());
    } else {
      logger_.log(LogType::kNotice,
                  "reload: client_attestation_policy " + policy->path() +
                      " loaded; attested clients meet it at their next re-attestation");
    }
  }
}

void Server::request_stop() {
  const std::uint64_t one = 1;
  // write(2) is async-signal-safe; a full counter still wakes the loop.
  [[maybe_unused]] const ssize_t n = ::write(stop_fd_, &one, sizeof one);
}

void Server::handle_signals(std::function<void()> on_reload) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  if (::pthread_sigmask(SIG_BLOCK, &signals, nullptr) != 0) throw_errno("pthread_sigmask");
  signal_fd_ = ::signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd_ < 0) throw_errno("signalfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = token(kTagSignal, 0);
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, signal_fd_, &ev) != 0) throw_errno("epoll_ctl");
  on_reload_ = std::move(on_reload);
}

void Server::read_signals() {
  signalfd_siginfo info{};
  while (::read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    if (info.ssi_signo == SIGHUP) {
      if (on_reload_) on_reload_();
    } else {
      request_stop();
    }
  }
}

void Server::set_passwords(std::shared_ptr<const PasswordFile> passwords) {
  owned_passwords_ = std::move(passwords);
  passwords_ = owned_passwords_.get();
}

void Server::reload_security(const std::optional<mqtt::AclRules>& acl) {
  if (!engine_) throw std::logic_error("Server::reload_security before start_engine");
  now_ = broker_now();
  engine_->reload_security(acl, now_);
}

void Server::log_connection(LogType type, std::string_view text) {
  if (config_.connection_messages) logger_.log(type, text);
}

int Server::run() {
  if (!engine_) throw std::logic_error("Server::run before start_engine");
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  try {
    now_ = broker_now();
    run_tick_if_due(true);
    while (true) {
      mqtt::TimeMs wake = std::min(next_tick_, last_tick_ + kMaxTickIntervalMs);
      for (const mqtt::ConnectionId id : lingering_) {
        if (const Connection* c = find(id)) wake = std::min(wake, c->deadline);
      }
      for (const mqtt::ConnectionId id : paused_) {
        if (const Connection* c = find(id)) wake = std::min(wake, c->pause_deadline);
      }
      now_ = broker_now();
      const int timeout =
          wake <= now_ ? 0
                       : static_cast<int>(std::min<mqtt::TimeMs>(wake - now_, kMaxTickIntervalMs));
      const int n = ::epoll_wait(epoll_fd_, events, kMaxEvents, timeout);
      if (n < 0 && errno != EINTR) throw_errno("epoll_wait");
      now_ = broker_now();
      bool stop = false;
      for (int i = 0; i < n; ++i) {
        const std::uint64_t tag = events[i].data.u64 >> 32;
        const auto value = static_cast<std::uint32_t>(events[i].data.u64 & 0xffffffffu);
        if (tag == kTagStop) {
          stop = true;
        } else if (tag == kTagSignal) {
          read_signals();
        } else if (tag == kTagCommit) {
          commit_thread_->collect();  // throws if the commit failed: the broker stops
        } else if (tag == kTagListener) {
          accept_connections(value);
        } else if (tag == kTagConnection) {
          if (Connection* c = find(value)) on_connection_event(*c, events[i].events);
        }
        // With a store, once per batch of events: one commit (fsync) covers them all.
        if (!store_) process_scheduled();
      }
      if (store_) process_scheduled();
      if (stop) break;
      run_tick_if_due(false);
      check_deadlines();
      commit_persistence(false);  // changes that sent nothing (expiry, closes) too
      advance_rollback_counter_if_due();
    }
  } catch (const runtime::EngineTrap& trap) {
    logger_.log(LogType::kError, "engine " + std::string(engine_->name()) +
                                     " trapped: " + trap.what() + "; stopping the broker");
    close_all();
    return 1;
  }
  logger_.log(LogType::kNotice,
              "stopping: closing " + std::to_string(connections_.size()) + " connection(s)");
  close_all();
  commit_persistence(true);
  return close_persistence() ? 0 : 1;
}

void Server::run_tick_if_due(bool force) {
  if (!force && now_ < next_tick_ && now_ < last_tick_ + kMaxTickIntervalMs) return;
  last_tick_ = now_;
  const mqtt::TimeMs next = engine_->tick(now_);
  next_tick_ = std::max(next, now_ + 1);  // never spin on a deadline already past
  process_scheduled();
}

void Server::accept_connections(std::size_t listener_index) {
  Listener& listener = listeners_[listener_index];
  for (int accepted = 0; accepted < 64; ++accepted) {
    sockaddr_storage peer{};
    socklen_t peer_length = sizeof peer;
    const int fd = ::accept4(listener.socket.fd, reinterpret_cast<sockaddr*>(&peer), &peer_length,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if ((errno == EMFILE || errno == ENFILE) && reserve_fd_ >= 0) {
        // Out of descriptors: accept and drop one connection with the spare, or the
        // level-triggered listener would wake us forever.
        logger_.log(LogType::kWarning,
                    "out of file descriptors: refusing a connection on " + listener.socket.address);
        ::close(reserve_fd_);
        const int dropped = ::accept(listener.socket.fd, nullptr, nullptr);
        if (dropped >= 0) ::close(dropped);
        reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        return;
      }
      logger_.log(LogType::kError,
                  "accept on " + listener.socket.address + " failed: " + std::strerror(errno));
      return;
    }
    const std::string address =
        format_socket_address(reinterpret_cast<sockaddr*>(&peer), peer_length);
    if (config_.max_connections && connections_.size() >= *config_.max_connections) {
      logger_.log(LogType::kNotice, "refusing connection from " + address + ": max_connections (" +
                                        std::to_string(*config_.max_connections) + ") reached");
      ::close(fd);
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    const mqtt::ConnectionId id = allocate_id();
    auto owned = std::make_unique<Connection>(id, fd, config_.max_queued_bytes);
    Connection& c = *owned;
    try {
      c.transport = listener.make_transport(fd);
    } catch (const std::exception& e) {
      logger_.log(LogType::kError, "refusing connection from " + address + ": " + e.what());
      ::close(fd);
      continue;
    }
    c.peer_address = address;
    c.listener_port = listener.socket.port;
    c.use_identity_as_username = listener.use_identity_as_username;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = token(kTagConnection, id);
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      logger_.log(LogType::kError, std::string("epoll_ctl (connection): ") + std::strerror(errno));
      ::close(fd);
      continue;
    }
    c.epoll_events = EPOLLIN;
    connections_.emplace(id, std::move(owned));
    log_connection(LogType::kNotice, "New connection from " + address + " on port " +
                                         std::to_string(c.listener_port) + ".");
    continue_handshake(c);
    process_scheduled();
  }
}

void Server::adopt_bridge_connection(int fd, const std::string& name) {
  const mqtt::ConnectionId id = allocate_id();
  auto owned = std::make_unique<Connection>(id, fd, config_.max_queued_bytes);
  Connection& c = *owned;
  c.transport = std::make_unique<PlainTcpTransport>(fd);
  c.peer_address = "bridge " + name;
  c.bridge = true;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = token(kTagConnection, id);
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    ::close(fd);
    throw std::runtime_error(std::string("epoll_ctl (bridge): ") + std::strerror(errno));
  }
  c.epoll_events = EPOLLIN;
  connections_.emplace(id, std::move(owned));
  continue_handshake(c);
  process_scheduled();
}

void Server::continue_handshake(Connection& c) {
  const IoResult r = c.transport->handshake();
  if (r.status == IoStatus::kWouldBlock) {
    if (lingering_.insert(c.id).second) c.deadline = now_ + config_.handshake_timeout_ms;
    update_interest(c);
    return;
  }
  lingering_.erase(c.id);
  if (r.status != IoStatus::kOk) {
    if (r.status == IoStatus::kClosed) {
      finish(c.id, "closed during the handshake (" + r.detail + ")");
    } else {
      finish(c.id, "handshake failed: " + r.detail, FinishKind::kFailure);
    }
    return;
  }
  c.state = Connection::State::kOpen;
  if (const std::string summary = c.transport->session_summary(); !summary.empty()) {
    logger_.log(LogType::kInformation, "Connection from " + c.peer_address + ": " + summary);
  }
  mqtt::PeerInfo peer;
  peer.address = c.peer_address;
  peer.listener_port = c.listener_port;
  peer.use_identity_as_username = c.use_identity_as_username;
  peer.bridge = c.bridge;
  c.transport->describe_peer(peer);
  c.engine_open = true;
  engine_->open(c.id, peer, now_);
  schedule(c);
  if (c.state == Connection::State::kOpen && c.transport->has_pending_input()) {
    read_into_engine(c);
  }
}

void Server::on_connection_event(Connection& c, std::uint32_t events) {
  const mqtt::ConnectionId id = c.id;
  switch (c.state) {
    case Connection::State::kHandshaking:
      continue_handshake(c);
      return;
    case Connection::State::kOpen:
      if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        read_into_engine(c);
        if (find(id) == nullptr) return;
      }
      if (events & EPOLLOUT) schedule(c);
      return;
    case Connection::State::kClosing:
      if (events & (EPOLLHUP | EPOLLERR)) {
        finish(id, "connection lost while flushing");
        return;
      }
      if (events & EPOLLOUT) schedule(c);
      return;
    case Connection::State::kDraining:
      drain_input(c);
      return;
  }
}

void Server::read_into_engine(Connection& c) {
  // Beyond kReadsPerWakeup only while the transport holds decrypted input: level-triggered
  // epoll would not wake us for bytes no longer in the socket.
  for (int i = 0; i < kReadsPerWakeup || c.transport->has_pending_input(); ++i) {
    std::span<std::uint8_t> buffer = engine_->input_buffer(kReadChunkBytes);
    const IoResult r = c.transport->read(buffer);
    if (r.status == IoStatus::kOk) {
      reading_from_ = c.id;
      engine_->commit_input(c.id, r.bytes, now_);
      reading_from_ = 0;
      // The core may have asked to close it or overflowed its queue: stop reading then; and
      // when a subscriber's queue is congested by this input (backpressure).
      if (c.state != Connection::State::kOpen || c.overflowed) return;
      if (c.input_paused) {
        update_interest(c);
        return;
      }
      if (r.bytes < buffer.size()) return;
      continue;
    }
    if (r.status == IoStatus::kWouldBlock) {
      if (c.transport->wants_write()) update_interest(c);
      return;
    }
    finish(c.id,
           r.status == IoStatus::kClosed ? "closed by the client" : "read error: " + r.detail);
    return;
  }
}

void Server::drain_input(Connection& c) {
  std::uint8_t discard[4096];
  for (int i = 0; i < 16; ++i) {
    const IoResult r = c.transport->read(discard);
    if (r.status == IoStatus::kOk) continue;
    if (r.status == IoStatus::kWouldBlock) return;
    finish(c.id, "closed by the broker");
    return;
  }
}

bool Server::flush(Connection& c) {
  // A transport that buffers its writes (TLS) is called even with an empty queue: it may hold
  // encrypted bytes from the zero-copy path. Only what the gate lets go is written: the rest
  // waits for a commit (persistence_durability sync).
  while (c.gate.writable() > 0 || c.transport->buffers_writes()) {
    std::span<const std::uint8_t> runs[kWriteRuns];
    std::size_t count = c.queue.pending_runs(runs);
    std::size_t allowed = c.gate.writable();
    for (std::size_t i = 0; i < count; ++i) {
      if (runs[i].size() >= allowed) {
        runs[i] = runs[i].first(allowed);
        count = allowed == 0 ? i : i + 1;
        break;
      }
      allowed -= runs[i].size();
    }
    const IoResult r = c.transport->write_runs(std::span(runs, count));
    if (r.status == IoStatus::kOk) {
      c.queue.consume(r.bytes);
      c.gate.written(r.bytes);
      if (r.bytes > 0 && c.gate.writable() > 0) continue;
      break;
    }
    if (r.status == IoStatus::kWouldBlock) break;
    finish(c.id, r.status == IoStatus::kClosed ? "closed by the client (while writing)"
                                               : "write error: " + r.detail);
    return false;
  }
  note_drained(c);
  update_interest(c);
  return true;
}

void Server::note_backlog(Connection& subscriber) {
  const std::size_t limit = subscriber.queue.limit();
  if (config_.max_publisher_pause_ms == 0 || limit == 0 || reading_from_ == 0) return;
  if (subscriber.queue.size() < limit / 2) return;
  if (subscriber.congested_since == 0) subscriber.congested_since = std::max<mqtt::TimeMs>(now_, 1);
  const mqtt::TimeMs give_up = subscriber.congested_since + config_.max_publisher_pause_ms;
  if (now_ >= give_up) {
    // A client that does not read must not stall its publishers for longer: from now on its
    // QoS 0 messages beyond max_queued_bytes are dropped (and it is disconnected if a packet
    // that cannot be dropped does not fit), until its queue drains.
    if (!subscriber.congestion_logged) {
      subscriber.congestion_logged = true;
      logger_.log(LogType::kWarning,
                  "Client " + subscriber.peer_address + " has not drained its outbound queue in " +
                      std::to_string(config_.max_publisher_pause_ms) +
                      " ms (max_publisher_pause_ms): publishers are no longer paused for it");
    }
    return;
  }
  Connection* publisher = find(reading_from_);
  if (publisher == nullptr || publisher->state != Connection::State::kOpen) return;
  auto& waiting = subscriber.waiting_publishers;
  if (std::find(waiting.begin(), waiting.end(), publisher->id) == waiting.end()) {
    waiting.push_back(publisher->id);
  }
  if (!publisher->input_paused) {
    publisher->input_paused = true;
    publisher->pause_deadline = give_up;
    paused_.insert(publisher->id);
  } else {
    publisher->pause_deadline = std::min(publisher->pause_deadline, give_up);
  }
}

void Server::note_drained(Connection& subscriber) {
  if (subscriber.congested_since == 0) return;
  const std::size_t limit = subscriber.queue.limit();
  if (limit != 0 && subscriber.queue.size() > limit / 4) return;
  subscriber.congested_since = 0;
  subscriber.congestion_logged = false;
  to_resume_.insert(to_resume_.end(), subscriber.waiting_publishers.begin(),
                    subscriber.waiting_publishers.end());
  subscriber.waiting_publishers.clear();
}

void Server::resume_input(Connection& publisher) {
  if (!publisher.input_paused) return;
  publisher.input_paused = false;
  paused_.erase(publisher.id);
  update_interest(publisher);
  // Input the transport already holds (decrypted TLS records) raises no epoll event.
  if (publisher.state == Connection::State::kOpen && publisher.transport->has_pending_input()) {
    read_into_engine(publisher);
  }
}

void Server::update_interest(Connection& c) {
  std::uint32_t wanted = 0;
  if (c.state == Connection::State::kHandshaking ||
      (c.state == Connection::State::kOpen && !c.input_paused) ||
      c.state == Connection::State::kDraining) {
    wanted |= EPOLLIN;
  }
  if (c.gate.writable() > 0 || c.transport->wants_write()) wanted |= EPOLLOUT;
  if (wanted == c.epoll_events) return;
  epoll_event ev{};
  ev.events = wanted;
  ev.data.u64 = token(kTagConnection, c.id);
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev) == 0) c.epoll_events = wanted;
}

void Server::schedule(Connection& c) {
  if (c.scheduled) return;
  c.scheduled = true;
  scheduled_.push_back(c.id);
}

void Server::process_scheduled() {
  // finish() and start_draining() call into the engine, which may schedule more work; so does
  // resuming a paused publisher (it reads its pending input), and releasing bytes whose
  // commit is done.
  do {
    process_scheduled_once();
  } while (release_committed());
}

void Server::process_scheduled_once() {
  while (!scheduled_.empty() || !to_resume_.empty()) {
    std::vector<mqtt::ConnectionId> resume;
    resume.swap(to_resume_);
    for (const mqtt::ConnectionId id : resume) {
      if (Connection* c = find(id)) resume_input(*c);
    }
    // durability sync: hands what the engine calls since then staged to the commit thread
    // (their acknowledgements wait in the connections' gates); interval: when due.
    commit_persistence(false);
    std::vector<mqtt::ConnectionId> batch;
    batch.swap(scheduled_);
    for (const mqtt::ConnectionId id : batch) {
      Connection* c = find(id);
      if (c == nullptr) continue;
      c->scheduled = false;
      if (c->overflowed) {
        finish(id, "outbound queue overflow (slow client)");
        continue;
      }
      if (c->state == Connection::State::kHandshaking) continue;
      if (!flush(*c)) continue;
      if (c->state == Connection::State::kClosing && c->queue.empty()) start_draining(*c);
    }
  }
}

void Server::start_draining(Connection& c) {
  c.state = Connection::State::kDraining;
  c.deadline = now_ + kDrainTimeoutMs;
  lingering_.insert(c.id);
  c.transport->close_notify();
  ::shutdown(c.fd, SHUT_WR);
  update_interest(c);
  log_connection(LogType::kNotice, "Connection from " + c.peer_address + " closed by the broker.");
  if (c.engine_open) {
    c.engine_open = false;
    engine_->close(c.id, now_);
  }
}

void Server::finish(mqtt::ConnectionId id, std::string_view reason, FinishKind kind) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  std::unique_ptr<Connection> c = std::move(it->second);
  connections_.erase(it);
  lingering_.erase(id);
  paused_.erase(id);
  holding_.erase(id);
  to_resume_.insert(to_resume_.end(), c->waiting_publishers.begin(), c->waiting_publishers.end());
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c->fd, nullptr);
  ::close(c->fd);
  if (c->state != Connection::State::kDraining) {
    const std::string line = "Connection from " + c->peer_address + " " + std::string(reason) + ".";
    if (kind == FinishKind::kFailure) {
      logger_.log(LogType::kNotice, line);
    } else {
      log_connection(LogType::kNotice, line);
    }
  } else {
    logger_.log(LogType::kDebug, "Connection from " + c->peer_address + " released.");
  }
  if (c->engine_open) engine_->close(id, now_);
}

void Server::check_deadlines() {
  for (const mqtt::ConnectionId id : paused_) {
    const Connection* c = find(id);
    if (c != nullptr && now_ >= c->pause_deadline) to_resume_.push_back(id);
  }
  std::vector<mqtt::ConnectionId> expired;
  for (const mqtt::ConnectionId id : lingering_) {
    const Connection* c = find(id);
    if (c != nullptr && now_ >= c->deadline) expired.push_back(id);
  }
  for (const auto id : expired) {
    Connection* c = find(id);
    if (c == nullptr) continue;
    if (c->state == Connection::State::kHandshaking) {
      finish(id, "handshake failed: not completed within " +
                     std::to_string(config_.handshake_timeout_ms) + " ms (tls_handshake_timeout)");
      continue;
    }
    finish(id, c->state == Connection::State::kClosing
                   ? "closed by the broker (flush timed out, " + std::to_string(c->queue.size()) +
                         " bytes unsent)"
                   : "closed by the broker");
  }
  process_scheduled();
}

mqtt::ConnectionId Server::allocate_id() {
  while (next_id_ == 0 || connections_.count(next_id_) != 0) ++next_id_;
  return next_id_++;
}

Connection* Server::find(mqtt::ConnectionId id) {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second.get();
}

void Server::close_all() {
  for (auto& [id, c] : connections_) {
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c->fd, nullptr);
    ::close(c->fd);
  }
  connections_.clear();
  scheduled_.clear();
  lingering_.clear();
  paused_.clear();
  holding_.clear();
  to_resume_.clear();
}

// ---- BrokerHost -------------------------------------------------------------------------------

void Server::send(mqtt::ConnectionId conn, mqtt::ByteView bytes, mqtt::SendKind kind) {
  Connection* c = find(conn);
  if (c == nullptr || c->overflowed) return;
  if (c->state != Connection::State::kOpen && c->state != Connection::State::kClosing) return;
  // Not with a store: the transport may write earlier bytes on, before their records commit.
  if (bytes.size() >= kDirectWriteMinBytes && c->queue.empty() && c->transport->buffers_writes() &&
      !store_) {
    // Zero-copy: a large packet goes from the engine's memory straight into the transport
    // (TLS: encrypted from there), sent with the connection's next flush; only what the
    // transport does not take now is queued (always accepted: the queue is empty). A failed
    // write queues the rest too: the next flush reports the error and closes.
    const IoResult r = c->transport->write(bytes);
    const std::size_t taken = r.status == IoStatus::kOk ? r.bytes : 0;
    if (taken == bytes.size()) {
      schedule(*c);
      return;
    }
    bytes = bytes.subspan(taken);
    if (taken > 0) kind = mqtt::SendKind::kControl;  // partly sent: never dropped now
  }
  switch (c->queue.push(bytes, kind)) {
    case OutboundQueue::PushResult::kQueued:
      if (commit_thread_) {
        // durability sync: an acknowledgement (anything but a PUBLISH at QoS 0 or 1) waits
        // for the commit of the records staged so far (commit_dependency.h).
        c->gate.queued(bytes.size(), !may_precede_commit(bytes), commit_thread_->staging_batch());
        if (c->gate.holds()) holding_.insert(c->id);
      } else {
        c->gate.queued(bytes.size(), false, 0);
      }
      note_backlog(*c);
      break;
    case OutboundQueue::PushResult::kDropped:
      note_backlog(*c);
      if (!c->drop_logged || now_ >= c->last_drop_log + kDropLogIntervalMs) {
        const auto dropped = c->queue.take_dropped_count();
        logger_.log(LogType::kWarning, "Outbound queue of " + c->peer_address + " full (" +
                                           std::to_string(c->queue.size()) +
                                           " bytes queued, max_queued_bytes " +
                                           std::to_string(c->queue.limit()) + "): dropped " +
                                           std::to_string(dropped) + " QoS 0 message(s)");
        c->drop_logged = true;
        c->last_drop_log = now_;
      }
      return;
    case OutboundQueue::PushResult::kOverflow:
      logger_.log(LogType::kWarning,
                  "Disconnecting " + c->peer_address + ": outbound queue full (" +
                      std::to_string(c->queue.size()) + " bytes queued, max_queued_bytes " +
                      std::to_string(c->queue.limit()) + ") and a control packet of " +
                      std::to_string(bytes.size()) + " bytes does not fit");
      c->overflowed = true;
      c->queue.clear();
      c->gate.discard();
      break;
  }
  schedule(*c);
}

void Server::close(mqtt::ConnectionId conn) {
  Connection* c = find(conn);
  if (c == nullptr || c->state != Connection::State::kOpen) return;
  c->state = Connection::State::kClosing;
  c->deadline = now_ + kFlushTimeoutMs;
  lingering_.insert(conn);
  schedule(*c);
}

void Server::log(mqtt::LogLevel level, std::string_view text) {
  if (!config_.connection_messages && is_core_connection_message(text)) return;
  logger_.log(log_type_for(level), text);
}

// Post-handshake attestation (docs/attestation.md): the connection's transport binds the
// evidence to its own TLS session. Runs inside the engine call, like the in-handshake attester
// runs inside SSL_accept.
mqtt::EvidenceStatus Server::produce_evidence(mqtt::ConnectionId conn, mqtt::ByteView request,
                                              bool client_authenticated, mqtt::Bytes& evidence) {
  Connection* c = find(conn);
  if (c == nullptr || !c->transport) return mqtt::EvidenceStatus::kUnsupported;
  std::string detail;
  const mqtt::EvidenceStatus status =
      c->transport->produce_evidence(request, client_authenticated, evidence, detail);
  if (status == mqtt::EvidenceStatus::kProduced) {
    logger_.log(LogType::kInformation,
                "attestation: post-handshake evidence " + detail + " sent to " + c->peer_address);
  } else {
    logger_.log(LogType::kNotice, "attestation: no post-handshake evidence for " + c->peer_address +
                                      " (" + std::string(mqtt::evidence_status_name(status)) +
                                      "): " + detail);
  }
  return status;
}

// Attested clients (docs/attestation.md): the connection's transport verifies the client's
// evidence against its listener's client_attestation_policy, on its own TLS session.
mqtt::ClientEvidenceStatus Server::attest_client(mqtt::ConnectionId conn,
                                                 mqtt::ClientEvidenceStep step,
                                                 mqtt::ByteView input, mqtt::Bytes& output) {
  Connection* c = find(conn);
  if (c == nullptr || !c->transport) return mqtt::ClientEvidenceStatus::kUnsupported;
  const mqtt::ClientEvidenceStatus status = c->transport->attest_client(step, input, output);
  if (status == mqtt::ClientEvidenceStatus::kRefused ||
      status == mqtt::ClientEvidenceStatus::kMalformed ||
      status == mqtt::ClientEvidenceStatus::kUnsupported) {
    logger_.log(LogType::kNotice,
                "attestation: client evidence from " + c->peer_address + " " +
                    std::string(mqtt::client_evidence_status_name(status)) + ": " +
                    std::string(reinterpret_cast<const char*>(output.data()), output.size()));
  }
  return status;
}

bool Server::authenticate(std::string_view username, mqtt::ByteView password) {
  if (passwords_ == nullptr) return false;
  return passwords_->verify(username, password);
}

}  // namespace trustmq::shell
