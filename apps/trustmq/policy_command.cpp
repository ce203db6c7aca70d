// `trustmq policy init …`: writes an attestation policy (docs/attestation.md §6) that pins the
// measurements of the module (and optionally the runtime) a client expects the broker to run.
// `--native` pins the native core's source hash, an unmeasured claim: it needs
// `--accept-unmeasured-native` (docs/attestation.md §6).
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "attest/bytes.h"
#include "attest/evidence_type.h"
#include "attest/measurement.h"
#include "attest/policy.h"
#include "command.h"
#include "runtime/core_build_measurement.h"
#include "runtime/module_measurement.h"

namespace trustmq::cli {
namespace {

constexpr const char* kUsage =
    "usage: trustmq policy init (--module FILE.wasm | --module-measurement HEX |\n"
    "                            --native --accept-unmeasured-native)\n"
    "                           [--runtime FILE | --runtime-measurement HEX]\n"
    "                           [--anchor ROOT.pem …] [--tpm-anchor CA.pem …]\n"
    "                           (--allow-sim | --type NAME …)\n"
    "                           [--allow-debug] [--max-age SECONDS] -o POLICY.json\n"
    "\n"
    "Writes a policy that accepts only a broker running this module (and this runtime, if\n"
    "given; otherwise any runtime). Repeat --module/--module-measurement to allow several.\n"
    "\n"
    "  --module FILE.wasm         pin the SHA-256 of this module (as `trustmq measure`)\n"
    "  --module-measurement HEX   pin this module measurement (64 hex digits)\n"
    "  --native                   pin this build's native core (engine native): a hash of\n"
    "                             its source files, which the broker only CLAIMS; no module\n"
    "                             is measured. Needs --accept-unmeasured-native\n"
    "  --accept-unmeasured-native acknowledge that --native pins an unmeasured claim\n"
    "  --runtime FILE             pin the SHA-256 of this broker binary\n"
    "  --runtime-measurement HEX  pin this runtime measurement\n"
    "  --anchor ROOT.pem          trust anchor (for sim: STATE_DIR/sim/sim-root-ca.pem)\n"
    "  --tpm-anchor CA.pem        for tpm2-quote: the enrolment CA that certified the TPM's\n"
    "                             attestation key (trustmq tpm enroll)\n"
    "  --allow-sim                accept `sim` evidence: NO hardware protection\n"
    "  --type NAME                accept this evidence type (tpm2-quote, sgx-dcap, tdx, sev-snp)\n"
    "  --allow-debug              accept debug platforms\n"
    "  --max-age SECONDS          oldest evidence accepted (default 300)\n"
    "  -o, --output FILE          where to write the policy ('-' for standard output)\n";

// Why --native needs --accept-unmeasured-native (printed when it is missing).
constexpr const char* kNativeIsUnmeasured =
    "--native pins the hash of the core's source files compiled into this build. A broker on\n"
    "the native engine only claims that hash about itself: no module is measured (there is no\n"
    ".wasm), so the evidence says nothing about the code that actually runs beyond the broker\n"
    "binary's runtime measurement (pin it with --runtime). To pin a measured module use\n"
    "--module FILE.wasm (engines wasm-aot, wasm-interp). If an unmeasured claim is what you\n"
    "want (development), add --accept-unmeasured-native.\n";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "trustmq policy: %s\n\n%s", message.c_str(), kUsage);
  return 2;
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string json_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += (i ? ", " : "") + json_string(items[i]);
  }
  return out + "]";
}

struct PolicyInit {
  std::vector<std::string> modules;  // hex
  bool native = false;               // --native: modules holds the unmeasured source hash
  bool accept_unmeasured_native = false;
  std::vector<std::string> runtimes;     // hex; empty: "any"
  std::vector<std::string> anchors;      // absolute paths
  std::vector<std::string> tpm_anchors;  // absolute paths: the "tpm2-quote" section
  std::vector<std::string> types;        // registry names
  bool allow_sim = false;
  bool allow_debug = false;
  std::uint64_t max_age = 300;
  std::string output;
};

std::string render(const PolicyInit& p) {
  std::string out = "{\n";
  out += "  \"version\": 1,\n";
  out += "  \"allowed_types\": " + json_list(p.types) + ",\n";
  out += std::string("  \"allow_sim\": ") + (p.allow_sim ? "true" : "false") + ",\n";
  if (!p.anchors.empty()) out += "  \"trust_anchors\": " + json_list(p.anchors) + ",\n";
  if (!p.tpm_anchors.empty()) {
    out += "  \"tpm2-quote\": {\"trust_anchors\": " + json_list(p.tpm_anchors) + "},\n";
  }
  out += "  \"module_measurements\": " + json_list(p.modules) + ",\n";
  out += "  \"runtime_measurements\": " +
         (p.runtimes.empty() ? std::string("\"any\"") : json_list(p.runtimes)) + ",\n";
  out += std::string("  \"allow_debug\": ") + (p.allow_debug ? "true" : "false") + ",\n";
  out += "  \"max_evidence_age_seconds\": " + std::to_string(p.max_age) + "\n";
  out += "}\n";
  return out;
}

// Normalises a measurement given in hex; empty on error.
std::string measurement_hex(std::string_view text) {
  const auto d = attest::sha256_from_hex(text);
  return d ? attest::to_hex(*d) : std::string();
}

int run_init(std::span<char*> args) {
  PolicyInit p;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "--allow-sim") {
      p.allow_sim = true;
      continue;
    }
    if (a == "--allow-debug") {
      p.allow_debug = true;
      continue;
    }
    if (a == "--native") {
      if (!p.native) p.modules.push_back(runtime::core_build_measurement());
      p.native = true;
      continue;
    }
    if (a == "--accept-unmeasured-native") {
      p.accept_unmeasured_native = true;
      continue;
    }
    if (i + 1 >= args.size()) {
      return usage_error(a.starts_with("-") ? std::string(a) + " needs a value or is unknown"
                                            : "unexpected argument '" + std::string(a) + "'");
    }
    const std::string v = args[++i];
    if (a == "--module") {
      try {
        p.modules.push_back(runtime::measure_module(runtime::read_module_file(v)));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "trustmq policy: %s\n", e.what());
        return 1;
      }
    } else if (a == "--module-measurement") {
      const std::string hex = measurement_hex(v);
      if (hex.empty()) return usage_error("--module-measurement '" + v + "' is not 64 hex digits");
      p.modules.push_back(hex);
    } else if (a == "--runtime") {
      auto d = attest::sha256_of_file(v);
      if (!d) {
        std::fprintf(stderr, "trustmq policy: %s\n", d.error().c_str());
        return 1;
      }
      p.runtimes.push_back(attest::to_hex(*d));
    } else if (a == "--runtime-measurement") {
      const std::string hex = measurement_hex(v);
      if (hex.empty()) {
        return usage_error("--runtime-measurement '" + v + "' is not 64 hex digits");
      }
      p.runtimes.push_back(hex);
    } else if (a == "--anchor") {
      if (!std::filesystem::is_regular_file(v)) {
        std::fprintf(stderr, "trustmq policy: trust anchor %s: no such file\n", v.c_str());
        return 1;
      }
      p.anchors.push_back(std::filesystem::absolute(v).lexically_normal().string());
    } else if (a == "--tpm-anchor") {
      if (!std::filesystem::is_regular_file(v)) {
        std::fprintf(stderr, "trustmq policy: TPM enrolment CA %s: no such file\n", v.c_str());
        return 1;
      }
      p.tpm_anchors.push_back(std::filesystem::absolute(v).lexically_normal().string());
    } else if (a == "--type") {
      const auto type = attest::evidence_type_from_name(v);
      if (!type) return usage_error("unknown evidence type '" + v + "'");
      if (*type == attest::EvidenceType::kSim) {
        return usage_error("use --allow-sim for sim (it gives NO hardware protection)");
      }
      p.types.push_back(v);
    } else if (a == "--max-age") {
      std::uint64_t age = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), age);
      if (ec != std::errc() || end != v.data() + v.size() || age == 0 || age > 31536000) {
        return usage_error("--max-age '" + v + "' must be 1..31536000 seconds");
      }
      p.max_age = age;
    } else if (a == "-o" || a == "--output") {
      p.output = v;
    } else {
      return usage_error("unknown option '" + std::string(a) + "'");
    }
  }
  if (p.native && !p.accept_unmeasured_native) {
    std::fprintf(stderr, "trustmq policy: --native needs --accept-unmeasured-native\n\n%s",
                 kNativeIsUnmeasured);
    return 2;
  }
  if (p.accept_unmeasured_native && !p.native) {
    return usage_error("--accept-unmeasured-native is only meaningful with --native");
  }
  if (p.allow_sim) p.types.push_back("sim");
  if (p.modules.empty()) {
    return usage_error("no module measurement: give --module, --module-measurement or --native");
  }
  if (p.types.empty()) return usage_error("no evidence type: give --allow-sim or --type NAME");
  const bool tpm = std::find(p.types.begin(), p.types.end(), "tpm2-quote") != p.types.end();
  if (p.allow_sim && p.anchors.empty()) {
    return usage_error("no trust anchor: give --anchor ROOT.pem");
  }
  if (tpm != !p.tpm_anchors.empty()) {
    return usage_error("--type tpm2-quote and --tpm-anchor CA.pem go together");
  }
  if (p.output.empty()) return usage_error("no output: give -o POLICY.json");

  const std::string text = render(p);
  // What we write must be a policy trustmq accepts.
  if (auto parsed = attest::parse_policy(text, "/"); !parsed) {
    std::fprintf(stderr, "trustmq policy: internal error, generated policy invalid: %s\n",
                 parsed.error().c_str());
    return 1;
  }
  if (p.output == "-") {
    std::fputs(text.c_str(), stdout);
  } else {
    std::ofstream out(p.output, std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      std::fprintf(stderr, "trustmq policy: cannot write %s\n", p.output.c_str());
      return 1;
    }
    std::fprintf(stderr, "wrote %s: module %s%s, runtime %s\n", p.output.c_str(),
                 p.modules.front().c_str(), p.modules.size() > 1 ? " (and others)" : "",
                 p.runtimes.empty() ? "any" : p.runtimes.front().c_str());
  }
  if (p.native) {
    std::fprintf(stderr,
                 "note: module %s is the native core's source hash: the broker only claims it, "
                 "no module is measured\n",
                 runtime::core_build_measurement().c_str());
  }
  if (p.allow_sim) {
    std::fprintf(stderr,
                 "note: the policy accepts sim evidence: software key, NO hardware protection "
                 "(development only)\n");
  }
  return 0;
}

}  // namespace

int run_policy_command(std::span<char*> args) {
  if (args.empty() || std::string_view(args[0]) == "--help" || std::string_view(args[0]) == "-h") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (std::string_view(args[0]) != "init") {
    return usage_error("unknown sub-command '" + std::string(args[0]) + "' (expected init)");
  }
  return run_init(args.subspan(1));
}

}  // namespace trustmq::cli
