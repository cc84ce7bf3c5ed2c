/* An OCI image layout (index.json, manifests, blobs/ALG/HEX) as a template's source: which
   manifest to take and its layers. Pure parsing, no file is read here. */
#ifndef ZONE_SPEC_OCI_IMAGE_H
#define ZONE_SPEC_OCI_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/error.h"

/* A descriptor's digest as a path in the layout: "sha256:HEX" (64 lowercase hex digits) or
   "sha512:HEX" (128) -> "blobs/ALG/HEX"; anything else is refused (it names a file). */
int oci_blob_path (const char *digest, char **out, zerr **err);

/* From an index (index.json, or a nested image index): the digest of the manifest to take and
   whether it is itself an index. ref picks by org.opencontainers.image.ref.name; without it,
   the only manifest, else the first for linux/amd64 (or without a platform). */
int oci_index_pick (const char *json, const char *ref, char **digest, bool *is_index, zerr **err);

/* The layers of an image manifest, in order: digests and media types, NULL-terminated. */
int oci_manifest_layers (const char *json, char ***digests, char ***media_types, zerr **err);
/* The digest of a manifest's image config. */
int oci_manifest_config (const char *json, char **digest, zerr **err);

/* What an image's config says its containers run: args (Entrypoint then Cmd), Env and
   WorkingDir, each NULL when the image gives none. */
struct oci_image_defaults
{
  char **args, **env, *cwd;
};
int oci_image_config (const char *json, struct oci_image_defaults *out, zerr **err);
void oci_image_defaults_free (struct oci_image_defaults *d);

#endif
