#include "attest/tee_policy.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "attest/json_value.h"

namespace trustmq::attest {

bool ValueRule::accepts(ByteSpan value) const {
  if (any) return true;
  return std::any_of(allowed.begin(), allowed.end(), [&](const Bytes& b) {
    return b.size() == value.size() && std::equal(b.begin(), b.end(), value.begin());
  });
}

bool IntelPolicyCommon::allows(TcbStatus s) const {
  return std::find(allowed_tcb_statuses.begin(), allowed_tcb_statuses.end(), s) !=
         allowed_tcb_statuses.end();
}

namespace {

// Reads fields of one section; the first error is kept and named "section.field".
class SectionReader {
 public:
  SectionReader(const JsonValue& obj, std::string section, std::string base_dir)
      : obj_(obj), section_(std::move(section)), base_dir_(std::move(base_dir)) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  bool fail(const std::string& field, const std::string& what) {
    if (error_.empty()) error_ = "policy field \"" + section_ + "." + field + "\": " + what;
    return false;
  }

  bool check_known(const std::set<std::string>& known) {
    if (!obj_.is_object()) {
      error_ = "policy field \"" + section_ + "\": must be an object";
      return false;
    }
    for (const auto& [key, value] : obj_.as_object()) {
      if (known.count(key) == 0) return fail(key, "unknown field (misspelt?)");
    }
    return true;
  }

  // A list of hex strings of `size` bytes or "any". Absent: required → error, else any.
  void values(const std::string& field, std::size_t size, bool required, ValueRule& out) {
    if (!ok()) return;
    const JsonValue* v = obj_.find(field);
    const std::string digits = std::to_string(size * 2) + " hex digits";
    if (v == nullptr) {
      if (required)
        fail(field, "missing (list the values to accept as " + digits + ", or \"any\")");
      return;
    }
    if (v->is_string()) {
      if (v->as_string() != "any") fail(field, "a string must be exactly \"any\"");
      out.any = true;
      return;
    }
    if (!v->is_array()) {
      fail(field, "must be a list of " + digits + " or \"any\"");
      return;
    }
    if (v->as_array().empty()) {
      fail(field, "empty list: no evidence could pass; list values or write \"any\"");
      return;
    }
    out.any = false;
    std::size_t i = 0;
    for (const JsonValue& item : v->as_array()) {
      ++i;
      std::optional<Bytes> b;
      if (item.is_string()) b = from_hex(item.as_string());
      if (!b || b->size() != size) {
        fail(field, "entry " + std::to_string(i) + " is not " + digits);
        return;
      }
      out.allowed.push_back(std::move(*b));
    }
  }

  template <typename T>
  void number(const std::string& field, T max, T& out) {
    if (!ok()) return;
    const JsonValue* v = obj_.find(field);
    if (v == nullptr) return;
    if (!v->is_number() || v->as_number() < 0 || v->as_number() > static_cast<double>(max) ||
        std::floor(v->as_number()) != v->as_number()) {
      fail(field, "must be a whole number in 0.." + std::to_string(max));
      return;
    }
    out = static_cast<T>(v->as_number());
  }

  void boolean(const std::string& field, bool& out) {
    if (!ok()) return;
    const JsonValue* v = obj_.find(field);
    if (v == nullptr) return;
    if (!v->is_bool()) {
      fail(field, "must be true or false");
      return;
    }
    out = v->as_bool();
  }

  void common(TeeSectionCommon& out) {
    out.present = true;
    if (!ok()) return;
    if (const JsonValue* v = obj_.find("trust_anchors")) {
      if (!v->is_array() || v->as_array().empty()) {
        fail("trust_anchors",
             "must be a non-empty list of PEM file paths (omit it to use the "
             "built-in roots)");
        return;
      }
      for (const JsonValue& a : v->as_array()) {
        if (!a.is_string() || a.as_string().empty()) {
          fail("trust_anchors", "entries must be non-empty strings");
          return;
        }
        auto certs = load_pem_certificates(resolve(a.as_string()));
        if (!certs) {
          fail("trust_anchors", certs.error());
          return;
        }
        for (auto& c : *certs) out.trust_anchors.push_back(std::move(c));
      }
    }
    if (const JsonValue* v = obj_.find("collateral")) {
      if (!v->is_array()) {
        fail("collateral", "must be a list of files or folders");
        return;
      }
      for (const JsonValue& a : v->as_array()) {
        if (!a.is_string() || a.as_string().empty()) {
          fail("collateral", "entries must be non-empty strings");
          return;
        }
        out.collateral_paths.push_back(resolve(a.as_string()));
      }
      auto loaded = load_collateral(out.collateral_paths);
      if (!loaded) {
        fail("collateral", loaded.error());
        return;
      }
      out.collateral = std::make_shared<const Collateral>(std::move(*loaded));
    }
  }

  void intel_common(IntelPolicyCommon& out) {
    common(out);
    if (!ok()) return;
    if (const JsonValue* v = obj_.find("allowed_tcb_statuses")) {
      if (!v->is_array() || v->as_array().empty()) {
        fail("allowed_tcb_statuses", "must be a non-empty list (e.g. [\"UpToDate\"])");
        return;
      }
      out.allowed_tcb_statuses.clear();
      for (const JsonValue& s : v->as_array()) {
        auto status = s.is_string() ? tcb_status_from_name(s.as_string()) : std::nullopt;
        if (!status) {
          fail("allowed_tcb_statuses",
               "unknown TCB status (known: UpToDate, SWHardeningNeeded, ConfigurationNeeded, "
               "ConfigurationAndSWHardeningNeeded, OutOfDate, OutOfDateConfigurationNeeded, "
               "Revoked)");
          return;
        }
        out.allowed_tcb_statuses.push_back(*status);
      }
    }
    number<std::uint64_t>("max_collateral_age_seconds", 31536000, out.max_collateral_age_seconds);
    boolean("allow_unknown_tcb", out.allow_unknown_tcb);
  }

  void crl_revocation(CrlRevocationRules& out) {
    boolean("require_revocation_check", out.require_revocation_check);
    number<std::uint64_t>("max_collateral_age_seconds", 31536000, out.max_collateral_age_seconds);
  }

 private:
  std::string resolve(const std::string& path) const {
    if (path.front() == '/' || base_dir_.empty()) return path;
    return base_dir_ + "/" + path;
  }

  const JsonValue& obj_;
  std::string section_;
  std::string base_dir_;
  std::string error_;
};

const std::set<std::string> kCommonFields = {"trust_anchors", "collateral"};
const std::set<std::string> kIntelFields = {"trust_anchors", "collateral", "allowed_tcb_statuses",
                                            "max_collateral_age_seconds", "allow_unknown_tcb"};

std::set<std::string> with(std::set<std::string> base, std::initializer_list<const char*> more) {
  for (const char* m : more) base.insert(m);
  return base;
}

std::optional<SevSnpTcb> read_snp_tcb(SectionReader& r, const JsonValue& obj,
                                      const std::string& field) {
  const JsonValue* v = obj.find(field);
  if (v == nullptr || !r.ok()) return std::nullopt;
  if (!v->is_object()) {
    r.fail(field, "must be an object {\"bootloader\", \"tee\", \"snp\", \"microcode\"}");
    return std::nullopt;
  }
  SectionReader inner(*v, field, "");
  if (!inner.check_known({"bootloader", "tee", "snp", "microcode"})) {
    r.fail(field, inner.error());
    return std::nullopt;
  }
  SevSnpTcb t;
  inner.number<std::uint8_t>("bootloader", 255, t.bootloader);
  inner.number<std::uint8_t>("tee", 255, t.tee);
  inner.number<std::uint8_t>("snp", 255, t.snp);
  inner.number<std::uint8_t>("microcode", 255, t.microcode);
  if (!inner.ok()) {
    r.fail(field, inner.error());
    return std::nullopt;
  }
  return t;
}

}  // namespace

Result<SevSnpPolicy> parse_sev_snp_policy(const JsonValue& section, const std::string& base_dir) {
  SectionReader r(section, "sev-snp", base_dir);
  SevSnpPolicy p;
  if (!r.check_known(
          with(kCommonFields,
               {"measurements", "host_data", "id_key_digests", "author_key_digests",
                "min_reported_tcb", "min_committed_tcb", "min_guest_svn", "allow_migration_agent",
                "require_revocation_check", "max_collateral_age_seconds"}))) {
    return Result<SevSnpPolicy>::failure(r.error());
  }
  r.common(p);
  r.values("measurements", 48, true, p.measurements);
  r.values("host_data", 32, false, p.host_data);
  r.values("id_key_digests", 48, false, p.id_key_digests);
  r.values("author_key_digests", 48, false, p.author_key_digests);
  p.min_reported_tcb = read_snp_tcb(r, section, "min_reported_tcb");
  p.min_committed_tcb = read_snp_tcb(r, section, "min_committed_tcb");
  r.number<std::uint32_t>("min_guest_svn", 0xFFFFFFFFu, p.min_guest_svn);
  r.boolean("allow_migration_agent", p.allow_migration_agent);
  r.crl_revocation(p);
  if (!r.ok()) return Result<SevSnpPolicy>::failure(r.error());
  return Result<SevSnpPolicy>::success(std::move(p));
}

Result<SgxPolicy> parse_sgx_policy(const JsonValue& section, const std::string& base_dir) {
  SectionReader r(section, "sgx-dcap", base_dir);
  SgxPolicy p;
  if (!r.check_known(
          with(kIntelFields, {"mr_enclaves", "mr_signers", "isv_prod_id", "min_isv_svn"}))) {
    return Result<SgxPolicy>::failure(r.error());
  }
  r.intel_common(p);
  r.values("mr_enclaves", 32, true, p.mr_enclaves);
  r.values("mr_signers", 32, true, p.mr_signers);
  if (section.find("isv_prod_id") != nullptr) {
    std::uint16_t id = 0;
    r.number<std::uint16_t>("isv_prod_id", 0xFFFF, id);
    p.isv_prod_id = id;
  }
  r.number<std::uint16_t>("min_isv_svn", 0xFFFF, p.min_isv_svn);
  if (!r.ok()) return Result<SgxPolicy>::failure(r.error());
  return Result<SgxPolicy>::success(std::move(p));
}

Result<TdxPolicy> parse_tdx_policy(const JsonValue& section, const std::string& base_dir) {
  SectionReader r(section, "tdx", base_dir);
  TdxPolicy p;
  if (!r.check_known(with(kIntelFields, {"mr_tds", "mr_config_ids", "mr_owners", "rtmr0", "rtmr1",
                                         "rtmr2", "rtmr3", "min_tee_tcb_svn"}))) {
    return Result<TdxPolicy>::failure(r.error());
  }
  r.intel_common(p);
  r.values("mr_tds", 48, true, p.mr_tds);
  r.values("mr_config_ids", 48, false, p.mr_config_ids);
  r.values("mr_owners", 48, false, p.mr_owners);
  for (std::size_t i = 0; i < 4; ++i) {
    r.values("rtmr" + std::to_string(i), 48, false, p.rtmrs[i]);
  }
  if (const JsonValue* v = section.find("min_tee_tcb_svn"); v != nullptr && r.ok()) {
    std::optional<Bytes> b;
    if (v->is_string()) b = from_hex(v->as_string());
    if (!b || b->size() != 16) {
      r.fail("min_tee_tcb_svn", "must be 32 hex digits (16 SVN bytes, compared one by one)");
    } else {
      std::array<std::uint8_t, 16> svn{};
      std::copy(b->begin(), b->end(), svn.begin());
      p.min_tee_tcb_svn = svn;
    }
  }
  if (!r.ok()) return Result<TdxPolicy>::failure(r.error());
  return Result<TdxPolicy>::success(std::move(p));
}

Result<TpmPolicy> parse_tpm_policy(const JsonValue& section, const std::string& base_dir) {
  SectionReader r(section, "tpm2-quote", base_dir);
  TpmPolicy p;
  if (!r.check_known({"trust_anchors", "collateral", "pcrs", "require_revocation_check",
                      "max_collateral_age_seconds"})) {
    return Result<TpmPolicy>::failure(r.error());
  }
  if (section.find("trust_anchors") == nullptr) {
    r.fail("trust_anchors",
           "missing: list the PEM file of the enrolment CA that issued the attestation key "
           "certificates (trustmq tpm enroll); there are no built-in TPM roots");
  }
  r.common(p);
  r.crl_revocation(p);
  if (const JsonValue* v = section.find("pcrs"); v != nullptr && r.ok()) {
    if (!v->is_object()) {
      r.fail("pcrs", "must be an object {\"0\": [\"64 hex digits\"], …}");
    } else {
      SectionReader pcrs(*v, "tpm2-quote.pcrs", base_dir);
      for (const auto& [key, value] : v->as_object()) {
        const bool digits =
            !key.empty() && key.size() <= 2 &&
            std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; });
        const int index = digits ? std::stoi(key) : -1;
        if (index < 0 || index > 23) {
          pcrs.fail(key, "not a PCR index 0..23");
          break;
        }
        ValueRule rule;
        pcrs.values(key, 32, true, rule);
        p.pcrs[static_cast<std::uint8_t>(index)] = std::move(rule);
      }
      if (!pcrs.ok()) return Result<TpmPolicy>::failure(pcrs.error());
    }
  }
  if (!r.ok()) return Result<TpmPolicy>::failure(r.error());
  return Result<TpmPolicy>::success(std::move(p));
}

}  // namespace trustmq::attest
