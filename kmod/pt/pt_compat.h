/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iodirty page-table core: environment shim.
 *
 * The page-table core (the C files in kmod/pt) is compiled twice: into iodirty.ko
 * (__KERNEL__ defined) and into host unit tests, fuzzer and benchmark.
 * Everything that differs between those builds lives here and nowhere
 * else:
 *
 *   types        u8..u64, s64, bool
 *   bit helpers  __ffs64 (0-based lowest set bit), fls64 (1-based highest,
 *                0 for 0), is_power_of_2, ALIGN, IS_ALIGNED, BIT_ULL,
 *                GENMASK_ULL
 *   access       READ_ONCE, WRITE_ONCE, likely, unlikely, prefetch
 *   atomics      pt_cmpxchg64 (returns true and stores on success, else
 *                refreshes *old), pt_xchg64, pt_atomic_or64,
 *                pt_atomic_andnot64, pt_publish_wmb (orders the zeroing
 *                of a new table before the store that links it in)
 *   tables       pt_alloc_table() (4 KiB, zeroed, 4 KiB aligned),
 *                pt_free_table(), pt_pa() (virtual -> physical),
 *                pt_va() (physical -> virtual)
 *
 * Host only: allocation failure injection and accounting, for tests that
 * prove -ENOMEM rollback and the absence of leaks:
 *   pt_host_fail_after   -1: never fail (default).  n >= 0: the next n
 *                        table allocations succeed, every later one fails
 *                        until the test sets it back to -1.
 *   pt_host_tables_live  tables currently allocated (all domains)
 *   pt_host_allocs       successful table allocations so far
 * Host only: test switches for the walker's plain-store clearing
 * (pt_fmt.h pt_e_clean(); selftests/host/test_race.c):
 *   pt_host_clean_hook   if set, called with the entry between the
 *                        walker's read of a dirty leaf and its clearing
 *                        store, so a test can play the IOMMU inside that
 *                        window deterministically
 *   pt_host_plain_unsafe negative control: clear with a plain store even
 *                        when the entry was not accessed (wrong on purpose)
 *   pt_host_prune_late_inval negative control for pruning: call
 *                        sink->table_a_cleared after walking the table's
 *                        subtrees instead of before (wrong on purpose;
 *                        selftests/host/test_prune.c)
 * Host only: pt_host_bugs, a mask of enum pt_host_bug, puts back one of
 * upstream's known dirty-tracking bug classes each (wrong on purpose), so
 * selftests/host/test_bugclass.c can show that its checks catch them.
 * In the module all of these are compile-time constants (no hook, safe
 * rule, no bug): the switches cost nothing there and cannot be turned on.
 * On the host pa == virtual address (user pointers are below 2^47, so they
 * fit every format's address field).
 */
#ifndef _IODIRTY_PT_COMPAT_H
#define _IODIRTY_PT_COMPAT_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/bug.h>
#include <linux/bits.h>
#include <linux/bitops.h>
#include <linux/log2.h>
#include <linux/align.h>
#include <linux/atomic.h>
#include <linux/string.h>
#include <linux/compiler.h>
#include <linux/prefetch.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <asm/io.h>

static inline u64 *pt_alloc_table(void)
{
	/* map/split run in process context under the IOAS rwsem */
	return (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
}

static inline void pt_free_table(u64 *table)
{
	free_page((unsigned long)table);
}

static inline u64 pt_pa(const void *va)
{
	return virt_to_phys((void *)va);
}

static inline u64 *pt_va(u64 pa)
{
	return (u64 *)phys_to_virt(pa);
}

/* 64-bit kernels only: a u64 table entry is an atomic64_t in disguise. */
static inline bool pt_cmpxchg64(u64 *p, u64 *old, u64 new)
{
	return try_cmpxchg64(p, old, new);
}

static inline u64 pt_xchg64(u64 *p, u64 new)
{
	return xchg(p, new);
}

static inline void pt_atomic_or64(u64 *p, u64 mask)
{
	atomic64_or(mask, (atomic64_t *)p);
}

#define pt_publish_wmb()	smp_wmb()

#define pt_host_plain_unsafe	false
#define pt_host_prune_late_inval false
#define pt_host_clean_hook	((void (*)(u64 *))NULL)
#define pt_host_bug(b)		false
#define pt_host_demote_bug(b)	false
#define pt_host_demote_hook	((void (*)(u64 *))NULL)
#define pt_host_access_hook	((void (*)(u64))NULL)
#define pt_host_count_rewalk()	((void)0)

static inline void pt_atomic_andnot64(u64 *p, u64 mask)
{
	atomic64_andnot(mask, (atomic64_t *)p);
}

#else /* host build */

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <stdio.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
typedef int32_t s32;

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define noinline __attribute__((noinline))
#define __maybe_unused __attribute__((unused))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define prefetch(p) __builtin_prefetch(p)
#define BIT_ULL(n) (1ULL << (n))
#define GENMASK_ULL(h, l) ((~0ULL >> (63 - (h))) & (~0ULL << (l)))
#define ALIGN(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define WARN_ON(c) ({ bool __w = !!(c); if (unlikely(__w)) \
	fprintf(stderr, "WARNING %s:%d %s\n", __FILE__, __LINE__, #c); __w; })
#define WARN_ON_ONCE(c) WARN_ON(c)

static inline unsigned long __ffs64(u64 x)
{
	return (unsigned long)__builtin_ctzll(x);
}

static inline int fls64(u64 x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

static inline bool is_power_of_2(unsigned long n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

extern long pt_host_fail_after;
extern long pt_host_tables_live;
extern long pt_host_allocs;
extern bool pt_host_plain_unsafe;
extern bool pt_host_prune_late_inval;
extern void (*pt_host_clean_hook)(u64 *p);

/*
 * Upstream bug classes that pt_host_bugs can put back (test only; each
 * names the fix that removed it upstream, see README "Tests"):
 *  PT_HOST_BUG_PGSIZE_DIV   bitmap sizing divides by 8 * page_size and
 *	accepts any power of two: page_size = 1 << 63 makes the divisor 0
 *	(syzbot "divide error in iova_bitmap_alloc", fixed by "iommufd: Don't
 *	overflow during division for dirty tracking", 2025)
 *  PT_HOST_BUG_SHORT_GATHER unmap ending inside a large or contiguous leaf
 *	removes the whole leaf but reports only the requested length, so the
 *	caller invalidates too little ("iommupt: Fix short gather if the
 *	unmap goes into a large mapping", CVE-2026-31735)
 *  PT_HOST_BUG_CLEAR_COPY   the walker clears a copy of the entry, not the
 *	entry (io-pgtable-arm visit_dirty() review, 2024)
 *  PT_HOST_BUG_BITMAP_U64   the bitmap writer treats the user bitmap as an
 *	array of aligned u64 words: bitmaps shorter than a u64, or not
 *	u64-aligned, get bytes outside their own written (iova_bitmap u8 and
 *	unaligned-bitmap fixes, 2024)
 *  PT_HOST_BUG_PIN_WINDOW   the pages pinned for a user bitmap ignore its
 *	offset in the first page, one page short when it straddles one more
 *	("iommufd/iova_bitmap: Consider page offset for the pages to be
 *	pinned", Feb 2024)
 */
enum pt_host_bug {
	PT_HOST_BUG_PGSIZE_DIV		= 1u << 0,
	PT_HOST_BUG_SHORT_GATHER	= 1u << 1,
	PT_HOST_BUG_CLEAR_COPY		= 1u << 2,
	PT_HOST_BUG_BITMAP_U64		= 1u << 3,
	PT_HOST_BUG_PIN_WINDOW		= 1u << 4,
};
extern unsigned int pt_host_bugs;
#define pt_host_bug(b)		(__builtin_expect(!!(pt_host_bugs & (b)), 0))

/*
 * Negative controls for demotion (pt_demote.c; selftests/host/test_demote.c),
 * a mask in pt_host_demote_bugs, each wrong on purpose:
 *  PT_DEMOTE_BUG_PLAIN_STORE  install the new table with a plain store
 *	instead of a compare-and-exchange against the copied leaf
 *  PT_DEMOTE_BUG_NO_INHERIT   new 4 KiB leaves do not inherit the dirty state
 *  PT_DEMOTE_BUG_NO_TABLE_A   the new table entry is created without its
 *	non-leaf accessed bit (a pruning harvest then skips it)
 *  PT_DEMOTE_BUG_NO_REWALK    the IOMMU model updates the entry it found
 *	even after it became a table, instead of walking again
 * pt_host_demote_hook, if set, is called between filling the new table
 * and installing it (a test plays the IOMMU inside that window);
 * pt_host_access_hook, if set, between the IOMMU model's walk and its
 * update of the leaf (a test demotes inside that window);
 * pt_host_demote_retries and pt_host_rewalks count failed installs and
 * re-walks.
 */
enum pt_demote_bug {
	PT_DEMOTE_BUG_PLAIN_STORE	= 1u << 0,
	PT_DEMOTE_BUG_NO_INHERIT	= 1u << 1,
	PT_DEMOTE_BUG_NO_TABLE_A	= 1u << 2,
	PT_DEMOTE_BUG_NO_REWALK		= 1u << 3,
};
extern unsigned int pt_host_demote_bugs;
extern void (*pt_host_demote_hook)(u64 *ptep);
extern void (*pt_host_access_hook)(u64 iova);
extern long pt_host_demote_retries;
extern long pt_host_rewalks;
#define pt_host_demote_bug(b) \
	(__builtin_expect(!!(pt_host_demote_bugs & (b)), 0))
#define pt_host_count_rewalk() \
	__atomic_fetch_add(&pt_host_rewalks, 1, __ATOMIC_RELAXED)

/*
 * Tables come from 2 MiB chunks backed by transparent huge pages when
 * possible (pt_domain.c): the kernel's direct map uses huge pages, so a
 * table walk there costs no TLB miss per table, and the host numbers
 * should not be dominated by one either.  Sanitizer builds use plain
 * aligned_alloc() per table so ASan sees every use after free.
 */
u64 *pt_host_table_get(void);
void pt_host_table_put(u64 *table);

static inline u64 *pt_alloc_table(void)
{
	u64 *t;

	if (__atomic_load_n(&pt_host_fail_after, __ATOMIC_RELAXED) >= 0 &&
	    __atomic_fetch_sub(&pt_host_fail_after, 1, __ATOMIC_RELAXED) <= 0) {
		/* stay at 0 ("fail everything") instead of counting down */
		__atomic_store_n(&pt_host_fail_after, 0, __ATOMIC_RELAXED);
		return NULL;
	}
	t = pt_host_table_get();
	if (!t)
		return NULL;
	memset(t, 0, 4096);
	__atomic_fetch_add(&pt_host_tables_live, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&pt_host_allocs, 1, __ATOMIC_RELAXED);
	return t;
}

static inline void pt_free_table(u64 *table)
{
	if (!table)
		return;
	__atomic_fetch_sub(&pt_host_tables_live, 1, __ATOMIC_RELAXED);
	pt_host_table_put(table);
}

static inline u64 pt_pa(const void *va)
{
	return (u64)(uintptr_t)va;
}

static inline u64 *pt_va(u64 pa)
{
	return (u64 *)(uintptr_t)pa;
}

static inline bool pt_cmpxchg64(u64 *p, u64 *old, u64 new)
{
	return __atomic_compare_exchange_n(p, old, new, false,
					   __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
}

static inline u64 pt_xchg64(u64 *p, u64 new)
{
	return __atomic_exchange_n(p, new, __ATOMIC_SEQ_CST);
}

static inline void pt_atomic_or64(u64 *p, u64 mask)
{
	__atomic_fetch_or(p, mask, __ATOMIC_SEQ_CST);
}

#define pt_publish_wmb()	__atomic_thread_fence(__ATOMIC_RELEASE)

static inline void pt_atomic_andnot64(u64 *p, u64 mask)
{
	__atomic_fetch_and(p, ~mask, __ATOMIC_SEQ_CST);
}

#endif /* __KERNEL__ */

#endif /* _IODIRTY_PT_COMPAT_H */
