# Compiler and linker hardening for every target: stack protector, fortify, PIE, full RELRO.
add_compile_options(-fstack-protector-strong)
if(NOT SOPVAULT_SANITIZE)
  # _FORTIFY_SOURCE needs optimisation (every preset but asan builds with -O2) and
  # duplicates ASan's own checks.
  add_compile_options(-U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2)
endif()
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
add_link_options(-pie -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack)
