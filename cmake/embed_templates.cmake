# cmake -DOUT=templates.c -DDIR=templates -DHEADER=runtime/kcc.h -P embed_templates.cmake
# Writes every DIR/*.in as a C string: {"name", "text"}, ...  (sorted,
# so the output is the same on every machine), and the runtime's header
# as "kcc.h": kcc fit writes it beside the training code it compiles.
file(GLOB TEMPLATES "${DIR}/*.in")
list(SORT TEMPLATES)
list(APPEND TEMPLATES "${HEADER}")
set(body "/* Generated from templates/ by cmake/embed_templates.cmake. */\n")
string(APPEND body "typedef struct KccTemplate { const char *name; const char *text; } KccTemplate;\n")
string(APPEND body "extern const KccTemplate kcc_templates[];\nextern const int kcc_ntemplates;\n")
string(APPEND body "const KccTemplate kcc_templates[] = {\n")
set(count 0)
foreach(f IN LISTS TEMPLATES)
  get_filename_component(name "${f}" NAME)
  string(REGEX REPLACE "\\.in$" "" name "${name}") # kcc.h stays kcc.h
  file(READ "${f}" text)
  string(REPLACE "\\" "\\\\" text "${text}")
  string(REPLACE "\"" "\\\"" text "${text}")
  string(REPLACE "\n" "\\n\"\n    \"" text "${text}")
  string(APPEND body "  {\"${name}\",\n    \"${text}\"},\n")
  math(EXPR count "${count} + 1")
endforeach()
string(APPEND body "};\nconst int kcc_ntemplates = ${count};\n")
file(WRITE "${OUT}.tmp" "${body}")
file(RENAME "${OUT}.tmp" "${OUT}")
