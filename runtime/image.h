/* OCI image layouts as template sources (zone template add NAME DIR[:REF]). */
#ifndef ZONE_RUNTIME_IMAGE_H
#define ZONE_RUNTIME_IMAGE_H

#include <stdbool.h>

#include "../util/error.h"

/* dir holds an OCI image layout (oci-layout and index.json). */
bool image_is_layout (const char *dir);
/* Unpack the image ref names (NULL: the only one, or linux/amd64's) into dest: every blob read
   is checked against its digest; layers are applied in order, whiteouts included. */
int image_unpack (const char *layout, const char *ref, const char *dest, zerr **err);
/* The image's config (what its containers run), in the image config's own JSON form: written
   beside a template (TEMPLATES/.NAME.image), read back at create. */
int image_config_json (const char *layout, const char *ref, char **json, zerr **err);

#endif
