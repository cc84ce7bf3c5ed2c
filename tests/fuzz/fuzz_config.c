/* config.json parser and validator: any text gives a config or one error, never a crash. */
#include "../../spec/config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *text = malloc (size + 1);
  struct zone_config *c = NULL;
  zerr *err = NULL;

  memcpy (text, data, size);
  text[size] = '\0';
  if (zone_config_parse ("config.json", text, &c, &err) == 0)
    zone_config_free (c);
  else if (err == NULL || err->msg == NULL || strchr (err->msg, '\n'))
    abort (); /* every failure is exactly one line */
  zerr_free (&err);
  free (text);
  return 0;
}
