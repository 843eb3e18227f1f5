# cmake -DSTEP=<files|consumer|regenerate> -D... -P install_test.cmake
#
# The install tests (see CMakeLists.txt here for the variables):
#   files       cmake --install the build tree into PREFIX and check that
#               every installed file is there and the installed kcc runs.
#   consumer    configure and build examples/consumer against PREFIX, as a
#               user would, and run it.
#   regenerate  the same with copies of the models: a second build does
#               nothing, and changing a model regenerates its C.
# Everything is written under WORK, inside the build tree.  Any failure is
# a FATAL_ERROR, which makes cmake exit non-zero.

foreach(var STEP KCC_SOURCE_DIR KCC_BUILD_DIR WORK PREFIX BINDIR LIBDIR INCLUDEDIR
            C_COMPILER GENERATOR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "install_test.cmake: -D${var}=... is required")
  endif()
endforeach()

function(fail)
  string(JOIN "" msg ${ARGN})
  message(FATAL_ERROR "FAIL (${STEP}): ${msg}")
endfunction()

# Runs a command; fails, showing its output, unless it exits 0.  The
# output is left in the variable named by OUTPUT_VAR, if given.
function(run what)
  cmake_parse_arguments(PARSE_ARGV 1 R "" "OUTPUT_VAR" "COMMAND")
  execute_process(COMMAND ${R_COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    string(JOIN " " cmd ${R_COMMAND})
    fail("${what} failed (exit status ${rc}):\n  ${cmd}\n${out}")
  endif()
  message(STATUS "${what}: ok")
  if(R_OUTPUT_VAR)
    set(${R_OUTPUT_VAR} "${out}" PARENT_SCOPE)
  endif()
endfunction()

# Removes a directory of ours, refusing anything outside the build tree.
function(clean dir)
  string(FIND "${dir}/" "${KCC_BUILD_DIR}/" at)
  if(NOT at EQUAL 0)
    fail("refusing to remove ${dir}: not inside ${KCC_BUILD_DIR}")
  endif()
  file(REMOVE_RECURSE "${dir}")
endfunction()

# Configures examples/consumer in <build> against PREFIX (models from
# <models>, if given) and builds it.
function(configure_consumer build)
  set(args -S ${KCC_SOURCE_DIR}/examples/consumer -B ${build} -G ${GENERATOR}
      -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_C_COMPILER=${C_COMPILER}
      "-DCMAKE_C_FLAGS=${C_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${LINK_FLAGS}")
  if(MAKE_PROGRAM)
    list(APPEND args -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM})
  endif()
  if(BUILD_TYPE)
    list(APPEND args -DCMAKE_BUILD_TYPE=${BUILD_TYPE})
  endif()
  if(ARGC GREATER 1)
    list(APPEND args -DCONSUMER_MODELS_DIR=${ARGV1})
  endif()
  clean("${build}")
  run("configure examples/consumer" COMMAND ${CMAKE_COMMAND} ${args})
  # find_package must have found the package just installed, not another.
  file(STRINGS "${build}/CMakeCache.txt" found REGEX "^kcc_DIR:")
  string(REGEX REPLACE "^kcc_DIR:[A-Z]*=" "" found "${found}")
  file(REAL_PATH "${found}" found)
  file(REAL_PATH "${PREFIX}/${LIBDIR}/cmake/kcc" expected)
  if(NOT found STREQUAL expected)
    fail("find_package(kcc) found ${found}, not ${expected}")
  endif()
endfunction()

function(build_consumer build what out_var)
  run("${what}" COMMAND ${CMAKE_COMMAND} --build ${build} OUTPUT_VAR out)
  set(${out_var} "${out}" PARENT_SCOPE)
  run("run the consumer program" COMMAND ${build}/consumer OUTPUT_VAR out)
  message("${out}")
endfunction()

if(STEP STREQUAL "files")
  clean("${PREFIX}")
  # DESTDIR from the environment would put the files elsewhere.
  run("cmake --install" COMMAND ${CMAKE_COMMAND} -E env --unset=DESTDIR
      ${CMAKE_COMMAND} --install ${KCC_BUILD_DIR} --prefix ${PREFIX})
  foreach(f ${BINDIR}/kcc ${LIBDIR}/libkcc_runtime.a ${INCLUDEDIR}/kcc.h
            ${LIBDIR}/cmake/kcc/kccConfig.cmake ${LIBDIR}/cmake/kcc/kccConfigVersion.cmake
            ${LIBDIR}/cmake/kcc/kccTargets.cmake ${LIBDIR}/cmake/kcc/kccAddModel.cmake
            ${LIBDIR}/pkgconfig/kcc.pc)
    if(NOT EXISTS "${PREFIX}/${f}")
      fail("not installed: ${PREFIX}/${f}")
    endif()
  endforeach()
  # The installed header is the source's, and the installed kcc runs.
  file(SHA256 "${PREFIX}/${INCLUDEDIR}/kcc.h" installed)
  file(SHA256 "${KCC_SOURCE_DIR}/runtime/kcc.h" source)
  if(NOT installed STREQUAL source)
    fail("${PREFIX}/${INCLUDEDIR}/kcc.h differs from runtime/kcc.h")
  endif()
  run("installed kcc --version" COMMAND ${PREFIX}/${BINDIR}/kcc --version OUTPUT_VAR out)
  if(NOT out MATCHES "[0-9]+\\.[0-9]+\\.[0-9]+")
    fail("kcc --version printed no version:\n${out}")
  endif()

elseif(STEP STREQUAL "consumer")
  configure_consumer("${WORK}/consumer")
  build_consumer("${WORK}/consumer" "build examples/consumer" out)

elseif(STEP STREQUAL "regenerate")
  set(models "${WORK}/regenerate/models")
  set(build "${WORK}/regenerate/build")
  set(gen "${build}/kcc/xor.c")
  clean("${WORK}/regenerate")
  file(COPY "${KCC_SOURCE_DIR}/models/xor.json" "${KCC_SOURCE_DIR}/models/churn.json"
       DESTINATION "${models}")
  configure_consumer("${build}" "${models}")

  build_consumer("${build}" "first build" out)
  if(NOT out MATCHES "kcc: compiling [^\n]*xor\\.json")
    fail("the first build did not run kcc on xor.json:\n${out}")
  endif()
  file(READ "${gen}" before)
  file(TIMESTAMP "${gen}" before_time "%s" UTC)

  # Whole seconds from here on: whatever is written next has a later
  # mtime than the generated C, even on a file system with 1 s resolution.
  execute_process(COMMAND ${CMAKE_COMMAND} -E sleep 1.1)

  build_consumer("${build}" "second build" out)
  if(out MATCHES "kcc: compiling")
    fail("the second build ran kcc though nothing changed:\n${out}")
  endif()
  file(READ "${gen}" after)
  file(TIMESTAMP "${gen}" after_time "%s" UTC)
  if(NOT after STREQUAL before OR NOT after_time STREQUAL before_time)
    fail("the second build rewrote ${gen} though nothing changed")
  endif()

  # Change the hidden layer's activation: same sizes, different C.
  file(READ "${models}/xor.json" json)
  string(REPLACE "\"units\": 4,\n                   \"activation\": \"relu\""
                 "\"units\": 4,\n                   \"activation\": \"tanh\"" changed "${json}")
  if(changed STREQUAL json)
    fail("could not find dense_1's activation in ${models}/xor.json")
  endif()
  file(WRITE "${models}/xor.json" "${changed}")

  build_consumer("${build}" "build after changing xor.json" out)
  if(NOT out MATCHES "kcc: compiling [^\n]*xor\\.json")
    fail("changing xor.json did not run kcc again:\n${out}")
  endif()
  if(out MATCHES "kcc: compiling [^\n]*churn\\.json")
    fail("changing xor.json ran kcc on churn.json too:\n${out}")
  endif()
  file(READ "${gen}" after)
  if(after STREQUAL before)
    fail("changing xor.json left ${gen} as it was")
  endif()
  if(NOT after MATCHES "tanh")
    fail("${gen} does not use tanh after the change")
  endif()

else()
  fail("unknown STEP '${STEP}'")
endif()
