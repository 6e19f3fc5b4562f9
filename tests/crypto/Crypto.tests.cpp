// Crypto tests
#include <catch2/catch.hpp>
