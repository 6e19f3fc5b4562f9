# Embeds the numbered SQL migrations of schema/ into a generated C++ source, so the binary
# carries its schema and a file can be migrated without shipping loose .sql files.
function(sopvault_embed_schema out_var)
  file(GLOB migrations CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/schema/[0-9][0-9][0-9][0-9]_*.sql)
  list(SORT migrations)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/EmbeddedSchema.cpp)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} "-DMIGRATIONS=${migrations}"
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedSchemaScript.cmake
    DEPENDS ${migrations} ${PROJECT_SOURCE_DIR}/cmake/EmbedSchemaScript.cmake
    COMMENT "Embedding schema migrations"
    VERBATIM)
  set(${out_var} ${out} PARENT_SCOPE)
endfunction()
