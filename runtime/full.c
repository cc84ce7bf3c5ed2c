#include "full.h"
#include "../netns/netconf.h"
#include "../util/rootless.h"

bool
zone_config_needs_full (const struct zone_runtime *rt, const struct zone_config *c)
{
  struct zone_net n = { 0 };
  bool bridge;

  if (rt->cgroup_manager == ZONE_CGROUP_SYSTEMD)
    return true;
  /* A config zone_net_parse refuses is refused by whichever build checks it. */
  bridge = zone_net_parse (c, &n, NULL) == 0 && n.bridge;
  zone_net_free (&n);
  /* An ordinary user's bridge is refused (create's checks), by either build. */
  return bridge && !running_rootless ();
}

int
zone_full_if (const struct zone_runtime *rt, bool needed, zerr **err)
{
  if (!needed || rt->reexec_full == NULL)
    return 0;
  return rt->reexec_full (err);
}
