//! Reading every row of a paged list endpoint (`/staging/mismatches`, `/operations`) so that no
//! row is lost and none is counted twice, whatever the server does where HCL's spec is silent.
//!
//! HCL types `offset` and `limit` as strings and documents no default, maximum or order, so a
//! DX server may cap `limit` silently, use its own default page size, or (broken or behind a
//! proxy that drops the query) ignore `offset`. The rules:
//!
//! - the first page (offset 0, the `limit` asked) tells the server's real page size: the rows
//!   it returned; only then are further pages fetched in parallel, at that size;
//! - the offset advances by the rows received, never by the `limit` asked: after a page
//!   shorter than the page size, the pages fetched ahead are dropped and reading goes on from
//!   where that page ended;
//! - reading stops only at an empty page;
//! - rows are de-duplicated by their key (the log or operation id), and a page made only of
//!   rows already received means the server ignores `offset` (or the list changed under the
//!   reader): that is an error ([`Error::PagingBroken`]), never a loop or a duplicate.

use std::collections::HashSet;
use std::future::Future;
use std::hash::{BuildHasher, Hash};

use futures::StreamExt;

use crate::error::{Error, Result};

/// What reading the pages found out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PagingSummary {
    /// Rows kept (after de-duplication).
    pub rows: u64,
    /// Rows received twice and dropped.
    pub duplicates: u64,
    /// Requests sent.
    pub requests: u64,
    /// The server's page size as learned from the first page (`None` when the first page was
    /// already the empty last one).
    pub server_page_size: Option<u64>,
    /// The first page was shorter than the `limit` asked while more pages followed: the server
    /// caps `limit` silently.
    pub limit_capped: bool,
}

/// A 128-bit digest of a row key: two independent 64-bit hashes, so that a million keys take
/// 16 MB instead of their strings, with a collision chance far below one in 10¹⁸.
pub(crate) fn digest<K: Hash + ?Sized>(key: &K) -> u128 {
    let a = foldhash::quality::FixedState::with_seed(0x9e37_79b9_7f4a_7c15).hash_one(key);
    let b = foldhash::quality::FixedState::with_seed(0x6a09_e667_f3bc_c908).hash_one(key);
    (u128::from(a) << 64) | u128::from(b)
}

/// The keys of the rows received so far.
#[derive(Default)]
pub(crate) struct SeenRows(HashSet<u128>);

impl SeenRows {
    /// Keeps the rows not seen before; returns them and how many were dropped.
    pub(crate) fn keep_new<T>(&mut self, rows: Vec<T>, key: impl Fn(&T) -> u128) -> (Vec<T>, u64) {
        let before = rows.len();
        let kept: Vec<T> = rows.into_iter().filter(|r| self.0.insert(key(r))).collect();
        let dropped = (before - kept.len()) as u64;
        (kept, dropped)
    }
}

/// Reads every page of a list endpoint. `fetch(offset, limit)` requests one page; `key` gives
/// a row's identity (the [`digest`] of its id); `sink` receives the new rows of each page, in
/// order, and is awaited before the next page is handed over. `what` and
/// `host` name the list and the server in errors. Pages after the first are fetched
/// `concurrency` at a time.
pub(crate) async fn read_all_pages<T, F, Fut, S>(
    what: &str,
    host: &str,
    limit: u64,
    concurrency: usize,
    fetch: F,
    key: impl Fn(&T) -> u128,
    mut sink: impl FnMut(Vec<T>) -> S,
) -> Result<PagingSummary>
where
    T: Send + 'static,
    F: Fn(u64, u64) -> Fut,
    Fut: Future<Output = Result<Vec<T>>> + Send + 'static,
    S: Future<Output = Result<()>>,
{
    let limit = limit.max(1);
    let mut seen = SeenRows::default();
    let mut summary = PagingSummary::default();

    let first = fetch(0, limit).await?;
    summary.requests += 1;
    let page_size = first.len() as u64;
    if page_size == 0 {
        return Ok(summary);
    }
    summary.server_page_size = Some(page_size);
    let (kept, dropped) = seen.keep_new(first, &key);
    summary.duplicates += dropped;
    summary.rows += kept.len() as u64;
    sink(kept).await?;

    // Each run fetches ahead from `start` in pages of `page_size`, until a page that is not
    // full; the next run starts where that page ended. A page that is not full is most often
    // the last one, so the run after it asks one page at a time (no requests past the end).
    let mut start = page_size;
    let mut ahead = concurrency.max(1);
    loop {
        let run_start = start;
        let fetch = &fetch;
        let pages = futures::stream::iter(0u64..)
            .map(move |k| {
                let offset = run_start + k * page_size;
                let page = fetch(offset, page_size);
                async move { (offset, AbortOnDrop(tokio::spawn(page)).await) }
            })
            .buffered(ahead);
        futures::pin_mut!(pages);
        let mut restart_at = None;
        while let Some((offset, page)) = pages.next().await {
            let rows = page?;
            summary.requests += 1;
            let got = rows.len() as u64;
            if got == 0 {
                return Ok(summary);
            }
            let (kept, dropped) = seen.keep_new(rows, &key);
            if kept.is_empty() {
                return Err(Error::PagingBroken {
                    host: host.to_string(),
                    what: what.to_string(),
                    offset,
                });
            }
            if offset == page_size && got == page_size && page_size < limit {
                summary.limit_capped = true;
            }
            summary.duplicates += dropped;
            summary.rows += kept.len() as u64;
            sink(kept).await?;
            if got != page_size {
                restart_at = Some(offset + got);
                break;
            }
        }
        match restart_at {
            Some(at) => {
                start = at;
                ahead = 1;
            }
            // The stream of offsets is endless; it ends only through the returns above.
            None => return Ok(summary),
        }
    }
}

/// A spawned page fetch, aborted if reading stops before it is awaited.
struct AbortOnDrop<T>(tokio::task::JoinHandle<Result<T>>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<T> Future for AbortOnDrop<T> {
    type Output = Result<T>;
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.0).poll(cx).map(|r| match r {
            Ok(x) => x,
            Err(e) => Err(Error::Report(format!("page task failed: {e}"))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A list server in memory with the quirks HCL's spec allows.
    #[derive(Clone)]
    struct FakeList {
        rows: Arc<Vec<String>>,
        cap: Option<u64>,
        ignore_offset: bool,
        /// Offsets asked, in order of arrival.
        asked: Arc<Mutex<Vec<(u64, u64)>>>,
    }

    impl FakeList {
        fn new(n: usize) -> Self {
            FakeList {
                rows: Arc::new((0..n).map(|i| format!("log-{i}")).collect()),
                cap: None,
                ignore_offset: false,
                asked: Arc::default(),
            }
        }

        fn page(&self, offset: u64, limit: u64) -> Vec<String> {
            self.asked.lock().unwrap().push((offset, limit));
            let offset = if self.ignore_offset { 0 } else { offset } as usize;
            let limit = self.cap.map_or(limit, |c| c.min(limit)) as usize;
            self.rows.iter().skip(offset).take(limit).cloned().collect()
        }

        async fn read(
            &self,
            limit: u64,
            concurrency: usize,
        ) -> Result<(Vec<String>, PagingSummary)> {
            let mut out = Vec::new();
            let me = self.clone();
            let summary = read_all_pages(
                "logs",
                "dx:443",
                limit,
                concurrency,
                move |o, l| {
                    let me = me.clone();
                    async move { Ok(me.page(o, l)) }
                },
                |r: &String| digest(r.as_str()),
                |rows| {
                    out.extend(rows);
                    std::future::ready(Ok(()))
                },
            )
            .await?;
            Ok((out, summary))
        }
    }

    #[tokio::test]
    async fn every_row_once_in_order_for_any_size_limit_and_concurrency() {
        for n in [0usize, 1, 4, 5, 6, 99, 100, 101, 1000] {
            for limit in [1u64, 5, 100, 5000] {
                for conc in [1usize, 4] {
                    let list = FakeList::new(n);
                    let (got, s) = list.read(limit, conc).await.unwrap();
                    assert_eq!(got, *list.rows, "n {n}, limit {limit}, conc {conc}");
                    assert_eq!(s.rows, n as u64);
                    assert_eq!(s.duplicates, 0);
                    assert!(!s.limit_capped);
                }
            }
        }
    }

    #[tokio::test]
    async fn a_silent_cap_is_learned_and_loses_nothing() {
        let mut list = FakeList::new(2_345);
        list.cap = Some(100);
        let (got, s) = list.read(5000, 4).await.unwrap();
        assert_eq!(got, *list.rows);
        assert_eq!(s.server_page_size, Some(100));
        assert!(s.limit_capped);
        // After the first page, pages are asked at the server's size, never at 5000.
        let asked = list.asked.lock().unwrap().clone();
        assert_eq!(asked[0], (0, 5000));
        assert!(asked[1..].iter().all(|&(_, l)| l == 100), "{asked:?}");
        // After the short last page (2300..2345), one request finds the end.
        assert_eq!(asked.last(), Some(&(2345, 100)), "{asked:?}");
    }

    #[tokio::test]
    async fn a_short_page_in_the_middle_is_followed_from_where_it_ended() {
        // A server that serves fewer rows than its page size once (a page boundary it
        // computes differently): the reader goes on from the rows received.
        let list = FakeList::new(500);
        let odd = list.clone();
        let mut out = Vec::new();
        let s = read_all_pages(
            "logs",
            "dx:443",
            100,
            4,
            move |o, l| {
                let odd = odd.clone();
                async move {
                    let mut p = odd.page(o, l);
                    if o == 200 {
                        p.truncate(37);
                    }
                    Ok(p)
                }
            },
            |r: &String| digest(r.as_str()),
            |rows| {
                out.extend(rows);
                std::future::ready(Ok(()))
            },
        )
        .await
        .unwrap();
        assert_eq!(out, *list.rows);
        assert_eq!(s.rows, 500);
    }

    #[tokio::test]
    async fn an_ignored_offset_is_an_error_not_a_loop() {
        let mut list = FakeList::new(250);
        list.ignore_offset = true;
        let e = list.read(100, 4).await.unwrap_err();
        assert_eq!(e.code(), "paging_broken");
        let msg = e.to_string();
        assert!(
            msg.contains("dx:443") && msg.contains("offset 100"),
            "{msg}"
        );
        // Also when the whole list fits in the first page.
        let mut small = FakeList::new(3);
        small.ignore_offset = true;
        assert_eq!(
            small.read(100, 1).await.unwrap_err().code(),
            "paging_broken"
        );
    }

    #[tokio::test]
    async fn duplicates_across_pages_are_dropped_and_counted() {
        // The list grows at the front while it is read: page 2 repeats the end of page 1.
        let list = FakeList::new(300);
        let shifting = list.clone();
        let mut out = Vec::new();
        let s = read_all_pages(
            "logs",
            "dx:443",
            100,
            1,
            move |o, l| {
                let shifting = shifting.clone();
                async move { Ok(shifting.page(o.saturating_sub(if o > 0 { 10 } else { 0 }), l)) }
            },
            |r: &String| digest(r.as_str()),
            |rows| {
                out.extend(rows);
                std::future::ready(Ok(()))
            },
        )
        .await
        .unwrap();
        assert_eq!(out, *list.rows);
        assert!(s.duplicates > 0);
    }

    #[tokio::test]
    async fn an_error_on_any_page_is_returned() {
        let list = FakeList::new(1000);
        let failing = list.clone();
        let r = read_all_pages(
            "logs",
            "dx:443",
            100,
            4,
            move |o, l| {
                let failing = failing.clone();
                async move {
                    if o == 300 {
                        Err(Error::Server {
                            status: 500,
                            message: "boom".into(),
                        })
                    } else {
                        Ok(failing.page(o, l))
                    }
                }
            },
            |r: &String| digest(r.as_str()),
            |_| std::future::ready(Ok(())),
        )
        .await;
        assert_eq!(r.unwrap_err().code(), "server_error");
    }
}
