/* OCI image layouts as template sources (zone template add NAME DIR[:REF]). */
#ifndef ZONE_RUNTIME_IMAGE_H
#define ZONE_RUNTIME_IMAGE_H

#include <stdbool.h>

#include "../util/error.h"

/* dir holds an OCI image layout (oci-layout and index.json). */
bool image_is_layout (const char *dir);
/* Unpack the image ref names (NULL: the only one, or linux/amd64's) into dest: every blob read
   is checked against its digest; layers are applied in order, whiteouts included. *config is
   the image's config (what its containers run) as the image gives it (JSON). */
int image_unpack (const char *layout, const char *ref, const char *dest, char **config, zerr **err);

#endif
