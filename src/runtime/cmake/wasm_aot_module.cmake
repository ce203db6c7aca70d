# trustmq_add_wasm_aot_module(<target> NAME <wasm2c name> WASM <file.wasm> SYMBOL <C symbol>
#                             [DEPENDS <targets>])
# Translates a .wasm with wasm2c at build time and builds it, with its generated adapter
# (a `const WasmAotModule <SYMBOL>` carrying the module's build-time measurement), into the
# static library <target>. Used for the core and for the test modules in tests/runtime.
function(trustmq_add_wasm_aot_module target)
  cmake_parse_arguments(ARG "" "NAME;WASM;SYMBOL" "DEPENDS" ${ARGN})
  set(adapter_script ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/wasm_aot_adapter.cmake)
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/wasm2c/${ARG_NAME})
  set(c_file ${dir}/${ARG_NAME}.c)
  set(h_file ${dir}/${ARG_NAME}.h)
  set(adapter ${dir}/${ARG_NAME}_adapter.c)
  add_custom_command(
    OUTPUT ${c_file} ${h_file}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    COMMAND wasm2c -n ${ARG_NAME} ${ARG_WASM} -o ${c_file}
    DEPENDS ${ARG_WASM} ${ARG_DEPENDS}
    COMMENT "wasm2c ${ARG_NAME}"
    VERBATIM)
  add_custom_command(
    OUTPUT ${adapter}
    COMMAND ${CMAKE_COMMAND} -DNAME=${ARG_NAME} -DHEADER=${h_file} -DWASM=${ARG_WASM}
            -DOUTPUT=${adapter} -DSYMBOL=${ARG_SYMBOL} -P ${adapter_script}
    DEPENDS ${h_file} ${ARG_WASM} ${adapter_script}
    COMMENT "wasm-aot adapter and measurement for ${ARG_NAME}"
    VERBATIM)
  add_library(${target} STATIC ${c_file} ${adapter})
  # Generated code: optimise it whatever the build type, and do not hold it to our warnings.
  # Under TRUSTMQ_SANITIZE it is not instrumented either: every access of the translated module
  # goes through wasm2c's explicit bounds checks, the core's C++ is sanitized in its native
  # build, and instrumenting its 125 000 generated lines took 100 s of CI's ASan build.
  set(generated_options -w -O2)
  if(TRUSTMQ_SANITIZE)
    list(APPEND generated_options -fno-sanitize=all)
  endif()
  set_source_files_properties(${c_file} PROPERTIES COMPILE_OPTIONS "${generated_options}")
  target_include_directories(${target} PRIVATE ${dir} ${PROJECT_SOURCE_DIR}/src)
  # The imports the translated code calls live in trustmq_wasm_engines (wasm_aot_imports.cpp).
  target_link_libraries(${target} PUBLIC trustmq_wasm_rt trustmq_wasm_engines)
endfunction()
