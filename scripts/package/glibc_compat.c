/*
 * Linked into the release `bootstrap` by scripts/package/package_lambda.sh.
 *
 * Swift's Glibc overlay (libswiftGlibc.a, pulled in by every `import Glibc`) references hypotf.
 * Linked against Debian 12's glibc 2.36 that reference binds to hypotf@GLIBC_2.35, which Amazon
 * Linux 2023 (glibc 2.34) lacks: the binary would not even start on Lambda. Defining the symbol
 * in the executable resolves the reference here instead of in libm. hypotf32 (GLIBC_2.27 on every
 * architecture) is the very same implementation glibc 2.35 exports as the new hypotf, so results
 * are bit-identical. Same for hypot / hypotf32x. check_glibc.sh guards against any other symbol.
 */
extern float hypotf32(float, float);
extern double hypotf32x(double, double);

float hypotf(float x, float y) { return hypotf32(x, y); }
double hypot(double x, double y) { return hypotf32x(x, y); }
