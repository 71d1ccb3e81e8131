//! Building columns from parsed records: per-chunk blocks with local dictionaries, merged in
//! file order into the report's global columns.

use crate::error::ReportError;
use crate::header::{Column, HeaderMap};
use crate::model::{RecordAction, RecordType};
use crate::reader::cell;

use super::column::{encode_id, Arena, Interner};
use super::parse::Record;

/// Dictionary-coded columns.
pub const D_SUBSCRIBER: usize = 0;
pub const D_TYPE: usize = 1;
pub const D_ACTION: usize = 2;
pub const D_COLLECTION: usize = 3;
pub const N_DICT: usize = 4;
/// Plain text columns.
pub const T_NAME: usize = 0;
pub const N_TEXT: usize = 1;
/// Id-like columns (then extras from index 6).
pub const I_RECORD: usize = 0;
pub const I_PUBLISHER_HASH: usize = 1;
pub const I_SUBSCRIBER_HASH: usize = 2;
pub const I_LOG: usize = 3;
pub const I_CREATED: usize = 4;
pub const N_ID: usize = 5;

/// Where a column lives in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Dict(usize),
    Text(usize),
    Id(usize),
}

/// The slot of a column.
pub fn slot(c: Column) -> Slot {
    match c {
        Column::SubscriberId => Slot::Dict(D_SUBSCRIBER),
        Column::RecordType => Slot::Dict(D_TYPE),
        Column::RecordAction => Slot::Dict(D_ACTION),
        Column::CollectionId => Slot::Dict(D_COLLECTION),
        Column::Name => Slot::Text(T_NAME),
        Column::Created => Slot::Id(I_CREATED),
        Column::RecordId => Slot::Id(I_RECORD),
        Column::PublisherHash => Slot::Id(I_PUBLISHER_HASH),
        Column::SubscriberHash => Slot::Id(I_SUBSCRIBER_HASH),
        Column::LogId => Slot::Id(I_LOG),
        Column::Extra(k) => Slot::Id(N_ID + k as usize),
    }
}

/// Access to the fields of one record.
pub trait Fields {
    /// Field `i` (the caller checked the count).
    fn field(&self, i: usize) -> &[u8];
}

impl Fields for Record<'_> {
    #[inline]
    fn field(&self, i: usize) -> &[u8] {
        self.get(i)
    }
}

impl Fields for &[&[u8]] {
    #[inline]
    fn field(&self, i: usize) -> &[u8] {
        self[i]
    }
}

/// Columns under construction.
#[derive(Debug)]
pub struct Builder {
    pub rows: usize,
    pub dicts: [Interner; N_DICT],
    pub codes: [Vec<u32>; N_DICT],
    pub texts: [Arena; N_TEXT],
    pub ids: Vec<Arena>,
    dict_src: [Option<usize>; N_DICT],
    text_src: [Option<usize>; N_TEXT],
    id_src: Vec<Option<usize>>,
    unneutralise: bool,
}

impl Builder {
    /// An empty builder for a file with this header; `rows` is a capacity hint.
    pub fn new(header: &HeaderMap, unneutralise: bool, rows: usize, id_bytes: usize) -> Self {
        let mut dict_src = [None; N_DICT];
        let mut text_src = [None; N_TEXT];
        let mut id_src = vec![None; N_ID + header.extra.len()];
        for (i, c) in header.fields.iter().enumerate() {
            match slot(*c) {
                Slot::Dict(d) => dict_src[d] = Some(i),
                Slot::Text(t) => text_src[t] = Some(i),
                Slot::Id(j) => id_src[j] = Some(i),
            }
        }
        let n_ids = id_src.len();
        Builder {
            rows: 0,
            dicts: std::array::from_fn(|_| Interner::new()),
            codes: std::array::from_fn(|_| Vec::with_capacity(rows)),
            texts: std::array::from_fn(|_| Arena::with_capacity(rows, rows * 24)),
            ids: (0..n_ids)
                .map(|_| Arena::with_capacity(rows, id_bytes))
                .collect(),
            dict_src,
            text_src,
            id_src,
            unneutralise,
        }
    }

    /// Bytes [`new`](Self::new) reserves per row of its capacity hint (with `id_bytes` 0), for
    /// a file with this header.
    pub fn reserved_bytes_per_row(header: &HeaderMap) -> u64 {
        let ids = (N_ID + header.extra.len()) as u64;
        // Codes (u32) per dictionary; per text column an offset (u32) and 24 bytes; an offset
        // (u32) per id column.
        4 * N_DICT as u64 + N_TEXT as u64 * (4 + 24) + 4 * ids
    }

    /// Appends one checked record.
    #[inline]
    pub fn push(&mut self, rec: impl Fields) -> Result<(), ReportError> {
        for d in 0..N_DICT {
            let v = match self.dict_src[d] {
                Some(i) => cell(rec.field(i), self.unneutralise),
                None => b"",
            };
            let code = self.dicts[d].intern(v)?;
            self.codes[d].push(code);
        }
        for t in 0..N_TEXT {
            let v = match self.text_src[t] {
                Some(i) => cell(rec.field(i), self.unneutralise),
                None => b"",
            };
            self.texts[t].push(v)?;
        }
        for j in 0..self.ids.len() {
            let v = match self.id_src[j] {
                Some(i) => cell(rec.field(i), self.unneutralise),
                None => b"",
            };
            self.ids[j].push_with(|buf| encode_id(v, buf))?;
        }
        self.rows += 1;
        Ok(())
    }

    /// Appends a block built with local dictionaries; type and action values are normalised to
    /// DX spelling here.
    pub fn merge(&mut self, block: Builder) -> Result<(), ReportError> {
        let Builder {
            rows,
            dicts,
            codes,
            texts,
            ids,
            ..
        } = block;
        for (mine, theirs) in self.texts.iter_mut().zip(&texts) {
            mine.extend(theirs)?;
        }
        for (d, (local, local_codes)) in dicts.into_iter().zip(codes).enumerate() {
            let values = &local.values;
            let mut remap = Vec::with_capacity(values.len());
            for k in 0..values.len() {
                let v = values.get(k);
                let code = match d {
                    D_TYPE => {
                        let t = RecordType::parse(&String::from_utf8_lossy(v));
                        self.dicts[d].intern(t.as_str().as_bytes())?
                    }
                    D_ACTION => {
                        let a = RecordAction::parse(&String::from_utf8_lossy(v));
                        self.dicts[d].intern(a.as_str().as_bytes())?
                    }
                    _ => self.dicts[d].intern(v)?,
                };
                remap.push(code);
            }
            self.codes[d].extend(local_codes.iter().map(|&c| remap[c as usize]));
        }
        for (mine, theirs) in self.ids.iter_mut().zip(&ids) {
            mine.extend(theirs)?;
        }
        self.rows += rows;
        Ok(())
    }
}
