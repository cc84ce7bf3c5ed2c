/* argv building and the shell quoting migrate's remote commands rely on: every word comes back
   unchanged through a real sh. */
#define _GNU_SOURCE
#include "unit.h"
#include "../../util/argv.h"

#include <stdlib.h>

/* What sh makes of the quoted word: printf %s WORD. */
static char *
through_sh (const char *word)
{
  struct strbuf cmd = { 0 }, sb = { 0 };
  char buf[512];
  size_t n;
  FILE *p;

  strbuf_append_shell_word (&sb, word);
  strbuf_appendf (&cmd, "printf %%s %s", sb.buf);
  p = popen (cmd.buf, "r");
  n = p ? fread (buf, 1, sizeof buf - 1, p) : 0;
  buf[n] = '\0';
  if (p)
    pclose (p);
  free (cmd.buf);
  free (sb.buf);
  return strdup (buf);
}

int
main (void)
{
  static const char *const words[] = {
    "plain", "with space", "it's", "'", "''", "a'b'c", "$(touch /tmp/x) `id` \\ \" * ? ; & | > <", "\n", "-n",
  };
  struct argv a = { 0 };
  struct strbuf sb = { 0 };

  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    {
      char *back = through_sh (words[i]);
      CHECK (strcmp (back, words[i]) == 0);
      if (strcmp (back, words[i]) != 0)
        fprintf (stderr, "  `%s` came back as `%s`\n", words[i], back);
      free (back);
    }
  strbuf_append_shell_word (&sb, "it's");
  CHECK (strcmp (sb.buf, "'it'\\''s'") == 0);
  free (sb.buf);

  argv_push (&a, "ssh");
  argv_push (&a, "-o%s=%d", "Port", 22);
  CHECK (a.n == 2 && strcmp (a.v[1], "-oPort=22") == 0 && a.v[2] == NULL);
  argv_free (&a);
  CHECK (a.v == NULL && a.n == 0);
  UNIT_DONE ();
}
