# Install rules and the Debian package: the two programs, the desktop entry (which registers the
# sopvault:// handler), the icon, the AppStream metadata, the CLI's man page and bash completion
# (both made from its own --help texts after it is built), the licence and the CLI reference.
# `make install` and `make package` (README) use these; tests/package checks what they give.
include(GNUInstallDirs)

if(TARGET sopvault-cli)
  install(TARGETS sopvault-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  # Made by running the CLI; a sanitizer build leaves them out (its programs are not for users).
  if(NOT SOPVAULT_SANITIZE)
    find_program(SOPVAULT_HELP2MAN help2man REQUIRED)
    set(man ${CMAKE_BINARY_DIR}/share/sopvault-cli.1)
    set(completion ${CMAKE_BINARY_DIR}/share/sopvault-cli.bash)
    add_custom_command(
      OUTPUT ${man}
      COMMAND ${SOPVAULT_HELP2MAN} --no-info --section=1
              "--name=${PROJECT_DESCRIPTION_SHORT}"
              --include=${PROJECT_SOURCE_DIR}/resources/sopvault-cli.h2m
              --output=${man} $<TARGET_FILE:sopvault-cli>
      DEPENDS sopvault-cli ${PROJECT_SOURCE_DIR}/resources/sopvault-cli.h2m
      COMMENT "Writing the sopvault-cli man page from its --help"
      VERBATIM)
    add_custom_command(
      OUTPUT ${completion}
      COMMAND sh -c "\"$0\" \"$1\" > \"$2\"" ${PROJECT_SOURCE_DIR}/scripts/cli-completion
              $<TARGET_FILE:sopvault-cli> ${completion}
      DEPENDS sopvault-cli ${PROJECT_SOURCE_DIR}/scripts/cli-completion
              ${PROJECT_SOURCE_DIR}/scripts/cli-commands
      COMMENT "Writing the sopvault-cli bash completion from its --help"
      VERBATIM)
    add_custom_target(sopvault_cli_manual ALL DEPENDS ${man} ${completion})
    install(FILES ${man} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
    install(FILES ${completion} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
            RENAME sopvault-cli)
  endif()
endif()

if(TARGET sopvault)
  install(TARGETS sopvault RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(FILES ${PROJECT_SOURCE_DIR}/resources/sopvault.desktop
          DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/sopvault.svg
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/org.sopvault.SOPVault.metainfo.xml
          DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
endif()

install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)
install(FILES ${PROJECT_SOURCE_DIR}/docs/cli.md ${PROJECT_SOURCE_DIR}/docs/teams.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The Debian package: installs under /usr; its library dependencies come from dpkg-shlibdeps,
# plus what is loaded at run time and not linked (Qt's SVG plugin for the icon, the fonts).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sopvault)
set(CPACK_PACKAGE_VENDOR "SOP Vault")
set(CPACK_PACKAGE_CONTACT "SOP Vault maintainers <maintainers@sopvault.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION_SHORT}")
set(CPACK_PACKAGE_DESCRIPTION
    "SOP Vault keeps an IT team's standard operating procedures and runbooks encrypted, \
access-controlled, versioned and reviewed: a Qt desktop app and sopvault-cli over one core, \
with team sync through the team's own PostgreSQL server, which never sees text or keys.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libqt6svg6, fonts-dejavu-core, cracklib-runtime")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postgresql-15")
set(CPACK_STRIP_FILES ON)
include(CPack)
