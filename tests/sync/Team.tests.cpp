// Team sync tests: Team (see CMakeLists.txt).
