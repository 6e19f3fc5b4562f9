# Embeds numbered SQL migrations (NNNN_name.sql) into a generated C++ source, so a binary carries
# the schema it applies and no loose .sql files ship: the vault file's (schema/) and the team
# server's (schema/postgres/).
#   sopvault_embed_migrations(out_var DIR schema/postgres OUTPUT EmbeddedPgSchema.cpp
#     HEADER "PgMigrations.h" NAMESPACE sopvault::remote::detail TYPE PgMigration
#     FUNCTION pgMigrations)
function(sopvault_embed_migrations out_var)
  cmake_parse_arguments(E "" "DIR;OUTPUT;HEADER;NAMESPACE;TYPE;FUNCTION" "" ${ARGN})
  file(GLOB migrations CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${E_DIR}/[0-9][0-9][0-9][0-9]_*.sql)
  list(SORT migrations)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${E_OUTPUT})
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} "-DMIGRATIONS=${migrations}" -DDIR=${E_DIR}
            -DHEADER=${E_HEADER} -DNAMESPACE=${E_NAMESPACE} -DTYPE=${E_TYPE}
            -DFUNCTION=${E_FUNCTION} -P ${PROJECT_SOURCE_DIR}/cmake/EmbedSchemaScript.cmake
    DEPENDS ${migrations} ${PROJECT_SOURCE_DIR}/cmake/EmbedSchemaScript.cmake
    COMMENT "Embedding the migrations of ${E_DIR}"
    VERBATIM)
  set(${out_var} ${out} PARENT_SCOPE)
endfunction()
