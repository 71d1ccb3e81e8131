//! Column building blocks: string arenas, interned dictionaries and compact id columns.

use std::cmp::Ordering;

use hashbrown::HashTable;

use crate::error::ReportError;

fn hash_bytes(b: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x5eed).hash_one(b)
}

fn to_u32(n: usize, what: &str) -> Result<u32, ReportError> {
    u32::try_from(n).map_err(|_| ReportError::TooLarge {
        what: format!("{what} exceeds 4 GiB"),
    })
}

/// Strings stored back to back in one buffer, addressed by index.
#[derive(Debug, Clone, Default)]
pub struct Arena {
    bytes: Vec<u8>,
    /// `offsets[i]..offsets[i + 1]` is string `i`; starts with 0.
    offsets: Vec<u32>,
}

impl Arena {
    pub fn new() -> Self {
        Arena {
            bytes: Vec::new(),
            offsets: vec![0],
        }
    }

    pub fn with_capacity(items: usize, bytes: usize) -> Self {
        let mut offsets = Vec::with_capacity(items + 1);
        offsets.push(0);
        Arena {
            bytes: Vec::with_capacity(bytes),
            offsets,
        }
    }

    pub fn from_parts(bytes: Vec<u8>, offsets: Vec<u32>) -> Self {
        Arena { bytes, offsets }
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    pub fn get(&self, i: usize) -> &[u8] {
        &self.bytes[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    #[inline]
    pub fn push(&mut self, b: &[u8]) -> Result<(), ReportError> {
        self.bytes.extend_from_slice(b);
        let end = to_u32(self.bytes.len(), "a text column")?;
        self.offsets.push(end);
        Ok(())
    }

    /// Appends one string written by `f` straight into the buffer.
    #[inline]
    pub fn push_with(&mut self, f: impl FnOnce(&mut Vec<u8>)) -> Result<(), ReportError> {
        f(&mut self.bytes);
        let end = to_u32(self.bytes.len(), "a text column")?;
        self.offsets.push(end);
        Ok(())
    }

    /// Appends all strings of `other`.
    pub fn extend(&mut self, other: &Arena) -> Result<(), ReportError> {
        let base = self.bytes.len();
        to_u32(base + other.bytes.len(), "a text column")?;
        self.bytes.extend_from_slice(&other.bytes);
        let base = base as u32;
        self.offsets
            .extend(other.offsets[1..].iter().map(|o| o + base));
        Ok(())
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn offsets(&self) -> &[u32] {
        &self.offsets
    }

    pub fn shrink(&mut self) {
        self.bytes.shrink_to_fit();
        self.offsets.shrink_to_fit();
    }

    pub fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.offsets.capacity() * 4
    }
}

/// Distinct strings with a hash index: value → code.
#[derive(Debug, Default)]
pub struct Interner {
    pub values: Arena,
    index: HashTable<u32>,
    last: Option<(u32, u64)>,
}

impl Interner {
    pub fn new() -> Self {
        Interner {
            values: Arena::new(),
            index: HashTable::new(),
            last: None,
        }
    }

    #[inline]
    pub fn intern(&mut self, v: &[u8]) -> Result<u32, ReportError> {
        // Runs of the same value (type, action, subscriber) are common: skip the hash.
        if let Some((code, _)) = self.last {
            if self.values.get(code as usize) == v {
                return Ok(code);
            }
        }
        let h = hash_bytes(v);
        let values = &self.values;
        if let Some(&code) = self.index.find(h, |&c| values.get(c as usize) == v) {
            self.last = Some((code, h));
            return Ok(code);
        }
        let code = to_u32(self.values.len(), "distinct values")?;
        self.values.push(v)?;
        let values = &self.values;
        self.index
            .insert_unique(h, code, |&c| hash_bytes(values.get(c as usize)));
        self.last = Some((code, h));
        Ok(code)
    }

    pub fn find(&self, v: &[u8]) -> Option<u32> {
        let h = hash_bytes(v);
        self.index
            .find(h, |&c| self.values.get(c as usize) == v)
            .copied()
    }

    pub fn into_values(mut self) -> Arena {
        self.values.shrink();
        self.values
    }
}

/// A column of repeated values: a code per row into a dictionary of distinct strings.
#[derive(Debug, Default)]
pub struct DictColumn {
    pub codes: Vec<u32>,
    pub dict: Arena,
}

impl DictColumn {
    #[inline]
    pub fn get(&self, row: usize) -> &[u8] {
        self.dict.get(self.codes[row] as usize)
    }

    pub fn heap_bytes(&self) -> usize {
        self.codes.capacity() * 4 + self.dict.heap_bytes()
    }
}

const TAG_TEXT: u8 = 0;
const TAG_UUID: u8 = 1;
const TAG_HEX: u8 = 2;
const TAG_TIME: u8 = 3;

/// ISO 8601 UTC with milliseconds, `2025-05-01T10:00:00.000Z`: separators at fixed places.
const TIME_SEPS: [(usize, u8); 7] = [
    (4, b'-'),
    (7, b'-'),
    (10, b'T'),
    (13, b':'),
    (16, b':'),
    (19, b'.'),
    (23, b'Z'),
];

#[inline]
fn is_time(v: &[u8]) -> bool {
    v.len() == 24
        && TIME_SEPS.iter().all(|&(i, c)| v[i] == c)
        && v.iter()
            .enumerate()
            .all(|(i, b)| TIME_SEPS.iter().any(|&(j, _)| j == i) || b.is_ascii_digit())
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Value of a lower-case hex digit, or 0x80 for any other byte.
const HEX_VAL: [u8; 256] = {
    let mut t = [0x80u8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// Encodes a value compactly: lower-case UUIDs as 16 bytes, lower-case even-length hex as half
/// its length, anything else verbatim; a one-byte tag tells which. Empty stays empty.
#[inline]
pub fn encode_id(v: &[u8], out: &mut Vec<u8>) {
    if v.is_empty() {
        return;
    }
    if is_time(v) {
        // 17 digits as packed BCD (a trailing 0 nibble pads the last byte).
        out.push(TAG_TIME);
        let mut hi: Option<u8> = None;
        for (i, &b) in v.iter().enumerate() {
            if TIME_SEPS.iter().any(|&(j, _)| j == i) {
                continue;
            }
            match hi.take() {
                Some(h) => out.push(h << 4 | (b - b'0')),
                None => hi = Some(b - b'0'),
            }
        }
        if let Some(h) = hi {
            out.push(h << 4);
        }
        return;
    }
    if v.len() == 36 && v[8] == b'-' && v[13] == b'-' && v[18] == b'-' && v[23] == b'-' {
        let mut packed = [0u8; 16];
        let mut bad = 0u8;
        let mut k = 0;
        for (a, b) in [(0usize, 8usize), (9, 13), (14, 18), (19, 23), (24, 36)] {
            for pair in v[a..b].chunks_exact(2) {
                let (h, l) = (HEX_VAL[pair[0] as usize], HEX_VAL[pair[1] as usize]);
                bad |= h | l;
                packed[k] = (h << 4) | (l & 15);
                k += 1;
            }
        }
        if bad & 0x80 == 0 {
            out.push(TAG_UUID);
            out.extend_from_slice(&packed);
            return;
        }
    } else if v.len().is_multiple_of(2) && v.len() >= 8 {
        let start = out.len();
        out.push(TAG_HEX);
        let mut bad = 0u8;
        out.extend(v.chunks_exact(2).map(|pair| {
            let (h, l) = (HEX_VAL[pair[0] as usize], HEX_VAL[pair[1] as usize]);
            bad |= h | l;
            (h << 4) | (l & 15)
        }));
        if bad & 0x80 == 0 {
            return;
        }
        out.truncate(start);
    }
    out.push(TAG_TEXT);
    out.extend_from_slice(v);
}

/// Decodes a value written by [`encode_id`], appending it to `out`.
#[inline]
pub fn decode_id(e: &[u8], out: &mut Vec<u8>) {
    let Some((&tag, body)) = e.split_first() else {
        return;
    };
    match tag {
        TAG_UUID => {
            for (i, &b) in body.iter().enumerate() {
                if matches!(i, 4 | 6 | 8 | 10) {
                    out.push(b'-');
                }
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 15) as usize]);
            }
        }
        TAG_HEX => {
            for &b in body {
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 15) as usize]);
            }
        }
        TAG_TIME => {
            let mut digits = body.iter().flat_map(|&b| [b >> 4, b & 15]);
            for i in 0..24 {
                match TIME_SEPS.iter().find(|&&(j, _)| j == i) {
                    Some(&(_, c)) => out.push(c),
                    None => out.push(b'0' + digits.next().unwrap_or(0)),
                }
            }
        }
        _ => out.extend_from_slice(body),
    }
}

/// Whether an encoded value is packed hex (so it only contains `0-9`, `a-f` and `-`).
#[inline]
pub fn is_packed(e: &[u8]) -> bool {
    matches!(e.first(), Some(&TAG_UUID) | Some(&TAG_HEX))
}

/// Whether an encoded value is a packed timestamp (`0-9`, `-`, `T`, `:`, `.`, `Z`).
#[inline]
pub fn is_time_packed(e: &[u8]) -> bool {
    e.first() == Some(&TAG_TIME)
}

/// Compares two encoded values in the byte order of their decoded text.
pub fn cmp_encoded(a: &[u8], b: &[u8]) -> Ordering {
    match (a.first(), b.first()) {
        (None, None) => Ordering::Equal,
        (None, _) => Ordering::Less,
        (_, None) => Ordering::Greater,
        (Some(&ta), Some(&tb)) if ta == tb => {
            // Same encoding: packed nibbles and dashes at fixed places keep text order.
            a[1..].cmp(&b[1..])
        }
        _ => {
            let mut x = Vec::with_capacity(72);
            let mut y = Vec::with_capacity(72);
            decode_id(a, &mut x);
            decode_id(b, &mut y);
            x.cmp(&y)
        }
    }
}

/// A column of mostly unique values (ids, hashes), stored compactly per [`encode_id`].
#[derive(Debug, Clone, Default)]
pub struct IdColumn {
    pub data: Arena,
}

impl IdColumn {
    #[inline]
    pub fn encoded(&self, row: usize) -> &[u8] {
        self.data.get(row)
    }

    pub fn decode_into(&self, row: usize, out: &mut Vec<u8>) {
        decode_id(self.data.get(row), out)
    }

    pub fn heap_bytes(&self) -> usize {
        self.data.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(v: &str) -> (Vec<u8>, String) {
        let mut e = Vec::new();
        encode_id(v.as_bytes(), &mut e);
        let mut d = Vec::new();
        decode_id(&e, &mut d);
        (e, String::from_utf8(d).unwrap())
    }

    #[test]
    fn ids_round_trip_and_pack() {
        let (e, d) = round("0f8e2b7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b");
        assert_eq!(e.len(), 17);
        assert_eq!(d, "0f8e2b7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b");
        let (e, d) = round("d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(e.len(), 17);
        assert_eq!(d, "d41d8cd98f00b204e9800998ecf8427e");
        for v in [
            "",
            "x",
            "ABCDEF12",
            "0F8E2B7A-1C2D-4E5F-8A9B-0C1D2E3F4A5B",
            "12345",
            "zz-é",
        ] {
            assert_eq!(round(v).1, v);
        }
    }

    #[test]
    fn encoded_order_is_text_order() {
        let vals = [
            "",
            "00000000",
            "0f8e2b7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
            "abc",
            "ff",
            "ffffffff",
            "0f",
            "Z",
        ];
        for a in vals {
            for b in vals {
                let (ea, _) = round(a);
                let (eb, _) = round(b);
                assert_eq!(cmp_encoded(&ea, &eb), a.cmp(b), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn interner_dedups() {
        let mut i = Interner::new();
        assert_eq!(i.intern(b"a").unwrap(), 0);
        assert_eq!(i.intern(b"b").unwrap(), 1);
        assert_eq!(i.intern(b"a").unwrap(), 0);
        assert_eq!(i.find(b"b"), Some(1));
        assert_eq!(i.find(b"c"), None);
        assert_eq!(i.values.len(), 2);
    }
}
