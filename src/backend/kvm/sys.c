/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /dev/kvm: opened once per process, its API version and the
 * capabilities xhv relies on checked once, and one ioctl wrapper that
 * retries on EINTR and is a fault site.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "backend/kvm/private.h"
#include "lib/fault.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int dev_fd = -1;
static char reason[160];

static const struct {
    int cap;
    const char *name;
} needed[] = {
    {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
    {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},
    {KVM_CAP_X86_USER_SPACE_MSR, "KVM_CAP_X86_USER_SPACE_MSR"},
    {KVM_CAP_X86_MSR_FILTER, "KVM_CAP_X86_MSR_FILTER"},
};

static void open_kvm(void)
{
    size_t i;
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

    if (fd < 0) {
        snprintf(reason, sizeof(reason), "/dev/kvm: %s", strerror(errno));
        return;
    }
    if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
        snprintf(reason, sizeof(reason), "KVM API version is not %d",
                 KVM_API_VERSION);
        close(fd);
        return;
    }
    for (i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
        if (ioctl(fd, KVM_CHECK_EXTENSION, needed[i].cap) <= 0) {
            snprintf(reason, sizeof(reason), "KVM lacks %s", needed[i].name);
            close(fd);
            return;
        }
    }
    dev_fd = fd;
}

int kvm_dev_fd(void)
{
    pthread_once(&once, open_kvm);
    return dev_fd;
}

bool kvm_usable(char *why, size_t len)
{
    if (kvm_dev_fd() >= 0)
        return true;
    snprintf(why, len, "%s", reason);
    return false;
}

const char *kvm_flavour(void)
{
    if (access("/sys/module/kvm_pvm", F_OK) == 0)
        return "kvm_pvm";
    if (access("/sys/module/kvm_amd", F_OK) == 0)
        return "kvm_amd";
    if (access("/sys/module/kvm_intel", F_OK) == 0)
        return "kvm_intel";
    return "unknown";
}

int kvm_ioctl(int fd, unsigned long req, void *arg)
{
    int rc;

    if (fault_fire("kvm_ioctl"))
        return -EIO;
    do {
        rc = ioctl(fd, req, arg);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : rc;
}

int kvm_vcpu_mmap_size(void)
{
    return kvm_ioctl(kvm_dev_fd(), KVM_GET_VCPU_MMAP_SIZE, NULL);
}
