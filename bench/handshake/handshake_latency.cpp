// handshake_latency: connection latency of a running broker, as the paper measured it: TCP
// connect + TLS 1.3 handshake (optionally attested: evidence requested, verified against a
// policy) + MQTT CONNECT/CONNACK, one connection after another. Prints the median and other
// percentiles in microseconds. Not a test: see bench/handshake/run.sh and docs/benchmarks.md.
//
//   handshake_latency --port P [--host 127.0.0.1] [--count 300] [--warmup 20]
//                     [--mode tcp|ecdhe|psk] [--policy FILE] [--psk-identity ID --psk HEX]
//                     [--ciphers TLS_AES_128_GCM_SHA256] [--label TEXT] [--samples FILE]
//                     [--alternate yes]
//
// --samples FILE appends every timed connection's latency (µs, one per line) to FILE, so that
// run.sh can pool interleaved rounds.
// --alternate yes (with --policy): every iteration makes one plain and one attested connection
// (alternating which goes first), so both see the same machine load; prints two lines (LABEL and
// LABEL+attest) and writes the attested samples to FILE+attest.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attest/policy.h"
#include "tls/attestation_client.h"
#include "tls/tls_context.h"

namespace {

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  int count = 300;
  int warmup = 20;
  std::string mode = "ecdhe";
  std::string policy;
  std::string psk_identity = "bench";
  std::string psk_hex;
  std::string ciphers = "TLS_AES_128_GCM_SHA256";
  std::string label;
  std::string samples;
  bool alternate = false;
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "handshake_latency: %s\n", message.c_str());
  std::exit(1);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) die("missing value after " + std::string(a));
    const std::string v = argv[++i];
    if (a == "--host")
      o.host = v;
    else if (a == "--port")
      o.port = std::atoi(v.c_str());
    else if (a == "--count")
      o.count = std::atoi(v.c_str());
    else if (a == "--warmup")
      o.warmup = std::atoi(v.c_str());
    else if (a == "--mode")
      o.mode = v;
    else if (a == "--policy")
      o.policy = v;
    else if (a == "--psk-identity")
      o.psk_identity = v;
    else if (a == "--psk")
      o.psk_hex = v;
    else if (a == "--ciphers")
      o.ciphers = v;
    else if (a == "--label")
      o.label = v;
    else if (a == "--samples")
      o.samples = v;
    else if (a == "--alternate")
      o.alternate = v == "yes";
    else
      die("unknown option " + std::string(a));
  }
  if (o.port <= 0 || o.port > 65535) die("--port is required");
  if (o.mode != "tcp" && o.mode != "ecdhe" && o.mode != "psk") die("--mode tcp|ecdhe|psk");
  if (o.mode == "psk" && o.psk_hex.empty()) die("--mode psk needs --psk HEX");
  if (o.count < 1) die("--count must be positive");
  if (o.alternate && (o.policy.empty() || o.mode == "tcp")) die("--alternate needs --policy");
  return o;
}

int connect_tcp(const Options& o) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(o.port));
  if (::inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1) die("--host must be IPv4");
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    die("connect to " + o.host + ":" + std::to_string(o.port) + " failed");
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// MQTT 3.1.1 CONNECT, clean session, client id "bench".
const std::vector<std::uint8_t> kConnect = {0x10, 17, 0, 4, 'M', 'Q', 'T', 'T', 4,  2,
                                            0,    60, 0, 5, 'b', 'e', 'n', 'c', 'h'};

struct Connection {
  virtual ~Connection() = default;
  virtual bool write_all(const std::vector<std::uint8_t>& b) = 0;
  virtual int read_some(std::uint8_t* into, int n) = 0;
};

struct TcpConnection : Connection {
  int fd;
  explicit TcpConnection(int f) : fd(f) {}
  ~TcpConnection() override { ::close(fd); }
  bool write_all(const std::vector<std::uint8_t>& b) override {
    return ::send(fd, b.data(), b.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(b.size());
  }
  int read_some(std::uint8_t* into, int n) override {
    return static_cast<int>(::recv(fd, into, static_cast<std::size_t>(n), 0));
  }
};

struct TlsConnection : Connection {
  int fd;
  SSL* ssl;
  TlsConnection(int f, SSL* s) : fd(f), ssl(s) {}
  ~TlsConnection() override {
    SSL_free(ssl);
    ::close(fd);
  }
  bool write_all(const std::vector<std::uint8_t>& b) override {
    std::size_t n = 0;
    return SSL_write_ex(ssl, b.data(), b.size(), &n) == 1 && n == b.size();
  }
  int read_some(std::uint8_t* into, int n) override {
    std::size_t got = 0;
    return SSL_read_ex(ssl, into, static_cast<std::size_t>(n), &got) == 1 ? static_cast<int>(got)
                                                                          : -1;
  }
};

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double index = p * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(index);
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (index - static_cast<double>(lo));
}

// One connection: TCP connect, TLS handshake (attested if `attestation`), CONNECT/CONNACK.
// Returns the latency in µs; DISCONNECT and close are not timed.
double one_connection(const Options& o, SSL_CTX* ctx,
                      const trustmq::tls::AttestationClient* attestation) {
  const auto start = std::chrono::steady_clock::now();
  const int fd = connect_tcp(o);
  std::unique_ptr<Connection> c;
  if (ctx == nullptr) {
    c = std::make_unique<TcpConnection>(fd);
  } else {
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    ERR_clear_error();
    const int rc = SSL_connect(ssl);
    if (attestation != nullptr) {
      const auto outcome = attestation->outcome(ssl, rc);
      if (!outcome.ok()) die("attestation failed: " + outcome.message);
    } else if (rc != 1) {
      char buf[256];
      ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
      die(std::string("TLS handshake failed: ") + buf);
    }
    c = std::make_unique<TlsConnection>(fd, ssl);
  }
  if (!c->write_all(kConnect)) die("sending CONNECT failed");
  std::uint8_t connack[4];
  int got = 0;
  while (got < 4) {
    const int n = c->read_some(connack + got, 4 - got);
    if (n <= 0) die("no CONNACK");
    got += n;
  }
  if (connack[0] != 0x20 || connack[3] != 0) die("CONNACK refused the connection");
  const auto end = std::chrono::steady_clock::now();
  c->write_all({0xe0, 0});
  return std::chrono::duration<double, std::micro>(end - start).count();
}

trustmq::tls::SslCtxPtr client_context(const Options& o) {
  trustmq::tls::TlsClientConfig config;
  config.verify_peer = false;  // as the paper's clients; the evidence binds the key if asked
  config.tls_version = "tlsv1.3";
  config.ciphers_tls13 = o.ciphers;
  if (o.mode == "psk") {
    config.psk_identity = o.psk_identity;
    config.psk_key_hex = o.psk_hex;
  }
  auto made = trustmq::tls::make_client_context(config);
  if (!made) die(made.error());
  SSL_CTX_set_session_cache_mode(made->get(), SSL_SESS_CACHE_OFF);
  return std::move(*made);
}

void report(const Options& o, const std::string& label, const std::string& samples,
            const std::vector<double>& micros) {
  if (!samples.empty()) {
    std::FILE* f = std::fopen(samples.c_str(), "a");
    if (f == nullptr) die("cannot open " + samples);
    for (double m : micros) std::fprintf(f, "%.1f\n", m);
    std::fclose(f);
  }
  std::printf("%s\tn=%d\tmedian_us=%.0f\tp10_us=%.0f\tp90_us=%.0f\tp99_us=%.0f\n", label.c_str(),
              o.count, percentile(micros, 0.5), percentile(micros, 0.1), percentile(micros, 0.9),
              percentile(micros, 0.99));
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  trustmq::tls::SslCtxPtr plain_ctx, attested_ctx;
  std::unique_ptr<trustmq::tls::AttestationClient> attestation;
  if (o.mode != "tcp") {
    if (!o.policy.empty()) {
      auto policy = trustmq::attest::load_policy_file(o.policy);
      if (!policy) die("policy: " + policy.error());
      attestation = std::make_unique<trustmq::tls::AttestationClient>(std::move(*policy));
      attested_ctx = client_context(o);
      if (auto a = attestation->attach(attested_ctx.get()); !a) die(a.error());
    }
    if (o.policy.empty() || o.alternate) plain_ctx = client_context(o);
  }

  std::vector<double> plain, attested;
  plain.reserve(static_cast<std::size_t>(o.count));
  attested.reserve(static_cast<std::size_t>(o.count));
  for (int i = 0; i < o.warmup + o.count; ++i) {
    const bool timed = i >= o.warmup;
    if (o.alternate) {
      const bool attested_first = i % 2 == 1;
      double a = 0, p = 0;
      if (attested_first) a = one_connection(o, attested_ctx.get(), attestation.get());
      p = one_connection(o, plain_ctx.get(), nullptr);
      if (!attested_first) a = one_connection(o, attested_ctx.get(), attestation.get());
      if (timed) {
        plain.push_back(p);
        attested.push_back(a);
      }
    } else if (attestation) {
      const double a = one_connection(o, attested_ctx.get(), attestation.get());
      if (timed) attested.push_back(a);
    } else {
      const double p = one_connection(o, plain_ctx.get(), nullptr);
      if (timed) plain.push_back(p);
    }
  }
  const std::string label = o.label.empty() ? o.mode : o.label;
  if (o.alternate) {
    report(o, label, o.samples, plain);
    report(o, label + "+attest", o.samples.empty() ? "" : o.samples + "+attest", attested);
  } else {
    report(o, label, o.samples, attestation ? attested : plain);
  }
  return 0;
}
