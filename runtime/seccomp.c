#define _GNU_SOURCE
#include "seccomp.h"
#include "../spec/json.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F "config.json"

static const struct
{
  const char *name;
  uint32_t action;
  bool takes_errno;
} actions[] = {
  { "SCMP_ACT_KILL", SCMP_ACT_KILL, false },
  { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false },
  { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false },
  { "SCMP_ACT_TRAP", SCMP_ACT_TRAP, false },
  { "SCMP_ACT_ERRNO", 0, true },
  { "SCMP_ACT_TRACE", 0, true },
  { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false },
  { "SCMP_ACT_LOG", SCMP_ACT_LOG, false },
};

const char *const zone_seccomp_actions[]
    = { "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO",       "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
        "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP", NULL };

static const struct
{
  const char *name;
  enum scmp_compare op;
} operators[] = {
  { "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT }, { "SCMP_CMP_LE", SCMP_CMP_LE },
  { "SCMP_CMP_EQ", SCMP_CMP_EQ }, { "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
  { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

const char *const zone_seccomp_operators[] = { "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE",
                                               "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE", NULL };

static const struct
{
  const char *name;
  uint32_t arch;
} archs[] = {
  { "SCMP_ARCH_X86", SCMP_ARCH_X86 },         { "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
  { "SCMP_ARCH_X32", SCMP_ARCH_X32 },         { "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
  { "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 }, { "SCMP_ARCH_MIPS", SCMP_ARCH_MIPS },
  { "SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64 },   { "SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32 },
  { "SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL },   { "SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64 },
  { "SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32 }, { "SCMP_ARCH_PPC", SCMP_ARCH_PPC },
  { "SCMP_ARCH_PPC64", SCMP_ARCH_PPC64 },     { "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE },
  { "SCMP_ARCH_S390", SCMP_ARCH_S390 },       { "SCMP_ARCH_S390X", SCMP_ARCH_S390X },
  { "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64 },
};

const char *const zone_seccomp_archs[]
    = { "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM",      "SCMP_ARCH_MIPS",      "SCMP_ARCH_MIPS64",
        "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",  "SCMP_ARCH_MIPSEL64N32",
        "SCMP_ARCH_PPC",     "SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",   "SCMP_ARCH_RISCV64",
        "SCMP_ARCH_S390",    "SCMP_ARCH_S390X",    "SCMP_ARCH_X32",       "SCMP_ARCH_X86",
        "SCMP_ARCH_X86_64",  NULL };

static const struct
{
  const char *name;
  enum scmp_filter_attr attr;
} flags[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", SCMP_FLTATR_CTL_TSYNC },
  { "SECCOMP_FILTER_FLAG_LOG", SCMP_FLTATR_CTL_LOG },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SCMP_FLTATR_CTL_SSB },
};

const char *const zone_seccomp_flags[]
    = { "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC", NULL };

/* The action named at path.key, with the errnoRet beside it (default EPERM) for ERRNO and TRACE. */
static int
parse_action (yajl_val obj, const char *path, const char *key, const char *errno_key, uint32_t *out, zerr **err)
{
  cleanup_free char *name = NULL;
  uint32_t ret_code = EPERM;
  bool has_ret = false;
  int ret = json_get_string (F, obj, path, key, true, &name, err);

  if (ret < 0)
    return ret;
  if ((ret = json_get_u32 (F, obj, path, errno_key, false, &ret_code, &has_ret, err)) < 0)
    return ret;
  for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
    if (strcmp (actions[i].name, name) == 0)
      {
        if (strcmp (name, "SCMP_ACT_ERRNO") == 0)
          *out = SCMP_ACT_ERRNO (ret_code);
        else if (strcmp (name, "SCMP_ACT_TRACE") == 0)
          *out = SCMP_ACT_TRACE (has_ret ? ret_code : 0);
        else
          *out = actions[i].action;
        return 0;
      }
  {
    cleanup_free char *p = json_path_join (path, key);
    if (strcmp (name, "SCMP_ACT_NOTIFY") == 0)
      return zerr_set (err, ENOTSUP, "%s: %s: SCMP_ACT_NOTIFY (seccomp notify) is not supported yet", F, p);
    return zerr_set (err, EINVAL, "%s: %s: unknown seccomp action `%s`", F, p, name);
  }
}

static int
parse_arg (yajl_val a, const char *path, struct scmp_arg_cmp *out, zerr **err)
{
  cleanup_free char *op = NULL;
  uint32_t index = 0;
  uint64_t value = 0, value2 = 0;
  int ret;

  if (!YAJL_IS_OBJECT (a))
    return zerr_set (err, EINVAL, "%s: %s: must be an object", F, path);
  if ((ret = json_get_u32 (F, a, path, "index", true, &index, NULL, err)) < 0
      || (ret = json_get_u64 (F, a, path, "value", true, &value, NULL, err)) < 0
      || (ret = json_get_u64 (F, a, path, "valueTwo", false, &value2, NULL, err)) < 0
      || (ret = json_get_string (F, a, path, "op", true, &op, err)) < 0)
    return ret;
  if (index > 5)
    return zerr_set (err, EINVAL, "%s: %s.index: must be between 0 and 5", F, path);
  for (size_t i = 0; i < sizeof operators / sizeof operators[0]; i++)
    if (strcmp (operators[i].name, op) == 0)
      {
        *out = (struct scmp_arg_cmp){ .arg = index, .op = operators[i].op, .datum_a = value, .datum_b = value2 };
        return 0;
      }
  return zerr_set (err, EINVAL, "%s: %s.op: unknown operator `%s`", F, path, op);
}

static int
add_rules (scmp_filter_ctx ctx, yajl_val rule, const char *path, uint32_t default_action, zerr **err)
{
  cleanup_strv char **names = NULL;
  yajl_val args = NULL;
  struct scmp_arg_cmp cmp[6];
  unsigned n_cmp = 0;
  uint32_t action;
  int ret;

  if (!YAJL_IS_OBJECT (rule))
    return zerr_set (err, EINVAL, "%s: %s: must be an object", F, path);
  if ((ret = json_get_strv (F, rule, path, "names", true, &names, err)) < 0)
    return ret;
  if ((ret = parse_action (rule, path, "action", "errnoRet", &action, err)) < 0)
    return ret;
  if ((ret = json_get_array (F, rule, path, "args", false, &args, err)) < 0)
    return ret;
  if (args)
    {
      cleanup_free char *ap = json_path_join (path, "args");
      if (args->u.array.len > 6)
        return zerr_set (err, EINVAL, "%s: %s: at most 6 argument comparisons", F, ap);
      for (size_t i = 0; i < args->u.array.len; i++)
        {
          cleanup_free char *p = json_path_index (ap, i);
          if ((ret = parse_arg (args->u.array.values[i], p, &cmp[n_cmp++], err)) < 0)
            return ret;
        }
    }
  /* The kernel would apply the default anyway, and libseccomp refuses such a rule. */
  if (action == default_action)
    return 0;
  for (size_t i = 0; names[i]; i++)
    {
      int nr = seccomp_syscall_resolve_name (names[i]);
      if (nr == __NR_SCMP_ERROR)
        continue; /* unknown on this architecture: skipped, as runc does */
      ret = seccomp_rule_add_array (ctx, action, nr, n_cmp, n_cmp ? cmp : NULL);
      if (ret == -EINVAL && n_cmp > 1)
        {
          /* Several comparisons of one argument: libseccomp wants one rule each. */
          ret = 0;
          for (unsigned j = 0; j < n_cmp && ret == 0; j++)
            ret = seccomp_rule_add_array (ctx, action, nr, 1, &cmp[j]);
        }
      if (ret < 0)
        {
          errno = -ret;
          return zerr_sys (err, "%s: %s: add the rule for `%s`", F, path, names[i]);
        }
    }
  return 0;
}

int
seccomp_filter_build (yajl_val node, scmp_filter_ctx *out, zerr **err)
{
  const char *path = "linux.seccomp";
  cleanup_strv char **arch_names = NULL, **flag_names = NULL;
  cleanup_free char *listener = NULL;
  yajl_val syscalls = NULL;
  scmp_filter_ctx ctx;
  uint32_t def;
  int ret;

  *out = NULL;
  if (node == NULL)
    return 0;
  if ((ret = parse_action (node, path, "defaultAction", "defaultErrnoRet", &def, err)) < 0)
    return ret;
  if ((ret = json_get_string (F, node, path, "listenerPath", false, &listener, err)) < 0)
    return ret;
  if (listener && *listener)
    return zerr_set (err, ENOTSUP, "%s: linux.seccomp.listenerPath: seccomp notify is not supported yet", F);
  if ((ret = json_get_strv (F, node, path, "architectures", false, &arch_names, err)) < 0
      || (ret = json_get_strv (F, node, path, "flags", false, &flag_names, err)) < 0
      || (ret = json_get_array (F, node, path, "syscalls", false, &syscalls, err)) < 0)
    return ret;
  ctx = seccomp_init (def);
  if (ctx == NULL)
    return zerr_set (err, EINVAL, "%s: linux.seccomp.defaultAction: libseccomp refused it", F);
  /* libseccomp would set no_new_privs itself when loading: that is process.noNewPrivileges' call. */
  seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0);
  for (size_t i = 0; arch_names && arch_names[i]; i++)
    {
      size_t j;
      for (j = 0; j < sizeof archs / sizeof archs[0]; j++)
        if (strcmp (archs[j].name, arch_names[i]) == 0)
          break;
      if (j == sizeof archs / sizeof archs[0])
        {
          seccomp_release (ctx);
          return zerr_set (err, EINVAL, "%s: linux.seccomp.architectures[%zu]: unknown architecture `%s`", F, i,
                           arch_names[i]);
        }
      ret = seccomp_arch_add (ctx, archs[j].arch);
      if (ret < 0 && ret != -EEXIST)
        {
          seccomp_release (ctx);
          errno = -ret;
          return zerr_sys (err, "%s: linux.seccomp.architectures[%zu]: add `%s`", F, i, arch_names[i]);
        }
    }
  for (size_t i = 0; flag_names && flag_names[i]; i++)
    {
      size_t j;
      for (j = 0; j < sizeof flags / sizeof flags[0]; j++)
        if (strcmp (flags[j].name, flag_names[i]) == 0)
          break;
      if (j == sizeof flags / sizeof flags[0])
        {
          seccomp_release (ctx);
          return zerr_set (err, EINVAL, "%s: linux.seccomp.flags[%zu]: unknown flag `%s`", F, i, flag_names[i]);
        }
      seccomp_attr_set (ctx, flags[j].attr, 1);
    }
  for (size_t i = 0; syscalls && i < syscalls->u.array.len; i++)
    {
      cleanup_free char *p = json_path_index ("linux.seccomp.syscalls", i);
      if ((ret = add_rules (ctx, syscalls->u.array.values[i], p, def, err)) < 0)
        {
          seccomp_release (ctx);
          return ret;
        }
    }
  *out = ctx;
  return 0;
}

int
seccomp_filter_load (scmp_filter_ctx ctx, zerr **err)
{
  int ret;
  if (ctx == NULL)
    return 0;
  ret = seccomp_load (ctx);
  if (ret < 0)
    {
      errno = -ret;
      return zerr_sys (err, "linux.seccomp: load the filter");
    }
  return 0;
}
