#include "runtime/wabt_interpreter.h"

#include <stdexcept>

#include "wabt/binary-reader.h"
#include "wabt/error-formatter.h"
#include "wabt/interp/binary-reader-interp.h"
#include "wabt/interp/interp.h"

namespace trustmq::runtime {
namespace {

namespace interp = wabt::interp;

interp::ValueTypes value_types(const std::string& codes) {
  interp::ValueTypes types;
  for (char c : codes) types.push_back(c == 'I' ? wabt::Type::I64 : wabt::Type::I32);
  return types;
}

bool same_types(const interp::ValueTypes& types, const std::string& codes) {
  return types == value_types(codes);
}

interp::Value make_value(wabt::Type type, std::uint64_t raw) {
  return type == wabt::Type::I64 ? interp::Value::Make(raw)
                                 : interp::Value::Make(static_cast<std::uint32_t>(raw));
}

std::uint64_t raw_value(wabt::Type type, const interp::Value& value) {
  return type == wabt::Type::I64 ? value.Get<std::uint64_t>() : value.Get<std::uint32_t>();
}

}  // namespace

struct WabtInterpreter::State {
  interp::Store store;
  interp::Thread thread{store};
  interp::Module::Ptr module;
  interp::Instance::Ptr instance;
  interp::Memory::Ptr memory;
  std::vector<interp::HostFunc::Ptr> host_funcs;
  std::vector<interp::Func::Ptr> functions;
};

WabtInterpreter::WabtInterpreter(const std::vector<std::uint8_t>& bytes, const std::string& path,
                                 std::uint64_t max_memory_pages,
                                 std::vector<WabtHostImport> imports)
    : state_(std::make_unique<State>()) {
  interp::ModuleDesc desc;
  wabt::Errors errors;
  const wabt::Features features;
  const wabt::ReadBinaryOptions options(features, nullptr, /*read_debug_names=*/false,
                                        /*stop_on_first_error=*/true,
                                        /*fail_on_custom_section_error=*/true);
  if (wabt::Failed(
          interp::ReadBinaryInterp(path, bytes.data(), bytes.size(), options, &errors, &desc))) {
    throw std::runtime_error(path + " is not a valid module: " +
                             wabt::FormatErrorsToString(errors, wabt::Location::Type::Binary));
  }
  if (desc.memories.size() != 1) {
    throw std::runtime_error(path + ": the module must define exactly one memory");
  }
  wabt::Limits& limits = desc.memories[0].type.limits;
  if (!limits.has_max) {
    limits.max = 65536;
    limits.has_max = true;
  }
  if (max_memory_pages != 0 && max_memory_pages < limits.max) limits.max = max_memory_pages;
  if (limits.initial > limits.max) {
    throw std::runtime_error(path + ": the module's initial memory exceeds the memory limit");
  }

  State& s = *state_;
  s.module = interp::Module::New(s.store, std::move(desc));
  interp::RefVec import_refs;
  for (const interp::ImportType& wanted : s.module->import_types()) {
    WabtHostImport* match = nullptr;
    for (WabtHostImport& candidate : imports) {
      if (wanted.module == candidate.module && wanted.name == candidate.name) match = &candidate;
    }
    if (match == nullptr || wanted.type->kind != wabt::ExternalKind::Func) {
      throw std::runtime_error(path + ": unsupported import " + wanted.module + "." + wanted.name);
    }
    interp::FuncType type(value_types(match->params), value_types(match->results));
    auto func = interp::HostFunc::New(
        s.store, type,
        [body = match->body, type](interp::Thread& thread, const interp::Values& params,
                                   interp::Values& results, interp::Trap::Ptr* out_trap) {
          std::uint64_t args[8] = {};
          std::uint64_t outs[2] = {};
          for (std::size_t i = 0; i < params.size() && i < 8; ++i) {
            args[i] = raw_value(type.params[i], params[i]);
          }
          if (!body(args, outs)) {
            *out_trap = interp::Trap::New(thread.store(), "host ABI: call rejected");
            return wabt::Result::Error;
          }
          for (std::size_t i = 0; i < results.size() && i < 2; ++i) {
            results[i] = make_value(type.results[i], outs[i]);
          }
          return wabt::Result::Ok;
        });
    import_refs.push_back(func.ref());
    s.host_funcs.push_back(func);
  }
  interp::Trap::Ptr trap;
  s.instance = interp::Instance::Instantiate(s.store, s.module.ref(), import_refs, &trap);
  if (!s.instance) {
    throw std::runtime_error(path + ": instantiation failed: " +
                             (trap ? trap->message() : std::string("unknown error")));
  }
  s.memory = s.store.UnsafeGet<interp::Memory>(s.instance->memories()[0]);
}

WabtInterpreter::~WabtInterpreter() = default;

std::size_t WabtInterpreter::find_function(const std::string& name, const std::string& params,
                                           const std::string& results) {
  State& s = *state_;
  const auto& exports = s.module->export_types();
  for (std::size_t i = 0; i < exports.size(); ++i) {
    if (exports[i].name != name || exports[i].type->kind != wabt::ExternalKind::Func) continue;
    interp::Func::Ptr func = s.store.UnsafeGet<interp::Func>(s.instance->exports()[i]);
    if (!same_types(func->type().params, params) || !same_types(func->type().results, results)) {
      throw std::runtime_error("the export " + name + " has the wrong signature");
    }
    s.functions.push_back(func);
    return s.functions.size() - 1;
  }
  throw std::runtime_error("the module lacks the export " + name);
}

bool WabtInterpreter::call(std::size_t function, const std::vector<std::uint64_t>& args,
                           std::vector<std::uint64_t>& results, std::string& trap_message) {
  State& s = *state_;
  const interp::Func::Ptr& func = s.functions.at(function);
  const interp::FuncType& type = func->type();
  interp::Values params;
  for (std::size_t i = 0; i < type.params.size(); ++i) {
    params.push_back(make_value(type.params[i], i < args.size() ? args[i] : 0));
  }
  interp::Values outs;
  interp::Trap::Ptr trap;
  // wabt 1.0.32 reports some traps (e.g. "call stack exhausted") with Result::Ok and the trap
  // set: a set trap is what counts.
  if (wabt::Failed(func->Call(s.thread, params, outs, &trap)) || trap) {
    trap_message = trap ? trap->message() : std::string("call failed");
    return false;
  }
  results.clear();
  for (std::size_t i = 0; i < type.results.size() && i < outs.size(); ++i) {
    results.push_back(raw_value(type.results[i], outs[i]));
  }
  return true;
}

std::uint8_t* WabtInterpreter::memory_data() { return state_->memory->UnsafeData(); }
std::uint64_t WabtInterpreter::memory_size() { return state_->memory->ByteSize(); }
std::uint64_t WabtInterpreter::memory_max_size() {
  return state_->memory->type().limits.max * 65536;
}

}  // namespace trustmq::runtime
