// Must not compile: core may not include libsodium (only crypto/ may). See tests/walls.
#include <sodium.h>
