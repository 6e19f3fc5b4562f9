// Wall: only core/remote may include libpq-fe.h. This decoy sits first on the include path of
// every other target so that a stray include fails the build (style.md, dependency walls).
#error "libpq-fe.h is only for core/remote; use the remote Connection wrapper"
