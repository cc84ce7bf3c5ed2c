/* OCI image layouts: digests as paths (nothing else gets through), which manifest an index
   gives, a manifest's layers. */
#define _GNU_SOURCE
#include "unit.h"
#include "../../spec/oci_image.h"
#include "../../util/cleanup.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void
test_blob_path (void)
{
  static const char *const bad[] = {
    "sha256:" HEX64 "0",            /* too long */
    "sha256:0123",                  /* too short */
    "sha256:" "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", /* upper case */
    "sha256:../../../../etc/passwd0123456789abcdef0123456789abcdef01234567",
    "md5:0123456789abcdef0123456789abcdef",
    "sha256",
  };
  char *p = NULL;
  zerr *err = NULL;

  CHECK (oci_blob_path ("sha256:" HEX64, &p, &err) == 0);
  CHECK_STR_CONTAINS (p, "blobs/sha256/" HEX64);
  free (p);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      p = NULL;
      CHECK (oci_blob_path (bad[i], &p, &err) < 0);
      CHECK (p == NULL);
      CHECK (err != NULL);
      zerr_free (&err);
    }
}

static void
test_index_pick (void)
{
  const char *one = "{\"manifests\": [{\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\", \"digest\": \"sha256:" HEX64 "\"}]}";
  const char *several = "{\"manifests\": ["
                        "{\"digest\": \"sha256:aa\", \"platform\": {\"os\": \"linux\", \"architecture\": \"arm64\"}},"
                        "{\"digest\": \"sha256:bb\", \"platform\": {\"os\": \"linux\", \"architecture\": \"amd64\"},"
                        " \"annotations\": {\"org.opencontainers.image.ref.name\": \"v2\"}},"
                        "{\"digest\": \"sha256:cc\", \"mediaType\": \"application/vnd.oci.image.index.v1+json\","
                        " \"annotations\": {\"org.opencontainers.image.ref.name\": \"all\"}}]}";
  char *d = NULL;
  bool nested = true;
  zerr *err = NULL;

  CHECK (oci_index_pick (one, NULL, &d, &nested, &err) == 0 && !nested);
  CHECK_STR_CONTAINS (d, HEX64);
  free (d);
  /* no ref: the linux/amd64 one, not the first */
  CHECK (oci_index_pick (several, NULL, &d, &nested, &err) == 0);
  CHECK_STR_CONTAINS (d, "sha256:bb");
  free (d);
  /* by ref name; one that is an index says so */
  CHECK (oci_index_pick (several, "all", &d, &nested, &err) == 0 && nested);
  CHECK_STR_CONTAINS (d, "sha256:cc");
  free (d);
  CHECK (oci_index_pick (several, "v9", &d, &nested, &err) < 0);
  CHECK_STR_CONTAINS (err ? err->msg : NULL, "no manifest named `v9`");
  zerr_free (&err);
  CHECK (oci_index_pick ("{\"manifests\": []}", NULL, &d, &nested, &err) < 0);
  CHECK_STR_CONTAINS (err ? err->msg : NULL, "lists no manifests");
  zerr_free (&err);
  CHECK (oci_index_pick ("[1", NULL, &d, &nested, &err) < 0);
  zerr_free (&err);
}

static void
test_manifest_layers (void)
{
  const char *m = "{\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\", \"layers\": ["
                  "{\"mediaType\": \"application/vnd.oci.image.layer.v1.tar+gzip\", \"digest\": \"sha256:11\"},"
                  "{\"mediaType\": \"application/vnd.oci.image.layer.v1.tar\", \"digest\": \"sha256:22\"}]}";
  char **d = NULL, **t = NULL;
  zerr *err = NULL;

  CHECK (oci_manifest_layers (m, &d, &t, &err) == 0);
  CHECK (d && d[0] && d[1] && d[2] == NULL);
  CHECK_STR_CONTAINS (d ? d[1] : NULL, "sha256:22");
  CHECK_STR_CONTAINS (t ? t[0] : NULL, "tar+gzip");
  strv_free (d);
  strv_free (t);
  CHECK (oci_manifest_layers ("{\"layers\": [{\"mediaType\": \"x\"}]}", &d, &t, &err) < 0);
  CHECK_STR_CONTAINS (err ? err->msg : NULL, "layers[0] has no digest");
  zerr_free (&err);
  CHECK (oci_manifest_layers ("{\"mediaType\": \"application/vnd.oci.image.index.v1+json\", \"manifests\": []}", &d, &t,
                              &err) < 0);
  CHECK_STR_CONTAINS (err ? err->msg : NULL, "is not an image manifest");
  zerr_free (&err);
}

static void
test_image_config (void)
{
  struct oci_image_defaults d;
  zerr *err = NULL;

  CHECK (oci_image_config ("{\"config\": {\"Entrypoint\": [\"/bin/app\"], \"Cmd\": [\"--port\", \"80\"], "
                           "\"Env\": [\"A=1\"], \"WorkingDir\": \"/srv\"}}", &d, &err) == 0);
  CHECK (d.args && strcmp (d.args[0], "/bin/app") == 0 && strcmp (d.args[2], "80") == 0 && d.args[3] == NULL);
  CHECK (d.env && strcmp (d.env[0], "A=1") == 0 && d.cwd && strcmp (d.cwd, "/srv") == 0);
  oci_image_defaults_free (&d);
  /* nothing said: nothing given */
  CHECK (oci_image_config ("{\"architecture\": \"amd64\"}", &d, &err) == 0);
  CHECK (d.args == NULL && d.env == NULL && d.cwd == NULL);
  CHECK (oci_image_config ("{\"config\": {\"Cmd\": \"sh\"}}", &d, &err) < 0);
  CHECK_STR_CONTAINS (err ? err->msg : NULL, "arrays of strings");
  zerr_free (&err);
  CHECK (oci_image_config ("{\"config\": {\"Env\": [1]}}", &d, &err) < 0);
  zerr_free (&err);
}

int
main (void)
{
  test_blob_path ();
  test_index_pick ();
  test_manifest_layers ();
  test_image_config ();
  UNIT_DONE ();
}
