/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Booting a domain xhvd has just built: its kernel (and ramdisk) are read,
 * checked and loaded as a PVH image into guest memory, and, where KVM can
 * run guests, a KVM VM is attached whose vCPU 0 starts at the PVH entry.
 * Without KVM the domain exists, with its kernel loaded, but its vCPUs do
 * not run: xhvd logs why once, and `xhv info` shows kvm: false.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/kvm/kvm.h"
#include "backend/pvh/pvh.h"
#include "ctl/ctl.h"
#include "daemon/daemon.h"
#include "lib/alloc.h"
#include "lib/log.h"

/* Reads a whole file of at most max bytes into an xhv_malloc'd buffer. */
static int read_file(const char *what, const char *path, uint64_t max,
                     uint8_t **out, size_t *len, char *err, size_t errlen)
{
    struct stat st;
    uint8_t *buf = NULL;
    ssize_t n = 0;
    size_t got = 0;
    int fd, rc = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) {
        rc = -errno;
        snprintf(err, errlen, "%s '%.200s': %s", what, path, strerror(-rc));
        goto out;
    }
    if ((uint64_t)st.st_size > max || st.st_size == 0) {
        snprintf(err, errlen, "%s '%.200s' is %s for the domain's memory", what,
                 path, st.st_size ? "too large" : "empty, and so wrong");
        rc = -EFBIG;
        goto out;
    }
    buf = xhv_malloc((size_t)st.st_size);
    if (!buf) {
        rc = -ENOMEM;
        goto out;
    }
    while (got < (size_t)st.st_size &&
           (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
        got += (size_t)n;
    if (got != (size_t)st.st_size) {
        snprintf(err, errlen, "%s '%.200s': short read", what, path);
        rc = -EIO;
    }
out:
    if (fd >= 0)
        close(fd);
    if (rc) {
        xhv_free(buf);
        return rc;
    }
    *out = buf;
    *len = got;
    return 0;
}

static unsigned int build_memmap(struct domain *d,
                                 struct hvm_memmap_table_entry *mm)
{
    struct domain_ram_range r[DOMAIN_MAX_RAM_RANGES];
    unsigned int i, n = domain_ram_ranges(d, r);

    for (i = 0; i < n; i++)
        mm[i] = (struct hvm_memmap_table_entry){
            .addr = r[i].gfn << PAGE_SHIFT,
            .size = r[i].nr << PAGE_SHIFT,
            .type = XEN_HVM_MEMMAP_TYPE_RAM,
        };
    return n;
}

static int load(struct domain *d, struct json_object *cfg,
                struct pvh_boot *boot, char *err, size_t errlen)
{
    struct hvm_memmap_table_entry mm[DOMAIN_MAX_RAM_RANGES];
    uint64_t ram = d->params.memory_pages << PAGE_SHIFT;
    struct pvh_image img = {.memmap = mm};
    const char *kernel, *ramdisk = NULL, *cmdline = NULL;
    uint8_t *kbuf = NULL, *rbuf = NULL;
    int rc;

    ctl_get_str(cfg, "kernel", &kernel);
    ctl_get_str(cfg, "ramdisk", &ramdisk);
    ctl_get_str(cfg, "cmdline", &cmdline);
    rc = read_file("kernel", kernel, ram, &kbuf, &img.kernel_len, err, errlen);
    if (!rc && ramdisk)
        rc = read_file("ramdisk", ramdisk, ram, &rbuf, &img.ramdisk_len, err,
                       errlen);
    if (rc)
        goto out;
    img.kernel = kbuf;
    img.ramdisk = rbuf;
    img.cmdline = cmdline;
    img.nr_memmap = build_memmap(d, mm);
    rc = pvh_load(&d->p2m, &img, boot, err, errlen);
    if (rc == -ENOEXEC) {
        char why[256];

        snprintf(why, sizeof(why), "%s", err);
        snprintf(err, errlen, "kernel '%.200s': %s", kernel, why);
    }
out:
    xhv_free(kbuf);
    xhv_free(rbuf);
    return rc;
}

int daemon_boot_domain(struct domain *d, struct json_object *cfg, bool paused,
                       char *err, size_t errlen)
{
    static bool said_no_kvm;
    struct pvh_boot boot;
    char why[160];
    int rc;

    const char *type = "pvh";

    ctl_get_str(cfg, "type", &type);
    if (strcmp(type, "sim") == 0)
        return daemon_boot_sim(d, cfg, err, errlen);
    rc = load(d, cfg, &boot, err, errlen);
    if (rc)
        return rc;
    log_info("xhvd", "d%u: kernel loaded, entry %#x, start info at %#llx",
             d->domid, boot.entry, (unsigned long long)boot.start_info_gpa);
    if (!kvm_usable(why, sizeof(why))) {
        if (!said_no_kvm)
            log_warn("xhvd", "guests cannot run: %s", why);
        said_no_kvm = true;
        return 0;
    }
    rc = kvm_domain_attach(d, &boot, err, errlen);
    if (!rc && !paused)
        rc = kvm_domain_start(d);
    return rc;
}

int daemon_domain_resume(struct domain *d)
{
    int rc;

    if (!d->backend || strcmp(d->backend->name, "kvm") != 0)
        return 0;
    rc = kvm_domain_start(d);
    return rc == -EINVAL ? 0 : rc; /* already running */
}
