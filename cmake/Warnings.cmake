# Project warning set, applied per target with sopvault_warnings(target).
function(sopvault_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast
    -Wnon-virtual-dtor -Woverloaded-virtual -Wdouble-promotion
    -Wformat=2 -Wimplicit-fallthrough -Wcast-qual)
  if(SOPVAULT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(SOPVAULT_SANITIZE)
    # g++ 12 at -O1 with the sanitizers reports std::regex and std::function internals as
    # "maybe uninitialized" (false positives); the dev preset keeps the warning.
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
endfunction()

# Dependency walls: put decoy headers first on a target's include path so that including a
# header the target may not use fails at compile time, even where the real one is installed in
# /usr/include. Usage: sopvault_wall(target sodium sqlite)
function(sopvault_wall target)
  foreach(wall IN LISTS ARGN)
    target_include_directories(${target} BEFORE PRIVATE ${PROJECT_SOURCE_DIR}/cmake/walls/${wall})
  endforeach()
endfunction()
