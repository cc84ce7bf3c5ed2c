/* zone's network annotations: each input line is KEY=VALUE, KEY taken below org.zone.net. */
#include "../../netns/netconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *text = malloc (size + 1), *save = NULL;
  struct zone_kv kv[16];
  size_t n = 0;
  struct zone_net net = { 0 };
  zerr *err = NULL;

  memcpy (text, data, size);
  text[size] = '\0';
  for (char *line = strtok_r (text, "\n", &save); line && n < 16; line = strtok_r (NULL, "\n", &save))
    {
      char *eq = strchr (line, '=');
      if (eq == NULL)
        continue;
      *eq = '\0';
      kv[n].key = malloc (strlen (line) + 16);
      strcpy (kv[n].key, "org.zone.net.");
      strcat (kv[n].key, line);
      kv[n].value = eq + 1;
      n++;
    }
  if (zone_net_parse_annotations (kv, n, true, &net, &err) < 0 && (err == NULL || strchr (err->msg, '\n')))
    abort ();
  zone_net_free (&net);
  zerr_free (&err);
  for (size_t i = 0; i < n; i++)
    free (kv[i].key);
  free (text);
  return 0;
}
