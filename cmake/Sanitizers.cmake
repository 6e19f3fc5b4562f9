# ASan + UBSan for the `asan` preset: every target, no recovery from UB.
if(SOPVAULT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
if(SOPVAULT_SANITIZE)
  # LeakSanitizer stops the world with ptrace, which a non-dumpable process forbids.
  add_compile_definitions(SOPVAULT_SANITIZER_BUILD=1)
endif()
# libFuzzer's coverage instrumentation for the `fuzz` preset (clang): every library, so the
# fuzzers see which branches of core and crypto an input reached; the fuzz programs link
# -fsanitize=fuzzer for libFuzzer's main.
if(SOPVAULT_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
