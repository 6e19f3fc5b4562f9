# ASan + UBSan for the `asan` preset: every target, no recovery from UB.
if(SOPVAULT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
if(SOPVAULT_SANITIZE)
  # LeakSanitizer stops the world with ptrace, which a non-dumpable process forbids.
  add_compile_definitions(SOPVAULT_SANITIZER_BUILD=1)
endif()
