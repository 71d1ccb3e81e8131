//! A push parser over `csv-core` that yields records with their starting line and byte.
//!
//! Most lines of a mismatch report hold no quote: such a line, whole in the input, is split at
//! its commas with `memchr` (a fast path, several times quicker than csv-core's byte-at-a-time
//! state machine); any other line (quotes, a lone carriage return, a line cut by the end of the
//! input) goes through csv-core. Both give the same records and positions (tested below).

use csv_core::{ReadRecordResult, Reader};

use crate::error::ReportError;

/// Where a record starts.
#[derive(Debug, Clone, Copy)]
pub struct RecordPos {
    /// 1-based line (relative to the parser's start line).
    pub line: u64,
    /// Byte offset (relative to the parser's start offset).
    pub byte: u64,
}

/// Feeds bytes in, calls a sink for each complete record.
pub struct Parser {
    rdr: Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    outlen: usize,
    endlen: usize,
    /// Newlines consumed so far.
    newlines: u64,
    /// Bytes consumed so far.
    consumed: u64,
    /// Whether the current record has consumed anything but line ends.
    in_record: bool,
    start: RecordPos,
    fields: Vec<(usize, usize)>,
    /// The longest record, in bytes of input (line ends included).
    max_record: u64,
    /// Whether plain lines take the fast path (off only to test it against csv-core).
    fast: bool,
    /// Records that took the fast path.
    fast_records: u64,
}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

impl Parser {
    /// A parser for data that does not start a file: a byte order mark here is data, not a
    /// marker (the header line, parsed separately, is where a BOM is stripped).
    pub fn new() -> Self {
        Self::with_max_record(u64::MAX)
    }

    /// Like [`new`](Self::new), refusing a record longer than `max_record` bytes of input
    /// ([`ReportError::LineTooLong`], with the record's line relative to the parser's start):
    /// the output buffers grow with a record, so this bounds them.
    pub fn with_max_record(max_record: u64) -> Self {
        let mut rdr = Reader::new();
        // csv-core strips a BOM only before its first read; an empty line is a no-op read.
        let _ = rdr.read_record(b"\n", &mut [0u8; 4], &mut [0usize; 4]);
        Parser {
            rdr,
            out: vec![0; 1 << 16],
            ends: vec![0; 64],
            outlen: 0,
            endlen: 0,
            newlines: 0,
            consumed: 0,
            in_record: false,
            start: RecordPos { line: 1, byte: 0 },
            fields: Vec::with_capacity(64),
            max_record,
            fast: true,
            fast_records: 0,
        }
    }

    /// Newlines consumed so far.
    pub fn newlines(&self) -> u64 {
        self.newlines
    }

    /// Whether the bytes fed so far end exactly at a record boundary.
    pub fn at_boundary(&self) -> bool {
        !self.in_record
    }

    fn account(&mut self, consumed: &[u8]) {
        if !self.in_record {
            // Leading line ends (CRLF's LF, empty lines) do not start a record.
            let lead = consumed
                .iter()
                .position(|&b| b != b'\n' && b != b'\r')
                .unwrap_or(consumed.len());
            let lead_nl = memchr::memchr_iter(b'\n', &consumed[..lead]).count() as u64;
            if lead < consumed.len() {
                self.in_record = true;
                self.start = RecordPos {
                    line: self.newlines + lead_nl + 1,
                    byte: self.consumed + lead as u64,
                };
            }
            self.newlines += lead_nl + memchr::memchr_iter(b'\n', &consumed[lead..]).count() as u64;
        } else {
            self.newlines += memchr::memchr_iter(b'\n', consumed).count() as u64;
        }
        self.consumed += consumed.len() as u64;
    }

    /// Feeds `input` (which must not be empty: empty input means end of data). Returns early with
    /// the sink's error.
    pub fn feed<F>(&mut self, mut input: &[u8], sink: &mut F) -> Result<(), ReportError>
    where
        F: FnMut(Record<'_>, RecordPos) -> Result<(), ReportError>,
    {
        while !input.is_empty() {
            if self.fast && !self.in_record && self.outlen == 0 && self.endlen == 0 {
                if let Some(used) = self.plain_line(input, sink)? {
                    input = &input[used..];
                    continue;
                }
            }
            self.step(&mut input, sink)?;
        }
        Ok(())
    }

    /// The fast path: when `input` starts with a whole line (ended by `\n`) holding no quote and
    /// no carriage return but its terminator's, and within the record limit, emits its record
    /// and returns the bytes used; `None` leaves the line to csv-core.
    #[inline]
    fn plain_line<F>(&mut self, input: &[u8], sink: &mut F) -> Result<Option<usize>, ReportError>
    where
        F: FnMut(Record<'_>, RecordPos) -> Result<(), ReportError>,
    {
        // Line ends before a record (empty lines, or the LF of a CRLF that csv-core ended its
        // record before) start no record: skipped here as csv-core skips them.
        let lead = input
            .iter()
            .position(|&b| b != b'\n' && b != b'\r')
            .unwrap_or(input.len());
        if lead > 0 {
            self.newlines += memchr::memchr_iter(b'\n', &input[..lead]).count() as u64;
            self.consumed += lead as u64;
            return Ok(Some(lead));
        }
        let Some(nl) = memchr::memchr(b'\n', input) else {
            return Ok(None);
        };
        if nl as u64 + 1 > self.max_record {
            return Ok(None);
        }
        let line = match &input[..nl] {
            [rest @ .., b'\r'] => rest,
            whole => whole,
        };
        if memchr::memchr2(b'"', b'\r', line).is_some() {
            return Ok(None);
        }
        self.fields.clear();
        let mut s = 0;
        for c in memchr::memchr_iter(b',', line) {
            self.fields.push((s, c));
            s = c + 1;
        }
        self.fields.push((s, line.len()));
        let start = RecordPos {
            line: self.newlines + 1,
            byte: self.consumed,
        };
        self.newlines += 1;
        self.consumed += nl as u64 + 1;
        self.fast_records += 1;
        sink(
            Record {
                out: line,
                bounds: &self.fields,
            },
            start,
        )?;
        Ok(Some(nl + 1))
    }

    /// Signals the end of data (flushes a last record without line end).
    pub fn finish<F>(&mut self, sink: &mut F) -> Result<(), ReportError>
    where
        F: FnMut(Record<'_>, RecordPos) -> Result<(), ReportError>,
    {
        loop {
            let mut empty: &[u8] = &[];
            if self.step(&mut empty, sink)? {
                return Ok(());
            }
        }
    }

    /// One call into csv-core. Returns true at the end of data.
    fn step<F>(&mut self, input: &mut &[u8], sink: &mut F) -> Result<bool, ReportError>
    where
        F: FnMut(Record<'_>, RecordPos) -> Result<(), ReportError>,
    {
        let (res, nin, nout, nend) = self.rdr.read_record(
            input,
            &mut self.out[self.outlen..],
            &mut self.ends[self.endlen..],
        );
        let consumed = &input[..nin];
        *input = &input[nin..];
        self.account(consumed);
        if self.in_record && self.consumed - self.start.byte > self.max_record {
            return Err(ReportError::LineTooLong {
                line: self.start.line,
                limit: self.max_record,
            });
        }
        self.outlen += nout;
        self.endlen += nend;
        match res {
            ReadRecordResult::InputEmpty => {}
            ReadRecordResult::OutputFull => {
                let n = self.out.len() * 2;
                self.out.resize(n, 0);
            }
            ReadRecordResult::OutputEndsFull => {
                let n = self.ends.len() * 2;
                self.ends.resize(n, 0);
            }
            ReadRecordResult::Record => {
                self.fields.clear();
                let mut s = 0;
                for &e in &self.ends[..self.endlen] {
                    self.fields.push((s, e));
                    s = e;
                }
                let rec = Record {
                    out: &self.out[..self.outlen],
                    bounds: &self.fields,
                };
                let start = self.start;
                self.outlen = 0;
                self.endlen = 0;
                self.in_record = false;
                sink(rec, start)?;
            }
            ReadRecordResult::End => return Ok(true),
        }
        Ok(false)
    }
}

/// The fields of one record, borrowed from the parser.
#[derive(Clone, Copy)]
pub struct Record<'a> {
    out: &'a [u8],
    bounds: &'a [(usize, usize)],
}

impl<'a> Record<'a> {
    /// Number of fields.
    #[inline]
    pub fn len(&self) -> usize {
        self.bounds.len()
    }

    /// Field `i`.
    #[inline]
    pub fn get(&self, i: usize) -> &'a [u8] {
        let (a, b) = self.bounds[i];
        &self.out[a..b]
    }

    /// All field bytes (for a quick UTF-8 and NUL check; with the commas between them when the
    /// record took the fast path).
    #[inline]
    pub fn bytes(&self) -> &'a [u8] {
        self.out
    }

    /// The fields as a vector (for error messages).
    pub fn to_vec(self) -> Vec<&'a [u8]> {
        (0..self.len()).map(|i| self.get(i)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(parts: &[&[u8]]) -> Vec<(Vec<String>, u64, u64)> {
        let mut p = Parser::new();
        let mut got = Vec::new();
        let mut sink = |f: Record<'_>, pos: RecordPos| {
            got.push((
                f.to_vec()
                    .iter()
                    .map(|x| String::from_utf8_lossy(x).into_owned())
                    .collect(),
                pos.line,
                pos.byte,
            ));
            Ok(())
        };
        for part in parts {
            p.feed(part, &mut sink).unwrap();
        }
        p.finish(&mut sink).unwrap();
        got
    }

    #[test]
    fn lines_and_bytes_across_feeds() {
        let got = parse_all(&[b"a,b\r\n\"x\ny\",", b"z\r\n\r\nlast,1"]);
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], (vec!["a".into(), "b".into()], 1, 0));
        assert_eq!(got[1], (vec!["x\ny".into(), "z".into()], 2, 5));
        assert_eq!(got[2].0, vec!["last".to_string(), "1".into()]);
        assert_eq!(got[2].1, 5);
    }

    #[test]
    fn bom_inside_data_is_kept() {
        let got = parse_all(&["\u{feff}a,b\n".as_bytes()]);
        assert_eq!(got[0].0[0], "\u{feff}a");
        assert_eq!(got[0].1, 1);
    }

    #[test]
    fn a_record_over_the_limit_is_refused_with_its_line() {
        let mut p = Parser::with_max_record(16);
        let mut n = 0;
        let mut sink = |_: Record<'_>, _: RecordPos| {
            n += 1;
            Ok(())
        };
        // Exactly 16 bytes with the line end: fine; the second record is too long, even fed in
        // small pieces and without any line end.
        p.feed(b"0123456789,1234\n", &mut sink).unwrap();
        let mut err = None;
        for piece in [&b"\nabc,"[..], &b"defghijklmnop"[..], &b"qrstuvwxyz"[..]] {
            if let Err(e) = p.feed(piece, &mut sink) {
                err = Some(e);
                break;
            }
        }
        assert!(
            matches!(err, Some(ReportError::LineTooLong { line: 3, limit: 16 })),
            "{err:?}"
        );
        assert_eq!(n, 1);
        // Commas alone (no output bytes) are counted too.
        let mut p = Parser::with_max_record(1000);
        let commas = vec![b','; 5000];
        let e = p.feed(&commas, &mut |_, _| Ok(())).unwrap_err();
        assert!(matches!(e, ReportError::LineTooLong { line: 1, .. }), "{e}");
        assert!(p.ends.len() <= 4096, "{}", p.ends.len());
    }

    /// Records (fields, line, byte) of `input` fed in pieces of `piece` bytes, with or without
    /// the fast path.
    fn records(input: &[u8], piece: usize, fast: bool) -> Vec<(Vec<Vec<u8>>, u64, u64)> {
        let mut p = Parser::new();
        p.fast = fast;
        let mut got = Vec::new();
        let mut sink = |f: Record<'_>, pos: RecordPos| {
            got.push((
                f.to_vec().iter().map(|x| x.to_vec()).collect(),
                pos.line,
                pos.byte,
            ));
            Ok(())
        };
        for part in input.chunks(piece.max(1)) {
            p.feed(part, &mut sink).unwrap();
        }
        p.finish(&mut sink).unwrap();
        assert_eq!(
            p.newlines(),
            memchr::memchr_iter(b'\n', input).count() as u64
        );
        got
    }

    #[test]
    fn the_fast_path_gives_csv_cores_records_and_positions() {
        // Pseudo-random inputs over the bytes that matter (quotes, commas, CR, LF), fed whole
        // and in small pieces.
        let alphabet = b"ab,,\"\r\n\n\n x\xc3\xa9";
        let mut seed = 0x2545f4914f6cdd1du64;
        for _ in 0..3000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 60) as usize;
            let mut input = Vec::with_capacity(len);
            let mut x = seed;
            for _ in 0..len {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                input.push(alphabet[(x >> 33) as usize % alphabet.len()]);
            }
            let want = records(&input, usize::MAX, false);
            for piece in [usize::MAX, 1, 3, 7] {
                assert_eq!(
                    records(&input, piece, true),
                    want,
                    "{:?} in pieces of {piece}",
                    String::from_utf8_lossy(&input)
                );
            }
        }
        // Plain lines, as reports mostly are.
        let plain = b"a,b,c\nd,,f\r\n,\n\nlast,x";
        let got = records(plain, usize::MAX, true);
        assert_eq!(got, records(plain, usize::MAX, false));
        assert_eq!(got[1], (vec![b"d".to_vec(), vec![], b"f".to_vec()], 2, 6));
    }

    #[test]
    fn plain_lines_after_a_quoted_crlf_line_take_the_fast_path_again() {
        let mut p = Parser::new();
        let mut n = 0;
        let input = b"a,\"q,1\"\r\nb,2\r\nc,3\r\nd,4\r\n";
        p.feed(input, &mut |_, _| {
            n += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!((n, p.fast_records), (4, 3));
    }

    #[test]
    fn the_fast_path_keeps_the_record_limit() {
        let mut p = Parser::with_max_record(8);
        let e = p.feed(b"abc,defghij\n", &mut |_, _| Ok(())).unwrap_err();
        assert!(
            matches!(e, ReportError::LineTooLong { line: 1, limit: 8 }),
            "{e}"
        );
    }

    #[test]
    fn boundary_detection() {
        let mut p = Parser::new();
        let mut sink = |_: Record<'_>, _: RecordPos| Ok(());
        p.feed(b"a,b\r\n", &mut sink).unwrap();
        assert!(p.at_boundary());
        p.feed(b"\"open\n", &mut sink).unwrap();
        assert!(!p.at_boundary());
    }
}
