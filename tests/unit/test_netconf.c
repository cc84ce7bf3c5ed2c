/* org.zone.net.* annotations: what each one means, and one clear error for each bad value. */
#define _GNU_SOURCE
#include "unit.h"
#include "../../netns/netconf.h"

#include <arpa/inet.h>

static int
parse (const char *const *kv, struct zone_net *n, zerr **err)
{
  struct zone_kv ann[8];
  size_t k = 0;
  for (; kv[2 * k]; k++)
    ann[k] = (struct zone_kv){ (char *) kv[2 * k], (char *) kv[2 * k + 1] };
  return zone_net_parse_annotations (ann, k, true, n, err);
}

static const char *
ip (struct in_addr a)
{
  static char buf[INET_ADDRSTRLEN];
  return inet_ntop (AF_INET, &a, buf, sizeof buf);
}

static void
test_defaults_and_ports (void)
{
  const char *kv[] = { "org.zone.net.mode", "bridge", "org.zone.net.ports", "8080:80,127.0.0.1:5353:53/udp", NULL };
  struct zone_net n;
  zerr *err = NULL;

  CHECK (parse (kv, &n, &err) == 0);
  CHECK (n.bridge);
  CHECK (strcmp (n.bridge_name, "zone0") == 0);
  CHECK_STR_CONTAINS (ip (n.subnet), "10.77.0.0");
  CHECK (n.prefix == 16);
  CHECK_STR_CONTAINS (ip (n.gateway), "10.77.0.1");
  CHECK (!n.has_address);
  CHECK (n.n_ports == 2);
  CHECK (n.ports[0].host_ip.s_addr == INADDR_ANY && n.ports[0].host_port == 8080 && n.ports[0].zone_port == 80
         && n.ports[0].proto == IPPROTO_TCP);
  CHECK_STR_CONTAINS (ip (n.ports[1].host_ip), "127.0.0.1");
  CHECK (n.ports[1].host_port == 5353 && n.ports[1].zone_port == 53 && n.ports[1].proto == IPPROTO_UDP);
  zone_net_free (&n);

  {
    const char *none[] = { "org.zone.net.mode", "none", NULL };
    CHECK (parse (none, &n, &err) == 0 && !n.bridge);
    CHECK (parse ((const char *const[]){ NULL }, &n, &err) == 0 && !n.bridge);
  }
}

static const struct
{
  const char *key, *value, *message;
} bad[] = {
  { "org.zone.net.mode", "overlay", "annotations.org.zone.net.mode: `overlay` is not bridge, slirp4netns or none" },
  { "org.zone.net.subnet", "10.0.0.0/33", "annotations.org.zone.net.subnet: `10.0.0.0/33`" },
  { "org.zone.net.subnet", "10.0.0.1/24", "annotations.org.zone.net.subnet" },
  { "org.zone.net.subnet", "banana", "annotations.org.zone.net.subnet" },
  { "org.zone.net.address", "10.78.0.5", "annotations.org.zone.net.address: `10.78.0.5` is not a free host" },
  { "org.zone.net.address", "10.77.0.1", "annotations.org.zone.net.address" },
  { "org.zone.net.address", "10.77.255.255", "annotations.org.zone.net.address" },
  { "org.zone.net.ports", "8080:70000", "annotations.org.zone.net.ports: `8080:70000`: ports are numbers" },
  { "org.zone.net.ports", "80", "annotations.org.zone.net.ports: `80`: expected" },
  { "org.zone.net.ports", "80:80/sctp", "the protocol must be tcp or udp" },
  { "org.zone.net.ports", "1.2.3:80:80", "`1.2.3` is not an IPv4 address" },
  { "org.zone.net.mtu", "100", "annotations.org.zone.net.mtu" },
  { "org.zone.net.bridge", "a-bridge-name-too-long", "annotations.org.zone.net.bridge" },
};

/* mode=MODE and KEY=VALUE: refused, the message containing message. */
static void
expect_refused (const char *mode, const char *key, const char *value, const char *message)
{
  const char *kv[] = { "org.zone.net.mode", mode, key, value, NULL };
  struct zone_net n;
  zerr *err = NULL;
  CHECK (parse (kv, &n, &err) < 0);
  CHECK_STR_CONTAINS (err ? err->msg : NULL, message);
  zone_net_free (&n);
  zerr_free (&err);
}

/* mode=MODE in a zone that shares a network namespace: refused so. */
static void
expect_needs_own_netns (const char *mode, const char *message)
{
  struct zone_kv ann[] = { { (char *) "org.zone.net.mode", (char *) mode } };
  struct zone_net n;
  zerr *err = NULL;
  CHECK (zone_net_parse_annotations (ann, 1, false, &n, &err) < 0);
  CHECK_STR_CONTAINS (err ? err->msg : NULL, message);
  zerr_free (&err);
}

static void
test_bad (void)
{
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      bool is_mode = strcmp (bad[i].key, "org.zone.net.mode") == 0;
      expect_refused (is_mode ? bad[i].value : "bridge", bad[i].key, bad[i].value, bad[i].message);
    }
  /* bridge needs the zone's own network namespace */
  expect_needs_own_netns ("bridge", "needs a new network namespace");
}

/* slirp4netns: ports and mtu as for a bridge; bridge, subnet and address are the bridge's only. */
static void
test_slirp (void)
{
  {
    const char *kv[] = { "org.zone.net.mode", "slirp4netns", "org.zone.net.ports", "127.0.0.1:8080:80,53:53/udp",
                         "org.zone.net.mtu", "65520", NULL };
    struct zone_net n;
    zerr *err = NULL;
    CHECK (parse (kv, &n, &err) == 0);
    CHECK (n.slirp && !n.bridge);
    CHECK (n.n_ports == 2 && n.ports[0].host_port == 8080 && n.ports[0].zone_port == 80);
    CHECK (n.ports[1].proto == IPPROTO_UDP && n.mtu == 65520);
    zone_net_free (&n);
    zerr_free (&err);
  }
  static const char *const only_bridge[] = { "org.zone.net.bridge", "org.zone.net.subnet", "org.zone.net.address" };
  static const char *const values[] = { "br9", "10.9.0.0/16", "10.9.0.5" };
  for (size_t i = 0; i < 3; i++)
    expect_refused ("slirp4netns", only_bridge[i], values[i], "only for mode bridge");
  expect_needs_own_netns ("slirp4netns", "slirp4netns needs a new network namespace");
}

int
main (void)
{
  test_defaults_and_ports ();
  test_bad ();
  test_slirp ();
  UNIT_DONE ();
}
