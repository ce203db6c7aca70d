#include "shell/engine_selection.h"

#include <gtest/gtest.h>

#include "runtime/engine_factory.h"

namespace trustmq::shell {
namespace {

TEST(ModuleForEngine, ConfiguredModule_IsKept) {
  EXPECT_EQ(module_for_engine("wasm-interp", "/opt/core.wasm"), "/opt/core.wasm");
  EXPECT_EQ(module_for_engine("wasm-aot", "/opt/core.wasm"), "/opt/core.wasm");
}

TEST(ModuleForEngine, NativeWithoutModule_HasNone) {
  EXPECT_EQ(module_for_engine("native", ""), "");
}

TEST(ModuleForEngine, WasmEnginesWithoutModule_UseTheDefaultModule) {
  if (!runtime::wasm_engines_built()) GTEST_SKIP() << "wasm engines not built";
  // In the build tree the default is <build>/src/runtime/trustmq-core.wasm, which exists, so
  // wasm-aot checks it too; scripts/package-test.sh covers the installed module.
  EXPECT_EQ(module_for_engine("wasm-interp", ""), runtime::default_module_path());
  EXPECT_EQ(module_for_engine("wasm-aot", ""), runtime::default_module_path());
}

}  // namespace
}  // namespace trustmq::shell
