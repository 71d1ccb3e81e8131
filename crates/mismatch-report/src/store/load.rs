//! Loading a report file into columns: streamed in chunks cut on line ends that are outside
//! quotes (quote-parity scan), parsed in parallel, merged in file order. A chunk whose parse does
//! not end on a record boundary (odd quoting) makes the load fall back to one sequential pass, so
//! the result is always exactly what a sequential CSV parse gives.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};

use serde::Serialize;

use crate::error::{show_record, ReportError};
use crate::header::HeaderMap;
use crate::reader::{
    at_path, check_record, header_from_fields, OnMalformed, ReaderOptions, Skipped, MAX_COLUMNS,
};

use super::build::Builder;
use super::parse::{Parser, Record, RecordPos};

/// Bytes per parallel chunk.
const CHUNK: usize = 4 << 20;
/// A chunk that finds no safe cut grows up to this size before being cut at any line end.
const MAX_CHUNK: usize = 64 << 20;
/// Rows per block in the sequential path.
const SEQ_BLOCK_ROWS: usize = 1 << 16;
/// The most rows reserved ahead (8 Mi, a ~2 GB report); beyond, the columns grow as rows come.
const MAX_RESERVED_ROWS: u64 = 8 << 20;

/// Rows to reserve ahead for `bytes` of input: one per 180 bytes (a row is ~260), but never more
/// than `bytes` worth of reserved memory (so a wide header reserves fewer rows) nor
/// [`MAX_RESERVED_ROWS`]. `id_bytes` is what the builder reserves per row and id column.
fn reserve_rows(bytes: u64, header: &HeaderMap, id_bytes: u64) -> usize {
    let ids = (super::build::N_ID + header.extra.len()) as u64;
    let per_row = Builder::reserved_bytes_per_row(header) + id_bytes * ids;
    let rows = (bytes / 180).min(bytes / per_row).min(MAX_RESERVED_ROWS);
    usize::try_from(rows).unwrap_or(0).max(16)
}

/// Progress of a load, reported after each chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadProgress {
    /// Bytes of the file read and parsed.
    pub bytes: u64,
    /// Size of the file (0 when reading from a stream).
    pub total_bytes: u64,
    /// Rows loaded so far.
    pub rows: u64,
}

/// What the loader produces.
pub(crate) struct Loaded {
    pub header: HeaderMap,
    pub columns: Builder,
    pub skipped: Skipped,
}

impl ReportError {
    fn shift_line(self, base: u64) -> Self {
        match self {
            ReportError::Malformed {
                line,
                reason,
                record,
            } => ReportError::Malformed {
                line: line + base,
                reason,
                record,
            },
            ReportError::NotUtf8 { line, column } => ReportError::NotUtf8 {
                line: line + base,
                column,
            },
            ReportError::Binary { offset } => ReportError::Binary { offset },
            ReportError::LineTooLong { line, limit } => ReportError::LineTooLong {
                line: line + base,
                limit,
            },
            other => other,
        }
    }
}

/// Handles one record: checks, then appends or skips.
#[inline]
#[allow(clippy::too_many_arguments)]
fn take_record(
    header: &HeaderMap,
    options: &ReaderOptions,
    b: &mut Builder,
    skipped: &mut Skipped,
    rec: Record<'_>,
    pos: RecordPos,
    byte_base: u64,
    checked_text: bool,
) -> Result<(), ReportError> {
    // Fast path: the caller checked that the input is UTF-8 without NUL bytes (fields split at
    // ASCII bytes stay UTF-8), so only the field count is left to check.
    let fast = rec.len() == header.fields.len()
        && (checked_text
            || (memchr::memchr(0, rec.bytes()).is_none()
                && std::str::from_utf8(rec.bytes()).is_ok()));
    if !fast {
        let fields = rec.to_vec();
        if let Err(e) = check_record(header, &fields, pos.line, byte_base + pos.byte) {
            match e {
                Err(fatal) => return Err(fatal),
                Ok(bad) if options.on_malformed == OnMalformed::Fail => return Err(bad),
                Ok(bad) => {
                    skipped.add(bad);
                    return Ok(());
                }
            }
        }
        // A record whose fields are each valid UTF-8 can only fail the joined check if a field
        // boundary splits a code point; it is fine.
        let _ = show_record;
    }
    b.push(rec)
}

struct Chunk {
    seq: usize,
    offset: u64,
    bytes: Vec<u8>,
    last: bool,
}

struct Parsed {
    block: Builder,
    newlines: u64,
    aligned: bool,
    skipped: Skipped,
    end: u64,
    last: bool,
}

fn parse_chunk(
    header: &HeaderMap,
    options: &ReaderOptions,
    chunk: &Chunk,
) -> Result<Parsed, ReportError> {
    if let Some(i) = memchr::memchr(0, &chunk.bytes) {
        return Err(ReportError::Binary {
            offset: chunk.offset + i as u64,
        });
    }
    let est_rows = reserve_rows(chunk.bytes.len() as u64, header, 18);
    let mut block = Builder::new(header, options.unneutralise, est_rows, est_rows * 18);
    let mut skipped = Skipped::default();
    let mut parser = Parser::with_max_record(options.max_line_bytes);
    let checked = std::str::from_utf8(&chunk.bytes).is_ok();
    let mut sink = |rec: Record<'_>, pos: RecordPos| {
        take_record(
            header,
            options,
            &mut block,
            &mut skipped,
            rec,
            pos,
            chunk.offset,
            checked,
        )
    };
    if !chunk.bytes.is_empty() {
        parser.feed(&chunk.bytes, &mut sink)?;
    }
    let aligned = parser.at_boundary();
    if chunk.last {
        parser.finish(&mut sink)?;
    }
    Ok(Parsed {
        block,
        newlines: parser.newlines(),
        aligned,
        skipped,
        end: chunk.offset + chunk.bytes.len() as u64,
        last: chunk.last,
    })
}

/// Reads the header record from the start of `buf` (`eof`: the file ends there); returns it,
/// the bytes it used and its line ends. The header may take at most `limit` bytes and
/// [`MAX_COLUMNS`] columns: both are checked while parsing, before anything is built per column.
fn read_header(buf: &[u8], eof: bool, limit: u64) -> Result<(HeaderMap, usize, u64), ReportError> {
    if let Some(i) = memchr::memchr(0, buf) {
        return Err(ReportError::Binary { offset: i as u64 });
    }
    let too_long = || ReportError::LineTooLong { line: 1, limit };
    let cap = usize::try_from(limit).unwrap_or(usize::MAX);
    let (input, at_end) = if buf.len() > cap {
        (&buf[..cap], false)
    } else {
        (buf, eof)
    };
    let mut rdr = csv_core::Reader::new();
    // The output of a record is never longer than its input.
    let mut out = vec![0u8; input.len() + 16];
    let mut ends = vec![0usize; MAX_COLUMNS + 1];
    // Past the limit, fields are only counted (for the message).
    let mut scratch = [0usize; 256];
    let (mut nin, mut nout, mut nend, mut beyond) = (0usize, 0usize, 0usize, 0usize);
    let mut flushed = false;
    loop {
        let rest = &input[nin..];
        if rest.is_empty() {
            if !at_end || flushed {
                return Err(too_long());
            }
            flushed = true;
        }
        let counting = nend == ends.len();
        let ends_buf = if counting {
            &mut scratch[..]
        } else {
            &mut ends[nend..]
        };
        let (res, i, o, e) = rdr.read_record(rest, &mut out[nout..], ends_buf);
        nin += i;
        nout += o;
        if counting {
            beyond += e;
        } else {
            nend += e;
        }
        match res {
            csv_core::ReadRecordResult::Record => break,
            csv_core::ReadRecordResult::End => return Err(ReportError::Empty),
            csv_core::ReadRecordResult::InputEmpty | csv_core::ReadRecordResult::OutputEndsFull => {
            }
            csv_core::ReadRecordResult::OutputFull => return Err(too_long()),
        }
    }
    if nend + beyond > MAX_COLUMNS {
        return Err(ReportError::TooManyColumns {
            columns: nend + beyond,
            limit: MAX_COLUMNS,
        });
    }
    let mut fields = Vec::with_capacity(nend);
    let mut s = 0;
    for &e in &ends[..nend] {
        fields.push(&out[s..e]);
        s = e;
    }
    if fields.iter().all(|f| f.is_empty()) {
        return Err(ReportError::Empty);
    }
    let header = header_from_fields(&fields)?;
    let newlines = memchr::memchr_iter(b'\n', &buf[..nin]).count() as u64;
    Ok((header, nin, newlines))
}

fn read_full(f: &mut impl Read, buf: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    // Reads until `want` more bytes or EOF; true at EOF.
    let start = buf.len();
    buf.resize(start + want, 0);
    let mut n = 0;
    while n < want {
        match f.read(&mut buf[start + n..]) {
            Ok(0) => {
                buf.truncate(start + n);
                return Ok(true);
            }
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                buf.truncate(start + n);
                return Err(e);
            }
        }
    }
    Ok(false)
}

/// The last line end in `buf` after which the count of `"` is even (so, for well-formed CSV,
/// outside quotes). `None` if there is none.
fn safe_cut(buf: &[u8]) -> Option<usize> {
    let total = memchr::memchr_iter(b'"', buf).count();
    let mut after = 0usize; // quotes after the candidate
    let mut end = buf.len();
    for nl in memchr::memrchr_iter(b'\n', buf) {
        after += memchr::memchr_iter(b'"', &buf[nl + 1..end]).count();
        end = nl + 1;
        if (total - after).is_multiple_of(2) {
            return Some(nl + 1);
        }
    }
    None
}

/// Loads a report file with parallel chunk parsing.
pub(crate) fn load_path(
    path: &Path,
    options: &ReaderOptions,
    progress: &mut dyn FnMut(LoadProgress),
    cancel: &AtomicBool,
) -> Result<Loaded, ReportError> {
    match load_parallel(path, options, progress, cancel)? {
        Some(l) => Ok(l),
        None => {
            let f = File::open(path).map_err(|e| ReportError::io("opening", path, e))?;
            let total = f.metadata().map(|m| m.len()).unwrap_or(0);
            load_sequential(f, total, options, progress, cancel).map_err(|e| at_path(e, path))
        }
    }
}

/// `Ok(None)`: the file's quoting defeated the chunk split; load it sequentially.
fn load_parallel(
    path: &Path,
    options: &ReaderOptions,
    progress: &mut dyn FnMut(LoadProgress),
    cancel: &AtomicBool,
) -> Result<Option<Loaded>, ReportError> {
    let mut file = File::open(path).map_err(|e| ReportError::io("opening", path, e))?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    // The size first: nothing is read or reserved for a file over the limit.
    if total > options.max_bytes {
        return Err(options.too_large(path, total));
    }
    // The size may be wrong (a file still growing, a special file): bytes read are counted too.
    let over = |read: u64| (read > options.max_bytes).then(|| options.too_large(path, read));
    let mut buf = Vec::with_capacity(CHUNK + (1 << 16));
    let mut eof =
        read_full(&mut file, &mut buf, CHUNK).map_err(|e| ReportError::io("reading", path, e))?;
    if let Some(e) = over(buf.len() as u64) {
        return Err(e);
    }
    let (header, header_len, header_newlines) = read_header(&buf, eof, options.max_header_bytes())?;
    buf.drain(..header_len);
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 8);
    let est_rows = reserve_rows(total, &header, 0);
    let mut columns = Builder::new(&header, options.unneutralise, est_rows, 0);
    let mut skipped = Skipped::default();
    let stop = AtomicBool::new(false);
    let (work_tx, work_rx) = mpsc::sync_channel::<Chunk>(workers);
    let work_rx = Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::channel::<(usize, Result<Parsed, ReportError>)>();

    let outcome: Result<bool, ReportError> = std::thread::scope(|s| {
        // Reader: cuts the file into chunks on safe line ends.
        let reader = s.spawn({
            let stop = &stop;
            let mut buf = buf;
            let mut offset = header_len as u64;
            move || -> Result<(), ReportError> {
                let mut seq = 0;
                loop {
                    if stop.load(Ordering::Relaxed) || cancel.load(Ordering::Relaxed) {
                        return Ok(());
                    }
                    if !eof && buf.len() < CHUNK {
                        let want = CHUNK - buf.len();
                        eof = read_full(&mut file, &mut buf, want)
                            .map_err(|e| ReportError::io("reading", path, e))?;
                        if let Some(e) = over(offset + buf.len() as u64) {
                            return Err(e);
                        }
                    }
                    let cut = if eof {
                        buf.len()
                    } else {
                        match safe_cut(&buf) {
                            Some(c) => c,
                            None if buf.len() < MAX_CHUNK => {
                                let more = buf.len();
                                eof = read_full(&mut file, &mut buf, more)
                                    .map_err(|e| ReportError::io("reading", path, e))?;
                                if let Some(e) = over(offset + buf.len() as u64) {
                                    return Err(e);
                                }
                                continue;
                            }
                            // Give up on finding a safe cut; the merge will notice and fall back.
                            None => memchr::memrchr(b'\n', &buf).map_or(buf.len(), |i| i + 1),
                        }
                    };
                    let rest = buf[cut..].to_vec();
                    buf.truncate(cut);
                    let bytes = std::mem::replace(&mut buf, {
                        let mut v = Vec::with_capacity(CHUNK + (1 << 16));
                        v.extend_from_slice(&rest);
                        v
                    });
                    let last = eof && buf.is_empty();
                    let len = bytes.len() as u64;
                    let chunk = Chunk {
                        seq,
                        offset,
                        bytes,
                        last,
                    };
                    if work_tx.send(chunk).is_err() {
                        return Ok(());
                    }
                    offset += len;
                    seq += 1;
                    if last {
                        return Ok(());
                    }
                }
            }
        });
        for _ in 0..workers {
            let done_tx = done_tx.clone();
            let work_rx = &work_rx;
            let header = &header;
            let stop = &stop;
            s.spawn(move || loop {
                let next = match work_rx.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return,
                };
                let Ok(chunk) = next else { return };
                if stop.load(Ordering::Relaxed) {
                    continue;
                }
                let r = parse_chunk(header, options, &chunk);
                if done_tx.send((chunk.seq, r)).is_err() {
                    return;
                }
            });
        }
        drop(done_tx);

        // Merge in file order.
        let mut pending: BTreeMap<usize, Result<Parsed, ReportError>> = BTreeMap::new();
        let mut next = 0usize;
        let mut base_newlines = header_newlines;
        let mut result: Result<(), ReportError> = Ok(());
        let mut finished = false;
        'recv: for (seq, r) in done_rx.iter() {
            pending.insert(seq, r);
            while let Some(r) = pending.remove(&next) {
                next += 1;
                let p = match r {
                    Ok(p) => p,
                    Err(e) => {
                        result = Err(e.shift_line(base_newlines));
                        break 'recv;
                    }
                };
                for e in p.skipped.errors {
                    if skipped.errors.len() < crate::reader::MAX_KEPT_ERRORS {
                        skipped.errors.push(e.shift_line(base_newlines));
                    }
                }
                skipped.count += p.skipped.count;
                base_newlines += p.newlines;
                if let Err(e) = columns.merge(p.block) {
                    result = Err(e);
                    break 'recv;
                }
                if !p.aligned && !p.last {
                    break 'recv; // the split was wrong: fall back to one pass
                }
                progress(LoadProgress {
                    bytes: p.end,
                    total_bytes: total,
                    rows: columns.rows as u64,
                });
                if cancel.load(Ordering::Relaxed) {
                    result = Err(ReportError::Cancelled);
                    break 'recv;
                }
                if p.last {
                    finished = true;
                    break 'recv;
                }
            }
        }
        stop.store(true, Ordering::Relaxed);
        // Unblock the reader and workers.
        drop(done_rx);
        while let Ok(rx) = work_rx.lock() {
            if rx.try_recv().is_err() {
                break;
            }
        }
        let read_result = reader.join().unwrap_or(Ok(()));
        result?;
        if finished {
            return Ok(true);
        }
        if cancel.load(Ordering::Relaxed) {
            return Err(ReportError::Cancelled);
        }
        read_result?;
        Ok(false)
    });
    if outcome? {
        Ok(Some(Loaded {
            header,
            columns,
            skipped,
        }))
    } else {
        Ok(None)
    }
}

/// Loads a report from any byte stream in one pass (used for streams and as the fallback).
pub(crate) fn load_sequential(
    mut source: impl Read,
    total: u64,
    options: &ReaderOptions,
    progress: &mut dyn FnMut(LoadProgress),
    cancel: &AtomicBool,
) -> Result<Loaded, ReportError> {
    let over =
        |read: u64| (read > options.max_bytes).then(|| options.too_large("the report", read));
    let mut buf = Vec::with_capacity(CHUNK);
    let mut eof = read_full(&mut source, &mut buf, CHUNK)
        .map_err(|e| ReportError::io("reading", "the report", e))?;
    if let Some(e) = over(buf.len() as u64) {
        return Err(e);
    }
    let (header, header_len, header_newlines) = read_header(&buf, eof, options.max_header_bytes())?;
    // Rows reserved per block: fewer for a wide header.
    let block_rows = reserve_rows(16 << 20, &header, 0).min(SEQ_BLOCK_ROWS);
    let mut columns = Builder::new(&header, options.unneutralise, 1024, 0);
    let mut skipped = Skipped::default();
    let mut block = Builder::new(&header, options.unneutralise, block_rows, 0);
    let mut parser = Parser::with_max_record(options.max_line_bytes);
    let mut offset = header_len as u64;
    let mut data = buf.split_off(header_len);
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(ReportError::Cancelled);
        }
        if let Some(i) = memchr::memchr(0, &data) {
            return Err(ReportError::Binary {
                offset: offset + i as u64,
            });
        }
        let mut err = None;
        // A buffer may end inside a multi-byte character; then records are checked one by one.
        let checked = std::str::from_utf8(&data).is_ok();
        let mut sink = |rec: Record<'_>, pos: RecordPos| {
            let r = take_record(
                &header,
                options,
                &mut block,
                &mut skipped,
                rec,
                pos,
                header_len as u64,
                checked,
            );
            if r.is_ok() && block.rows >= SEQ_BLOCK_ROWS {
                let full = std::mem::replace(
                    &mut block,
                    Builder::new(&header, options.unneutralise, block_rows, 0),
                );
                if let Err(e) = columns.merge(full) {
                    err = Some(e);
                }
            }
            r
        };
        if !data.is_empty() {
            parser
                .feed(&data, &mut sink)
                .map_err(|e| e.shift_line(header_newlines))?;
        }
        if eof {
            parser
                .finish(&mut sink)
                .map_err(|e| e.shift_line(header_newlines))?;
        }
        if let Some(e) = err {
            return Err(e);
        }
        offset += data.len() as u64;
        progress(LoadProgress {
            bytes: offset,
            total_bytes: total,
            rows: (columns.rows + block.rows) as u64,
        });
        if eof {
            break;
        }
        data.clear();
        eof = read_full(&mut source, &mut data, CHUNK)
            .map_err(|e| ReportError::io("reading", "the report", e))?;
        if let Some(e) = over(offset + data.len() as u64) {
            return Err(e);
        }
    }
    columns.merge(block)?;
    for e in &mut skipped.errors {
        let taken = std::mem::replace(e, ReportError::Cancelled);
        *e = taken.shift_line(header_newlines);
    }
    Ok(Loaded {
        header,
        columns,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(extras: usize) -> HeaderMap {
        let mut cells: Vec<String> = ["type", "action", "recordId"].map(String::from).to_vec();
        cells.extend((0..extras).map(|i| format!("x{i}")));
        HeaderMap::from_header(&cells).unwrap()
    }

    #[test]
    fn reservations_never_exceed_the_input_nor_the_row_cap() {
        let narrow = header(0);
        let wide = header(MAX_COLUMNS - 3);
        for bytes in [0u64, 100, 4 << 20, 64 << 20, 1 << 33, 1 << 40, u64::MAX] {
            for (h, id_bytes) in [(&narrow, 0), (&narrow, 18), (&wide, 0), (&wide, 18)] {
                let rows = reserve_rows(bytes, h, id_bytes) as u64;
                let ids = (super::super::build::N_ID + h.extra.len()) as u64;
                let per_row = Builder::reserved_bytes_per_row(h) + id_bytes * ids;
                assert!(rows <= MAX_RESERVED_ROWS, "{bytes} {rows}");
                // At most the input's size in reserved bytes (16 rows at least).
                assert!(rows == 16 || rows * per_row <= bytes, "{bytes} {rows}");
            }
        }
        // A typical file reserves a row per 180 bytes.
        assert_eq!(reserve_rows(180 << 20, &narrow, 0), 1 << 20);
        // A wide header reserves far fewer.
        assert!(reserve_rows(180 << 20, &wide, 0) < 50_000);
    }

    #[test]
    fn header_bounds() {
        let e = read_header(b"type,action,recordId\n", true, 10).unwrap_err();
        assert!(
            matches!(e, ReportError::LineTooLong { line: 1, limit: 10 }),
            "{e:?}"
        );
        let (h, used, newlines) = read_header(b"type,action,recordId\nx", false, 21).unwrap();
        assert_eq!((h.fields.len(), used, newlines), (3, 21, 1));
        let (h, used, _) = read_header(b"type,action,recordId", true, 20).unwrap();
        assert_eq!((h.fields.len(), used), (3, 20));
        let wide = format!("type,action,recordId{}\n", ",".repeat(5000));
        let e = read_header(wide.as_bytes(), true, 1 << 20).unwrap_err();
        assert!(
            matches!(
                e,
                ReportError::TooManyColumns {
                    columns: 5003,
                    limit: MAX_COLUMNS
                }
            ),
            "{e:?}"
        );
        assert!(matches!(
            read_header(b"", true, 100),
            Err(ReportError::Empty)
        ));
    }

    #[test]
    fn safe_cut_respects_quotes() {
        assert_eq!(safe_cut(b"a,b\nc,d\n"), Some(8));
        assert_eq!(safe_cut(b"a,b\n\"c\nd"), Some(4));
        assert_eq!(safe_cut(b"\"a\nb"), None);
        assert_eq!(safe_cut(b"abc"), None);
    }
}
