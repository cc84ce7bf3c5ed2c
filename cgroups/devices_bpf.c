#define _GNU_SOURCE
#include "devices_bpf.h"
#include "writes.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Registers of the program: r1 the context, then what is read from it. */
enum
{
  R_CTX = 1,
  R_TYPE = 2,
  R_ACCESS = 3,
  R_MAJOR = 4,
  R_MINOR = 5,
  R_TMP = 6
};

struct prog
{
  struct bpf_insn *insns;
  size_t n;
};

static void
emit (struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
  p->insns = realloc (p->insns, (p->n + 1) * sizeof *p->insns);
  if (p->insns == NULL)
    abort ();
  p->insns[p->n++] = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

static int
access_bits (const char *access)
{
  int bits = 0;
  for (const char *a = access; *a; a++)
    bits |= *a == 'r' ? BPF_DEVCG_ACC_READ : *a == 'w' ? BPF_DEVCG_ACC_WRITE : *a == 'm' ? BPF_DEVCG_ACC_MKNOD : 0;
  return bits;
}

/* One rule: every test jumps past the block when it does not match; a match returns. */
static void
emit_rule (struct prog *p, const struct zone_device_rule *r)
{
  size_t start = p->n;
  int bits = access_bits (r->access);

  if (r->type != 'a')
    emit (p, BPF_JMP | BPF_JNE | BPF_K, R_TYPE, 0, 0, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
  if (r->type != 'a' && r->major >= 0)
    emit (p, BPF_JMP | BPF_JNE | BPF_K, R_MAJOR, 0, 0, (int32_t) r->major);
  if (r->type != 'a' && r->minor >= 0)
    emit (p, BPF_JMP | BPF_JNE | BPF_K, R_MINOR, 0, 0, (int32_t) r->minor);
  emit (p, BPF_ALU | BPF_MOV | BPF_X, R_TMP, R_ACCESS, 0, 0);
  if (r->allow)
    {
      /* Allowed when everything asked for is in the rule. */
      emit (p, BPF_ALU | BPF_AND | BPF_K, R_TMP, 0, 0, ~bits & 7);
      emit (p, BPF_JMP | BPF_JNE | BPF_K, R_TMP, 0, 0, 0);
    }
  else
    {
      /* Denied when anything asked for is in the rule. */
      emit (p, BPF_ALU | BPF_AND | BPF_K, R_TMP, 0, 0, bits);
      emit (p, BPF_JMP | BPF_JEQ | BPF_K, R_TMP, 0, 0, 0);
    }
  emit (p, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, r->allow ? 1 : 0);
  emit (p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  /* Point every conditional jump of the block at its end. */
  for (size_t i = start; i < p->n; i++)
    if (BPF_CLASS (p->insns[i].code) == BPF_JMP && BPF_OP (p->insns[i].code) != BPF_EXIT)
      p->insns[i].off = (int16_t) (p->n - i - 1);
}

void
devices_bpf_program (const struct zone_device_rule *rules, size_t n, struct bpf_insn **out, size_t *len)
{
  struct prog p = { 0 };
  size_t n_all = 0;
  cleanup_free struct zone_device_rule *all = cgroup_effective_device_rules (rules, n, &n_all);

  /* r2 = type (low 16 bits of access_type), r3 = access (high 16), r4 = major, r5 = minor */
  emit (&p, BPF_LDX | BPF_MEM | BPF_W, R_TYPE, R_CTX, offsetof (struct bpf_cgroup_dev_ctx, access_type), 0);
  emit (&p, BPF_ALU | BPF_AND | BPF_K, R_TYPE, 0, 0, 0xffff);
  emit (&p, BPF_LDX | BPF_MEM | BPF_W, R_ACCESS, R_CTX, offsetof (struct bpf_cgroup_dev_ctx, access_type), 0);
  emit (&p, BPF_ALU | BPF_RSH | BPF_K, R_ACCESS, 0, 0, 16);
  emit (&p, BPF_LDX | BPF_MEM | BPF_W, R_MAJOR, R_CTX, offsetof (struct bpf_cgroup_dev_ctx, major), 0);
  emit (&p, BPF_LDX | BPF_MEM | BPF_W, R_MINOR, R_CTX, offsetof (struct bpf_cgroup_dev_ctx, minor), 0);
  /* The last matching rule decides: test from the last one back. */
  for (size_t i = n_all; i-- > 0;)
    emit_rule (&p, &all[i]);
  emit (&p, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
  emit (&p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  *out = p.insns;
  *len = p.n;
}

int
devices_bpf_attach (const char *dir, const struct zone_device_rule *rules, size_t n, zerr **err)
{
  cleanup_free struct bpf_insn *insns = NULL;
  cleanup_close int prog = -1, cg = -1;
  static char license[] = "GPL";
  char log[4096] = "";
  union bpf_attr attr;
  size_t len = 0;

  devices_bpf_program (rules, n, &insns, &len);
  memset (&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t) (uintptr_t) insns;
  attr.insn_cnt = (uint32_t) len;
  attr.license = (uint64_t) (uintptr_t) license;
  prog = (int) syscall (SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
  if (prog < 0 && errno == EINVAL)
    {
      /* Load again with the verifier's log, to say why. */
      attr.log_buf = (uint64_t) (uintptr_t) log;
      attr.log_size = sizeof log;
      attr.log_level = 1;
      syscall (SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
      log[sizeof log - 1] = '\0';
      for (char *c = log; *c; c++)
        if (*c == '\n')
          *c = ' ';
      return zerr_set (err, EINVAL, "linux.resources.devices: the kernel refused the device filter: %.200s", log);
    }
  if (prog < 0)
    return zerr_sys (err, "linux.resources.devices: load the device filter");
  cg = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg < 0)
    return zerr_sys (err, "open cgroup `%s`", dir);
  memset (&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t) cg;
  attr.attach_bpf_fd = (uint32_t) prog;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (syscall (SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof attr) < 0)
    return zerr_sys (err, "linux.resources.devices: attach the device filter to `%s`", dir);
  return 0;
}
