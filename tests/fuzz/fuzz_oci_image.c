/* An OCI image layout's JSON comes from whoever made the image: the index and manifest parsers
   must take anything, and every digest they hand on must be one oci_blob_path accepts as a
   path under blobs/ (no "..", no "/" of its own). */
#include "../../spec/oci_image.h"
#include "../../util/cleanup.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void
check_path (const char *digest)
{
  char *p = NULL;
  zerr *err = NULL;
  if (oci_blob_path (digest, &p, &err) == 0)
    {
      /* blobs/ALG/HEX and nothing else */
      if (strncmp (p, "blobs/sha", 9) != 0 || strstr (p, "..") || strchr (p + 13, '/'))
        abort ();
      free (p);
    }
  zerr_free (&err);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *text = malloc (size + 1), *digest = NULL, **layers = NULL, **types = NULL;
  bool nested;
  zerr *err = NULL;

  memcpy (text, data, size);
  text[size] = '\0';
  check_path (text);
  if (oci_index_pick (text, size & 1 ? "latest" : NULL, &digest, &nested, &err) == 0)
    {
      check_path (digest);
      free (digest);
    }
  zerr_free (&err);
  if (oci_manifest_layers (text, &layers, &types, &err) == 0)
    {
      for (size_t i = 0; layers[i]; i++)
        check_path (layers[i]);
      strv_free (layers);
      strv_free (types);
    }
  zerr_free (&err);
  free (text);
  return 0;
}
