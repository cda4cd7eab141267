/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fault injector state. Arming and disarming happen while no other thread
 * is inside a fault site (tests arm between scenarios, the daemon at start),
 * so the rule itself is written plainly and published with a release store
 * of "armed". Hit counting is a single atomic add so concurrent sites each
 * get a distinct hit number. The site table is protected by site_lock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fault.h"

static struct {
    int armed;          /* atomic; 0 = fault_fire returns false fast */
    const char *site;   /* NULL for any site */
    char site_buf[128]; /* holds a site parsed from a spec */
    unsigned long nth;  /* 1-based hit number that fails first */
    enum fault_mode mode;
    unsigned long hits;    /* atomic */
    unsigned long fired;   /* atomic */
    unsigned long benign;  /* atomic */
    const char *last_site; /* atomic pointer */
} rule;

static int recording; /* atomic */
static _Thread_local unsigned int benign_depth;
static pthread_mutex_t site_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *site_table[FAULT_MAX_SITES]; /* protected by site_lock */
static size_t site_count;                       /* protected by site_lock */

static void record_site(const char *site)
{
    size_t i;

    pthread_mutex_lock(&site_lock);
    for (i = 0; i < site_count; i++)
        if (strcmp(site_table[i], site) == 0)
            goto out;
    if (site_count < FAULT_MAX_SITES)
        site_table[site_count++] = site;
out:
    pthread_mutex_unlock(&site_lock);
}

bool fault_fire(const char *site)
{
    unsigned long n;

    if (__atomic_load_n(&recording, __ATOMIC_RELAXED))
        record_site(site);
    if (!__atomic_load_n(&rule.armed, __ATOMIC_ACQUIRE))
        return false;
    if (rule.site && strcmp(rule.site, site) != 0)
        return false;

    n = __atomic_add_fetch(&rule.hits, 1, __ATOMIC_RELAXED);
    if (n < rule.nth)
        return false;
    if (n > rule.nth && rule.mode == FAULT_TRANSIENT)
        return false;

    __atomic_add_fetch(&rule.fired, 1, __ATOMIC_RELAXED);
    if (benign_depth)
        __atomic_add_fetch(&rule.benign, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&rule.last_site, site, __ATOMIC_RELAXED);
    return true;
}

int fault_arm(const char *site, unsigned long nth, enum fault_mode mode)
{
    if (!site || nth == 0 || strlen(site) >= sizeof(rule.site_buf))
        return -EINVAL;

    __atomic_store_n(&rule.armed, 0, __ATOMIC_RELEASE);
    if (strcmp(site, FAULT_SITE_ANY) == 0) {
        rule.site = NULL;
    } else {
        strcpy(rule.site_buf, site);
        rule.site = rule.site_buf;
    }
    rule.nth = nth;
    rule.mode = mode;
    rule.hits = 0;
    rule.fired = 0;
    rule.benign = 0;
    rule.last_site = NULL;
    __atomic_store_n(&rule.armed, 1, __ATOMIC_RELEASE);
    return 0;
}

void fault_disarm(void)
{
    __atomic_store_n(&rule.armed, 0, __ATOMIC_RELEASE);
}

int fault_arm_spec(const char *spec)
{
    char site[sizeof(rule.site_buf)];
    const char *colon = strrchr(spec, ':');
    enum fault_mode mode = FAULT_TRANSIENT;
    unsigned long nth;
    char *end;
    size_t len;

    if (!colon || colon == spec)
        return -EINVAL;
    len = (size_t)(colon - spec);
    if (len >= sizeof(site))
        return -EINVAL;
    memcpy(site, spec, len);
    site[len] = '\0';

    if (colon[1] < '0' || colon[1] > '9')
        return -EINVAL;
    errno = 0;
    nth = strtoul(colon + 1, &end, 10);
    if (errno || nth == 0)
        return -EINVAL;
    if (*end == '+') {
        mode = FAULT_PERSISTENT;
        end++;
    }
    if (*end != '\0')
        return -EINVAL;
    return fault_arm(site, nth, mode);
}

int fault_arm_from_env(void)
{
    const char *spec = getenv("XHV_FAULT");

    if (!spec || !*spec)
        return 0;
    return fault_arm_spec(spec);
}

unsigned long fault_hits(void)
{
    return __atomic_load_n(&rule.hits, __ATOMIC_RELAXED);
}

unsigned long fault_fired(void)
{
    return __atomic_load_n(&rule.fired, __ATOMIC_RELAXED);
}

void fault_benign_begin(void)
{
    benign_depth++;
}

void fault_benign_end(void)
{
    if (benign_depth)
        benign_depth--;
}

unsigned long fault_fired_benign(void)
{
    return __atomic_load_n(&rule.benign, __ATOMIC_RELAXED);
}

const char *fault_last_site(void)
{
    return __atomic_load_n(&rule.last_site, __ATOMIC_RELAXED);
}

void fault_record(bool on)
{
    if (on) {
        pthread_mutex_lock(&site_lock);
        site_count = 0;
        pthread_mutex_unlock(&site_lock);
    }
    __atomic_store_n(&recording, on ? 1 : 0, __ATOMIC_RELAXED);
}

size_t fault_sites(const char **out, size_t max)
{
    size_t i, n;

    pthread_mutex_lock(&site_lock);
    n = site_count < max ? site_count : max;
    for (i = 0; i < n; i++)
        out[i] = site_table[i];
    pthread_mutex_unlock(&site_lock);
    return n;
}
