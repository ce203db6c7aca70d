# Script mode (a ctest): builds trustmq-core.wasm again, from a copy of the sources in another,
# longer directory, with the build's own command lines (wasm_core_flags.cmake), and checks that it
# gives the same SHA-256 as the artefact of the build itself (built from the checkout, in the
# build tree: a second source path and a second build path). One rebuild, not two: each takes a
# minute of one core in CI.
#   cmake -DSOURCE_DIR=<repo> -DWORK_DIR=<tmp> -DARTEFACT=<trustmq-core.wasm>
#         -DMAX_MEMORY=<bytes> -P reproducible_build_test.cmake
foreach(var SOURCE_DIR WORK_DIR ARTEFACT MAX_MEMORY)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "reproducible_build_test.cmake: ${var} not set")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK_DIR})
set(hashes "")
foreach(place "a/much/longer/path/elsewhere/trustmq")
  set(root ${WORK_DIR}/${place})
  set(build ${WORK_DIR}/${place}-build)
  file(MAKE_DIRECTORY ${root}/src/runtime ${build})
  file(COPY ${SOURCE_DIR}/src/mqtt DESTINATION ${root}/src)
  file(COPY ${SOURCE_DIR}/src/runtime/guest DESTINATION ${root}/src/runtime)
  file(COPY ${SOURCE_DIR}/src/runtime/broker_config_codec.h
       ${SOURCE_DIR}/src/runtime/broker_config_codec.cpp ${SOURCE_DIR}/src/runtime/peer_info_codec.h
       ${SOURCE_DIR}/src/runtime/peer_info_codec.cpp DESTINATION ${root}/src/runtime)

  set(TRUSTMQ_WASM_SOURCE_ROOT ${root})
  set(TRUSTMQ_WASM_MAX_MEMORY ${MAX_MEMORY})
  include(${CMAKE_CURRENT_LIST_DIR}/wasm_core_flags.cmake)
  file(GLOB sources ${root}/src/mqtt/*.cpp)
  foreach(rel ${TRUSTMQ_WASM_GUEST_SOURCES})
    list(APPEND sources ${root}/${rel})
  endforeach()
  set(objects "")
  foreach(src ${sources})
    file(RELATIVE_PATH rel ${root} ${src})
    string(REPLACE "/" "__" obj_name "${rel}")
    set(obj ${build}/${obj_name}.o)
    execute_process(COMMAND ${TRUSTMQ_WASM_CXX} ${TRUSTMQ_WASM_COMPILE_FLAGS} -c ${src} -o ${obj}
                    WORKING_DIRECTORY ${build} RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "compiling ${rel} failed")
    endif()
    list(APPEND objects ${obj})
  endforeach()
  list(SORT objects)
  execute_process(COMMAND ${TRUSTMQ_WASM_CXX} ${TRUSTMQ_WASM_LINK_FLAGS} ${objects}
                          -o ${build}/trustmq-core.wasm
                  WORKING_DIRECTORY ${build} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "linking in ${build} failed")
  endif()
  file(SHA256 ${build}/trustmq-core.wasm h)
  message(STATUS "${place}: ${h}")
  list(APPEND hashes ${h})
endforeach()

list(GET hashes 0 rebuilt)
file(SHA256 ${ARTEFACT} built)
message(STATUS "build artefact: ${built}")
if(NOT rebuilt STREQUAL built)
  message(FATAL_ERROR "not reproducible: a rebuild of the same sources in another folder gives "
                      "${rebuilt}, the build's artefact is ${built} (or the build tree is out of "
                      "date)")
endif()
file(REMOVE_RECURSE ${WORK_DIR})
