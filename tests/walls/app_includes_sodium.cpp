// Must not compile: the front ends reach libsodium only through crypto/. See tests/walls.
#include <sodium.h>
