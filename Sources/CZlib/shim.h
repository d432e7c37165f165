/* zlib (Debian: zlib1g-dev), for the gzip-compressed wire trace (trace.txt.gz). */
#include <zlib.h>

/* deflateInit2 is a macro, which Swift cannot call: a deflate stream that
   writes the gzip wrapper (window bits 15 + 16) at `level` (0-9). */
static inline int tb_deflate_init_gzip(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
