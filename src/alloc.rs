//! The process's memory allocator: the system allocator for ordinary blocks, and for large
//! ones (columns of a million observations and more) anonymous mappings on transparent huge
//! pages that are kept for reuse when freed.
//!
//! Why: an estimation on a 1.2-million-row panel allocates and frees its N-length vectors
//! (columns, weights, working variables, demeaned regressors) over and over. glibc serves
//! each one with a fresh `mmap` and returns it with `munmap`, so every 4 KiB page is faulted
//! and zeroed by the kernel again: about 125,000 page faults, an eighth of the run
//! (`perf stat -e page-faults`). Here a large block is a mapping advised for 2 MiB pages
//! (512 times fewer faults), and a freed one waits in a small cache for the next block of
//! the same size, so the steady state of an iterative fit touches no new pages at all.
//!
//! Only Linux takes this path (elsewhere the system allocator is used unchanged). A cached
//! block is reused only for a request of exactly its (2 MiB-rounded) size, so the length of
//! every mapping is always known from the request's layout.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;

/// Blocks of at least this many bytes are mapped directly.
const LARGE: usize = 4 << 20;
/// Granule of large mappings: the transparent huge page size on x86-64 and aarch64.
const HUGE: usize = 2 << 20;
/// Most freed mappings kept for reuse, and most bytes kept: beyond them, blocks are unmapped
/// (the cache must not raise the peak memory of a run by more than this).
const CACHE_SLOTS: usize = 16;
const CACHE_BYTES: usize = 256 << 20;

/// The allocator installed by `main.rs`.
pub struct Allocator;

/// Freed large mappings: (address, length).
struct Cache {
    blocks: [(usize, usize); CACHE_SLOTS],
    count: usize,
    bytes: usize,
}

static CACHE: Mutex<Cache> = Mutex::new(Cache {
    blocks: [(0, 0); CACHE_SLOTS],
    count: 0,
    bytes: 0,
});

fn is_large(layout: &Layout) -> bool {
    layout.size() >= LARGE && layout.align() <= 4096
}

fn rounded(size: usize) -> usize {
    size.div_ceil(HUGE) * HUGE
}

/// A cached mapping of exactly `len` bytes, if any.
fn take_cached(len: usize) -> Option<*mut u8> {
    let mut c = CACHE.lock().ok()?;
    let count = c.count;
    let i = c.blocks[..count].iter().position(|b| b.1 == len)?;
    let (addr, _) = c.blocks[i];
    c.blocks[i] = c.blocks[count - 1];
    c.count -= 1;
    c.bytes -= len;
    Some(addr as *mut u8)
}

/// Keeps a freed mapping for reuse; `false` when the cache is full.
fn put_cached(ptr: *mut u8, len: usize) -> bool {
    let Ok(mut c) = CACHE.lock() else {
        return false;
    };
    if c.count == CACHE_SLOTS || c.bytes + len > CACHE_BYTES {
        return false;
    }
    let n = c.count;
    c.blocks[n] = (ptr as usize, len);
    c.count += 1;
    c.bytes += len;
    true
}

/// A new anonymous mapping of `len` bytes advised for huge pages (zero-filled), or null.
unsafe fn map(len: usize) -> *mut u8 {
    let p = libc::mmap(
        std::ptr::null_mut(),
        len,
        libc::PROT_READ | libc::PROT_WRITE,
        libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
        -1,
        0,
    );
    if p == libc::MAP_FAILED {
        return std::ptr::null_mut();
    }
    // Advice only: without transparent huge pages the mapping works with 4 KiB pages.
    libc::madvise(p, len, libc::MADV_HUGEPAGE);
    p as *mut u8
}

unsafe fn unmap(ptr: *mut u8, len: usize) {
    libc::munmap(ptr as *mut libc::c_void, len);
}

// SAFETY: large blocks are whole private mappings of `rounded(size)` bytes (page-aligned,
// which covers every alignment up to 4096), owned by exactly one live allocation or by the
// cache; everything else is delegated to `System` with the same layout.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !is_large(&layout) {
            return System.alloc(layout);
        }
        let len = rounded(layout.size());
        take_cached(len).unwrap_or_else(|| map(len))
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !is_large(&layout) {
            return System.alloc_zeroed(layout);
        }
        let len = rounded(layout.size());
        match take_cached(len) {
            Some(p) => {
                std::ptr::write_bytes(p, 0, layout.size());
                p
            }
            // A fresh mapping is already zero.
            None => map(len),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if !is_large(&layout) {
            return System.dealloc(ptr, layout);
        }
        let len = rounded(layout.size());
        if !put_cached(ptr, len) {
            unmap(ptr, len);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        match (is_large(&layout), is_large(&new_layout)) {
            (false, false) => System.realloc(ptr, layout, new_size),
            (true, true) => {
                let (old_len, new_len) = (rounded(layout.size()), rounded(new_size));
                if old_len == new_len {
                    return ptr;
                }
                // The kernel moves the pages (no copy), keeping the huge-page advice.
                let p = libc::mremap(
                    ptr as *mut libc::c_void,
                    old_len,
                    new_len,
                    libc::MREMAP_MAYMOVE,
                );
                if p == libc::MAP_FAILED {
                    std::ptr::null_mut()
                } else {
                    p as *mut u8
                }
            }
            _ => {
                let p = self.alloc(new_layout);
                if !p.is_null() {
                    std::ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size));
                    self.dealloc(ptr, layout);
                }
                p
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Large vectors grow (mremap), shrink, are freed into the cache and come back for a
    /// request of the same size; zeroed requests are zero even when served from the cache.
    #[test]
    fn large_blocks_keep_their_contents_and_are_reused() {
        let n = (LARGE / 8) + 12_345;
        let mut v: Vec<f64> = (0..n).map(|i| i as f64).collect();
        v.extend((0..3 * n).map(|i| -(i as f64)));
        assert_eq!(v[n - 1], (n - 1) as f64);
        assert_eq!(v[4 * n - 1], -((3 * n - 1) as f64));
        v.truncate(n);
        v.shrink_to_fit();
        assert_eq!(v.iter().sum::<f64>(), (n * (n - 1) / 2) as f64);
        drop(v);
        for _ in 0..3 {
            let w = vec![0.0f64; n];
            assert!(w.iter().all(|&x| x == 0.0));
            let mut u = vec![7u8; n * 8];
            u[n] = 1;
            assert_eq!(
                u.iter().map(|&b| b as usize).sum::<usize>(),
                7 * (n * 8) - 6
            );
        }
        // Below the threshold: the system allocator, same behaviour.
        let small = vec![1u32; 1000];
        assert_eq!(small.iter().sum::<u32>(), 1000);
    }
}
