#include "attest/policy.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "attest/json_value.h"
#include "attest/well_known_roots.h"

namespace trustmq::attest {

bool MeasurementRule::accepts(const Sha256Digest& d) const {
  return any || std::find(allowed.begin(), allowed.end(), d) != allowed.end();
}

const TrustAnchors& Policy::anchors_for(EvidenceType type) const {
  const TeeSectionCommon* section = nullptr;
  if (type == EvidenceType::kSevSnp) section = &sev_snp;
  if (type == EvidenceType::kSgxDcap) section = &sgx_dcap;
  if (type == EvidenceType::kTdx) section = &tdx;
  // tpm2-quote: only the section's enrolment CAs (never the sim roots of the top level).
  if (type == EvidenceType::kTpm2Quote) return tpm.trust_anchors;
  if (section == nullptr) return trust_anchors;
  if (!section->trust_anchors.empty()) return section->trust_anchors;
  return well_known_roots(type);
}

std::shared_ptr<const Collateral> Policy::collateral_for(EvidenceType type) const {
  if (type == EvidenceType::kSevSnp) return sev_snp.collateral;
  if (type == EvidenceType::kSgxDcap) return sgx_dcap.collateral;
  if (type == EvidenceType::kTdx) return tdx.collateral;
  if (type == EvidenceType::kTpm2Quote) return tpm.collateral;
  return std::make_shared<const Collateral>();
}

bool Policy::allows(EvidenceType type) const {
  if (type == EvidenceType::kSim && !allow_sim) return false;
  return std::find(allowed_types.begin(), allowed_types.end(), type) != allowed_types.end();
}

namespace {

const std::set<std::string> kKnownFields = {"version",
                                            "allowed_types",
                                            "allow_sim",
                                            "trust_anchors",
                                            "module_measurements",
                                            "runtime_measurements",
                                            "allow_debug",
                                            "max_evidence_age_seconds",
                                            "max_clock_skew_seconds",
                                            "sev-snp",
                                            "sgx-dcap",
                                            "tdx",
                                            "tpm2-quote"};

// Types whose verification needs the top-level trust_anchors (sim only: tpm2-quote has its
// section's) and the measurement rules (sim and tpm2-quote: both carry trustmq's measurements).
bool needs_top_level_anchors(const std::vector<EvidenceType>& types) {
  return std::find(types.begin(), types.end(), EvidenceType::kSim) != types.end();
}
bool needs_measurement_rules(const std::vector<EvidenceType>& types) {
  return std::any_of(types.begin(), types.end(), [](EvidenceType t) {
    return t == EvidenceType::kSim || t == EvidenceType::kTpm2Quote;
  });
}

Result<Policy> field_error(const std::string& field, const std::string& what) {
  return Result<Policy>::failure("policy field \"" + field + "\": " + what);
}

std::string kind_of(const JsonValue& v) { return std::string(json_kind_name(v.kind())); }

// Writes an error into `error` and returns false on failure.
bool read_measurements(const JsonValue& obj, const std::string& field, bool required,
                       MeasurementRule& out, std::string& error) {
  const JsonValue* v = obj.find(field);
  auto err = [&](const std::string& what) {
    error = "policy field \"" + field + "\": " + what;
    return false;
  };
  if (v == nullptr) {
    if (!required) {
      out.any = true;
      out.specified = false;
      return true;
    }
    return err("missing (list the SHA-256 values to accept as 64 hex digits, or write \"any\")");
  }
  if (v->is_string()) {
    if (v->as_string() != "any") return err("a string must be exactly \"any\"");
    out.any = true;
    return true;
  }
  if (!v->is_array())
    return err("must be a list of hex SHA-256 values or \"any\", not " + kind_of(*v));
  if (v->as_array().empty()) {
    return err("empty list: no evidence could pass; list values or write \"any\"");
  }
  std::size_t i = 0;
  for (const JsonValue& item : v->as_array()) {
    ++i;
    if (!item.is_string()) return err("entry " + std::to_string(i) + " is not a string");
    auto d = sha256_from_hex(item.as_string());
    if (!d) {
      return err("entry " + std::to_string(i) + " (\"" + item.as_string() +
                 "\") is not 64 hex digits");
    }
    out.allowed.push_back(*d);
  }
  return true;
}

bool read_bool(const JsonValue& obj, const std::string& field, bool& out, std::string& error) {
  const JsonValue* v = obj.find(field);
  if (v == nullptr) return true;  // keeps the strict default (false)
  if (!v->is_bool()) {
    error = "policy field \"" + field + "\": must be true or false, not " + kind_of(*v);
    return false;
  }
  out = v->as_bool();
  return true;
}

bool read_seconds(const JsonValue& obj, const std::string& field, std::uint64_t& out,
                  std::string& error) {
  const JsonValue* v = obj.find(field);
  if (v == nullptr) return true;
  if (!v->is_number() || v->as_number() < 1 || v->as_number() > 31536000.0 ||
      std::floor(v->as_number()) != v->as_number()) {
    error = "policy field \"" + field + "\": must be a whole number of seconds in 1..31536000";
    return false;
  }
  out = static_cast<std::uint64_t>(v->as_number());
  return true;
}

}  // namespace

Result<Policy> parse_policy(std::string_view json_text, const std::string& base_dir) {
  auto doc = parse_json(json_text);
  if (!doc) return Result<Policy>::failure("policy is not valid JSON: " + doc.error());
  const JsonValue& root = *doc;
  if (!root.is_object()) return Result<Policy>::failure("policy must be a JSON object");
  for (const auto& [key, value] : root.as_object()) {
    if (kKnownFields.count(key) == 0) return field_error(key, "unknown field (misspelt?)");
  }

  const JsonValue* version = root.find("version");
  if (version == nullptr || !version->is_number() || version->as_number() != 1) {
    return field_error("version", "must be 1");
  }

  Policy p;
  std::string error;
  if (!read_bool(root, "allow_sim", p.allow_sim, error) ||
      !read_bool(root, "allow_debug", p.allow_debug, error) ||
      !read_seconds(root, "max_evidence_age_seconds", p.max_evidence_age_seconds, error) ||
      !read_seconds(root, "max_clock_skew_seconds", p.max_clock_skew_seconds, error)) {
    return Result<Policy>::failure(error);
  }

  const JsonValue* types = root.find("allowed_types");
  if (types == nullptr) return field_error("allowed_types", "missing (e.g. [\"tpm2-quote\"])");
  if (!types->is_array() || types->as_array().empty()) {
    return field_error("allowed_types", "must be a non-empty list of evidence type names");
  }
  for (const JsonValue& t : types->as_array()) {
    if (!t.is_string()) return field_error("allowed_types", "entries must be strings");
    auto type = evidence_type_from_name(t.as_string());
    if (!type) {
      return field_error("allowed_types",
                         "unknown evidence type \"" + t.as_string() +
                             "\" (known: sim, tpm2-quote, sgx-dcap, tdx, sev-snp)");
    }
    if (std::find(p.allowed_types.begin(), p.allowed_types.end(), *type) != p.allowed_types.end()) {
      return field_error("allowed_types", "\"" + t.as_string() + "\" listed twice");
    }
    if (*type == EvidenceType::kSim && !p.allow_sim) {
      return field_error("allowed_types",
                         "lists \"sim\" but \"allow_sim\" is not true (sim evidence gives NO "
                         "hardware protection; set \"allow_sim\": true to accept it knowingly)");
    }
    p.allowed_types.push_back(*type);
  }

  const bool generic = needs_measurement_rules(p.allowed_types);
  const JsonValue* anchors = root.find("trust_anchors");
  if (anchors == nullptr && needs_top_level_anchors(p.allowed_types)) {
    return field_error("trust_anchors", "missing (list PEM files of the roots you trust)");
  }
  if (anchors == nullptr) {
    // No sim: the sections (or the built-in roots of hardware TEE types) decide.
  } else if (!anchors->is_array() || anchors->as_array().empty()) {
    return field_error("trust_anchors", "must be a non-empty list of PEM file paths");
  }
  for (const JsonValue& a : anchors == nullptr ? std::vector<JsonValue>{} : anchors->as_array()) {
    if (!a.is_string() || a.as_string().empty()) {
      return field_error("trust_anchors", "entries must be non-empty strings");
    }
    std::string path = a.as_string();
    if (path.front() != '/' && !base_dir.empty()) path = base_dir + "/" + path;
    auto certs = load_pem_certificates(path);
    if (!certs) return field_error("trust_anchors", certs.error());
    for (auto& c : *certs) p.trust_anchors.push_back(std::move(c));
  }

  if (!read_measurements(root, "module_measurements", generic, p.module_measurements, error) ||
      !read_measurements(root, "runtime_measurements", generic, p.runtime_measurements, error)) {
    return Result<Policy>::failure(error);
  }

  // Hardware sections: required for each allowed hardware type, parsed whenever written.
  const struct {
    EvidenceType type;
    const char* name;
  } sections[] = {{EvidenceType::kSevSnp, "sev-snp"},
                  {EvidenceType::kSgxDcap, "sgx-dcap"},
                  {EvidenceType::kTdx, "tdx"},
                  {EvidenceType::kTpm2Quote, "tpm2-quote"}};
  for (const auto& sec : sections) {
    const JsonValue* v = root.find(sec.name);
    const bool allowed = std::find(p.allowed_types.begin(), p.allowed_types.end(), sec.type) !=
                         p.allowed_types.end();
    if (v == nullptr) {
      if (allowed) {
        return field_error(sec.name, std::string("missing: allowed_types lists \"") + sec.name +
                                         "\", so its section (measurements to accept, "
                                         "collateral …) must be written (docs/attestation.md)");
      }
      continue;
    }
    if (sec.type == EvidenceType::kSevSnp) {
      auto s = parse_sev_snp_policy(*v, base_dir);
      if (!s) return Result<Policy>::failure(s.error());
      p.sev_snp = std::move(*s);
    } else if (sec.type == EvidenceType::kSgxDcap) {
      auto s = parse_sgx_policy(*v, base_dir);
      if (!s) return Result<Policy>::failure(s.error());
      p.sgx_dcap = std::move(*s);
    } else if (sec.type == EvidenceType::kTdx) {
      auto s = parse_tdx_policy(*v, base_dir);
      if (!s) return Result<Policy>::failure(s.error());
      p.tdx = std::move(*s);
    } else {
      auto s = parse_tpm_policy(*v, base_dir);
      if (!s) return Result<Policy>::failure(s.error());
      p.tpm = std::move(*s);
    }
  }
  return Result<Policy>::success(std::move(p));
}

Result<Policy> load_policy_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Result<Policy>::failure("cannot read policy " + path + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string dir = ".";
  auto slash = path.find_last_of('/');
  if (slash != std::string::npos) dir = slash == 0 ? "/" : path.substr(0, slash);
  auto policy = parse_policy(text.str(), dir);
  if (!policy) return Result<Policy>::failure(path + ": " + policy.error());
  return policy;
}

}  // namespace trustmq::attest
