# Writes a C++ file defining `const char* <SYMBOL>()` returning the text of INPUT.
file(READ "${INPUT}" text)
file(WRITE "${OUTPUT}.tmp" "// Generated from ${INPUT} by embed_text.cmake.\nnamespace tenantca::embedded {\nconst char* ${SYMBOL}() {\n  return R\"tenantca_text(${text})tenantca_text\";\n}\n}  // namespace tenantca::embedded\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
