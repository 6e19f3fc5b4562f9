# Embeds the numbered server migrations of schema/postgres/ into a generated C++ source, so
# `sopvault-cli server init` carries the schema it applies (no loose .sql files to ship).
function(sopvault_embed_pg_schema out_var)
  file(GLOB migrations CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/schema/postgres/[0-9][0-9][0-9][0-9]_*.sql)
  list(SORT migrations)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/EmbeddedPgSchema.cpp)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} "-DMIGRATIONS=${migrations}"
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedPgSchemaScript.cmake
    DEPENDS ${migrations} ${PROJECT_SOURCE_DIR}/cmake/EmbedPgSchemaScript.cmake
    COMMENT "Embedding server schema migrations"
    VERBATIM)
  set(${out_var} ${out} PARENT_SCOPE)
endfunction()
