#include "load_flow.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "mqtt_stream.h"

namespace trustmq::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kHeaderBytes = 20;  // send time (ns), publisher index, sequence
// QoS 1/2 flows a publisher keeps open: both brokers' default receive maximum
// (max_inflight_messages 20); trustmq disconnects a client that exceeds it.
constexpr std::uint64_t kMaxInflight = 20;

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
          .count());
}

void store64(std::uint8_t* p, std::uint64_t v) { std::memcpy(p, &v, sizeof v); }
std::uint64_t load64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}
void store32(std::uint8_t* p, std::uint32_t v) { std::memcpy(p, &v, sizeof v); }
std::uint32_t load32(const std::uint8_t* p) {
  std::uint32_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}

struct Client {
  std::unique_ptr<MqttStream> stream;
  bool publisher = false;
  int index = 0;
  std::string topic;  // publishers
  std::uint32_t registered = 0;
  // Publisher state.
  std::uint64_t sequence = 0;
  std::uint16_t next_id = 0;
  std::uint64_t unacked = 0;  // QoS 1/2 flows not yet complete
  Clock::time_point next_due{};
};

class Flow {
 public:
  Flow(BrokerProcess& broker, const ClientTlsContext* tls, const FlowSpec& spec)
      : broker_(broker), tls_(tls), spec_(spec) {}
  FlowResult run();

 private:
  void connect_all();
  void on_packet(Client& c, const InboundPacket& p);
  void publish(Client& c);
  void update_interest(Client& c, std::uint32_t slot);
  std::uint64_t expected_per_message() const {
    return spec_.pattern == Pattern::kOneTopic ? static_cast<std::uint64_t>(spec_.subscribers) : 1;
  }

  BrokerProcess& broker_;
  const ClientTlsContext* tls_;
  FlowSpec spec_;
  std::vector<Client> clients_;
  std::vector<std::uint8_t> payload_;
  int epoll_ = -1;
  bool measuring_ = false;
  bool publishing_ = true;
  std::uint64_t measure_start_ns_ = 0;
  FlowResult r_;
};

void Flow::connect_all() {
  const auto port = broker_.port(spec_.security);
  if (!port) throw std::runtime_error("no listener for this security mode");
  static int run_counter = 0;
  const std::string run = std::to_string(::getpid()) + "-" + std::to_string(++run_counter);
  const std::string base = "bench/" + run;
  const int qos = spec_.qos;
  // Subscribers first, so that nothing published is missed.
  for (int i = 0; i < spec_.subscribers; ++i) {
    Client c;
    c.index = i;
    c.stream = std::make_unique<MqttStream>(*port, tls_, 10000);
    std::string filter = base;
    if (spec_.pattern == Pattern::kPairs) filter = base + "/" + std::to_string(i);
    if (spec_.pattern == Pattern::kShared) filter = "$share/bench/" + base;
    c.stream->setup("s" + run + "-" + std::to_string(i), {filter}, qos, 10000,
                    spec_.persistent_subscribers);
    clients_.push_back(std::move(c));
  }
  for (int i = 0; i < spec_.publishers; ++i) {
    Client c;
    c.publisher = true;
    c.index = i;
    c.topic = spec_.pattern == Pattern::kPairs ? base + "/" + std::to_string(i) : base;
    c.stream = std::make_unique<MqttStream>(*port, tls_, 10000);
    c.stream->setup("p" + run + "-" + std::to_string(i), {}, qos, 10000);
    clients_.push_back(std::move(c));
  }
}

void Flow::publish(Client& c) {
  store64(payload_.data(), now_ns());
  store32(payload_.data() + 8, static_cast<std::uint32_t>(c.index));
  store64(payload_.data() + 12, c.sequence++);
  std::uint16_t id = 0;
  if (spec_.qos > 0) {
    if (++c.next_id == 0) c.next_id = 1;
    id = c.next_id;
    ++c.unacked;
  }
  append_publish(c.stream->out(), c.topic, spec_.qos, id, payload_);
  ++r_.published_total;
  r_.expected_total += expected_per_message();
  if (measuring_) ++r_.published;
}

void Flow::on_packet(Client& c, const InboundPacket& p) {
  const int type = p.type();
  if (c.publisher) {
    if (p.body.size() < 2) return;
    const auto id = static_cast<std::uint16_t>((p.body[0] << 8) | p.body[1]);
    if (type == 4 || type == 7) {  // PUBACK, PUBCOMP
      if (c.unacked > 0) --c.unacked;
    } else if (type == 5) {  // PUBREC
      append_ack(c.stream->out(), 6, id);
    }
    return;
  }
  if (type == 6) {  // PUBREL
    if (p.body.size() >= 2) {
      append_ack(c.stream->out(), 7, static_cast<std::uint16_t>((p.body[0] << 8) | p.body[1]));
    }
    return;
  }
  PublishView publish;
  if (!parse_publish(p, publish)) return;
  if (publish.qos == 1) append_ack(c.stream->out(), 4, publish.packet_id);
  if (publish.qos == 2) append_ack(c.stream->out(), 5, publish.packet_id);
  if (publish.payload.size() < kHeaderBytes) return;
  ++r_.delivered_total;
  if (!measuring_) return;
  ++r_.delivered;  // whenever it was sent: a backlog delivered now is delivered now
  const std::uint64_t sent = load64(publish.payload.data());
  if (sent >= measure_start_ns_) {
    if (spec_.keep_latencies) {
      r_.latencies_us.push_back(static_cast<double>(now_ns() - sent) / 1000.0);
    }
  }
  (void)load32;
}

void Flow::update_interest(Client& c, std::uint32_t slot) {
  const std::uint32_t wanted = EPOLLIN | (c.stream->wants_write() ? EPOLLOUT : 0u);
  if (wanted == c.registered) return;
  epoll_event ev{};
  ev.events = wanted;
  ev.data.u32 = slot;
  ::epoll_ctl(epoll_, c.registered == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c.stream->fd(), &ev);
  c.registered = wanted;
}

FlowResult Flow::run() {
  if (spec_.payload < kHeaderBytes) spec_.payload = kHeaderBytes;
  payload_.assign(spec_.payload, 'p');
  try {
    connect_all();
  } catch (const std::exception& e) {
    r_.error = e.what();
    return r_;
  }
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  for (std::uint32_t i = 0; i < clients_.size(); ++i) update_interest(clients_[i], i);

  const std::size_t message_bytes = spec_.payload + 64;
  const std::uint64_t window_per_subscriber =
      std::clamp<std::uint64_t>(spec_.window_bytes_per_subscriber / message_bytes, 4, 400);
  // No window (flood): as fast as the publishers' sockets take it; the broker may drop.
  const std::uint64_t window =
      spec_.window_bytes_per_subscriber == 0
          ? UINT64_MAX / 2
          : window_per_subscriber * static_cast<std::uint64_t>(std::max(1, spec_.subscribers));
  const auto start = Clock::now();
  const auto measure_at = start + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(spec_.warmup_seconds));
  const auto stop_at = measure_at + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(spec_.seconds));
  const auto drain_until = stop_at + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(spec_.drain_seconds));
  const auto period = spec_.rate_per_publisher > 0
                          ? std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(1.0 / spec_.rate_per_publisher))
                          : Clock::duration::zero();
  const std::size_t first_publisher = static_cast<std::size_t>(spec_.subscribers);
  for (std::size_t i = first_publisher; i < clients_.size(); ++i) {
    // Spread the publishers over one period.
    clients_[i].next_due =
        start + period * static_cast<long>(i - first_publisher) / std::max(1, spec_.publishers);
  }
  double cpu_start = 0;
  Clock::time_point measured_from{};
  std::size_t round_robin = 0;
  epoll_event events[256];
  while (true) {
    auto now = Clock::now();
    if (!measuring_ && now >= measure_at) {
      measuring_ = true;
      measured_from = now;
      measure_start_ns_ = now_ns();
      cpu_start = broker_.cpu_seconds();
    }
    if (publishing_ && now >= stop_at) {
      publishing_ = false;
      r_.elapsed = std::chrono::duration<double>(now - measured_from).count();
      r_.broker_cpu_seconds = broker_.cpu_seconds() - cpu_start;
      measuring_ = false;
    }
    if (!publishing_) {
      const bool settled = r_.delivered_total >= r_.expected_total;
      if (settled || now >= drain_until) break;
    }
    Clock::time_point wake =
        publishing_ ? std::min(stop_at, measuring_ ? stop_at : measure_at) : drain_until;
    if (publishing_) {
      const std::size_t publishers = clients_.size() - first_publisher;
      if (period == Clock::duration::zero()) {
        // As fast as the window allows, round robin over the publishers, one batch per turn.
        // Up to 64 KiB per publisher per turn: several packets per write, as a busy client.
        const auto room = [&] {
          return r_.expected_total - r_.delivered_total + expected_per_message() <= window;
        };
        for (std::size_t k = 0; k < publishers && room(); ++k) {
          Client& c = clients_[first_publisher + (round_robin++ % publishers)];
          while (room() && c.stream->pending_out() < 64 * 1024 &&
                 (spec_.qos == 0 || c.unacked < kMaxInflight)) {
            publish(c);
          }
        }
        if (r_.expected_total - r_.delivered_total + expected_per_message() <= window) wake = now;
      } else {
        for (std::size_t k = first_publisher; k < clients_.size(); ++k) {
          Client& c = clients_[k];
          // Never more than one second behind: a slow broker lowers the rate, no burst later.
          if (c.next_due + std::chrono::seconds(1) < now) c.next_due = now;
          while (c.next_due <= now && (spec_.qos == 0 || c.unacked < kMaxInflight)) {
            publish(c);
            c.next_due += period;
          }
          wake = std::min(wake, c.next_due);
        }
      }
    }
    for (std::uint32_t i = 0; i < clients_.size(); ++i) {
      Client& c = clients_[i];
      if (c.stream->pending_out() > 0 && !c.stream->flush()) {
        r_.error = "the broker closed a connection";
        break;
      }
      update_interest(c, i);
    }
    if (!r_.error.empty()) break;
    now = Clock::now();
    const auto wait_ms =
        wake <= now
            ? 0
            : std::max<long>(
                  1, std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count());
    const int n = ::epoll_wait(epoll_, events, 256, static_cast<int>(std::min<long>(wait_ms, 100)));
    for (int e = 0; e < n; ++e) {
      Client& c = clients_[events[e].data.u32];
      if (events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        if (!c.stream->pump([&](const InboundPacket& p) { on_packet(c, p); })) {
          r_.error = "the broker closed a connection";
          break;
        }
      }
    }
    if (!r_.error.empty()) break;
  }
  if (publishing_) {  // stopped by an error
    r_.elapsed = std::chrono::duration<double>(Clock::now() - measured_from).count();
    r_.broker_cpu_seconds = broker_.cpu_seconds() - cpu_start;
  }
  r_.dropped = r_.expected_total > r_.delivered_total ? r_.expected_total - r_.delivered_total : 0;
  ::close(epoll_);
  clients_.clear();
  return r_;
}

}  // namespace

FlowResult run_flow(BrokerProcess& broker, const ClientTlsContext* tls, const FlowSpec& spec) {
  Flow flow(broker, tls, spec);
  return flow.run();
}

}  // namespace trustmq::bench
