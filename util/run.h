/* Running a tool zone relies on (tar, cp) and reporting its failure in one line. */
#ifndef ZONE_UTIL_RUN_H
#define ZONE_UTIL_RUN_H

#include "argv.h"
#include "error.h"

/* Run a->v with stdin and stdout on /dev/null; 0 when it exits 0, else an error "WHAT: the last
   line it wrote on stderr". */
int run_tool (const char *what, const struct argv *a, zerr **err);
/* tar -x of archive into dir, ids as numbers, xattrs kept; GNU tar tells plain, gzip, bzip2, xz
   and zstd archives apart by their bytes when it reads a file. */
void argv_tar_extract (struct argv *a, const char *archive, const char *dir);

#endif
