/* state.json parser: what it accepts must survive a write and a second read unchanged. */
#include "../../spec/state.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *text = malloc (size + 1);
  struct zone_state *s = NULL, *again = NULL;
  zerr *err = NULL;

  memcpy (text, data, size);
  text[size] = '\0';
  if (zone_state_parse (text, &s, &err) == 0)
    {
      char *json = zone_state_to_json (s, false), *json2;
      if (zone_state_parse (json, &again, &err) < 0)
        abort ();
      json2 = zone_state_to_json (again, false);
      if (strcmp (json, json2) != 0)
        abort ();
      free (json);
      free (json2);
      zone_state_free (again);
      zone_state_free (s);
    }
  zerr_free (&err);
  free (text);
  return 0;
}
