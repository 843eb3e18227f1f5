# kcc_add_model(<target> MODEL <file>
#               [NAME <prefix>]            API prefix and file name (default:
#                                          the model file's name, sanitized)
#               [WEIGHTS embed|separate|runtime]
#               [LOAD_WEIGHTS <model.json>] weights from a TF.js model.json
#               [SEED <n>] [INPUT_SHAPE <d,d,...>] [FLOATX float32|float64]
#               [KERAS_CONFIG <keras.json>]
#               [TRAIN [BATCH_SIZE <n>]]    the model compiled for training:
#                                          <NAME>.c defines <NAME>_def; link
#                                          kcc::runtime
#               [OPTIONS <more kcc arguments>...])
#
# Generates <NAME>.c and <NAME>.h from the model at build time, in
# ${CMAKE_CURRENT_BINARY_DIR}/kcc, and adds them to <target>.  The C is
# generated again whenever the model, its weight shards, keras.json or kcc
# itself change.  With WEIGHTS runtime, the weight file to load at run
# time is ${CMAKE_CURRENT_BINARY_DIR}/kcc/<NAME>.weights; its path is also
# stored in the variable <NAME>_KCC_WEIGHTS.
function(kcc_add_model target)
  cmake_parse_arguments(PARSE_ARGV 1 K "TRAIN"
    "MODEL;NAME;WEIGHTS;LOAD_WEIGHTS;SEED;INPUT_SHAPE;FLOATX;KERAS_CONFIG;BATCH_SIZE" "OPTIONS")
  if(K_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "kcc_add_model: unknown arguments: ${K_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT K_MODEL)
    message(FATAL_ERROR "kcc_add_model(${target}): MODEL <file> is required")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "kcc_add_model: no target named '${target}'")
  endif()
  get_filename_component(model "${K_MODEL}" ABSOLUTE)
  if(NOT K_NAME)
    get_filename_component(K_NAME "${model}" NAME_WE)
    string(MAKE_C_IDENTIFIER "${K_NAME}" K_NAME)
  endif()
  if(NOT K_WEIGHTS)
    set(K_WEIGHTS embed)
  endif()
  if(NOT K_WEIGHTS MATCHES "^(embed|separate|runtime)$")
    message(FATAL_ERROR "kcc_add_model(${target}): WEIGHTS must be embed, separate or runtime")
  endif()

  set(dir ${CMAKE_CURRENT_BINARY_DIR}/kcc)
  set(out_c ${dir}/${K_NAME}.c)
  set(outputs ${out_c} ${dir}/${K_NAME}.h)
  set(sources ${out_c})
  if(K_WEIGHTS STREQUAL "separate")
    list(APPEND outputs ${dir}/${K_NAME}_weights.c)
    list(APPEND sources ${dir}/${K_NAME}_weights.c)
  elseif(K_WEIGHTS STREQUAL "runtime")
    list(APPEND outputs ${dir}/${K_NAME}.weights)
    set(${K_NAME}_KCC_WEIGHTS ${dir}/${K_NAME}.weights PARENT_SCOPE)
  endif()

  set(args ${model} -o ${out_c} --name ${K_NAME} --depfile ${dir}/${K_NAME}.d)
  if(K_TRAIN)
    list(APPEND args --train)
    if(K_BATCH_SIZE)
      list(APPEND args --batch-size ${K_BATCH_SIZE})
    endif()
  else()
    list(APPEND args --weights ${K_WEIGHTS})
  endif()
  set(deps ${model})
  if(K_LOAD_WEIGHTS)
    get_filename_component(lw "${K_LOAD_WEIGHTS}" ABSOLUTE)
    list(APPEND args --load-weights ${lw})
    list(APPEND deps ${lw})
  endif()
  if(DEFINED K_SEED)
    list(APPEND args --seed ${K_SEED})
  endif()
  if(K_INPUT_SHAPE)
    list(APPEND args --input-shape ${K_INPUT_SHAPE})
  endif()
  if(K_FLOATX)
    list(APPEND args --floatx ${K_FLOATX})
  endif()
  if(K_KERAS_CONFIG)
    get_filename_component(kc "${K_KERAS_CONFIG}" ABSOLUTE)
    list(APPEND args --keras-config ${kc})
    list(APPEND deps ${kc})
  endif()
  list(APPEND args ${K_OPTIONS})

  file(MAKE_DIRECTORY ${dir})
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND kcc::kcc ${args}
    DEPENDS ${deps} kcc::kcc
    DEPFILE ${dir}/${K_NAME}.d
    COMMENT "kcc: compiling ${K_MODEL} to ${K_NAME}.c"
    VERBATIM)
  target_sources(${target} PRIVATE ${sources})
  target_include_directories(${target} PRIVATE ${dir})
  if(UNIX AND NOT APPLE)
    # Not target_link_libraries: it would force one signature on the caller.
    set_property(TARGET ${target} APPEND PROPERTY LINK_LIBRARIES m)
  endif()
endfunction()
