// SecureBuffer tests
#include <catch2/catch.hpp>
