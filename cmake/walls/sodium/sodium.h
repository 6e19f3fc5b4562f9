// Wall: only crypto/ may include sodium.h. This decoy sits first on the include path of every
// other target so that a stray include fails the build (style.md, dependency walls).
#error "sodium.h is only for crypto/; use sopvault/crypto/Crypto.h"
