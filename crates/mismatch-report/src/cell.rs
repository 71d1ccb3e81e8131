//! Cell-level rules: spreadsheet formula neutralisation and its exact inverse.
//!
//! A cell that starts with `=`, `+`, `-`, `@`, tab or CR is written with a leading `'` so that a
//! spreadsheet shows it as text instead of running it. To keep reading back exact, a cell that
//! already starts with one or more `'` followed by such a character gets one more `'`; the
//! reader removes exactly one `'` from any cell of that shape.

use std::borrow::Cow;

fn is_trigger(b: u8) -> bool {
    matches!(b, b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
}

/// Whether `cell` must be written with a leading `'`.
pub fn needs_neutralising(cell: &[u8]) -> bool {
    match cell.first() {
        None => false,
        Some(&b) if is_trigger(b) => true,
        Some(b'\'') => {
            let rest = cell.iter().position(|&b| b != b'\'');
            matches!(rest, Some(i) if is_trigger(cell[i]))
        }
        Some(_) => false,
    }
}

/// The cell as it must be written to a CSV file opened by spreadsheets.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if needs_neutralising(cell.as_bytes()) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The inverse of [`neutralise`]: the number of leading bytes to drop (0 or 1).
pub fn neutralised_prefix_len(cell: &[u8]) -> usize {
    if cell.first() == Some(&b'\'') && needs_neutralising(&cell[1..]) {
        1
    } else {
        0
    }
}

/// The inverse of [`neutralise`].
pub fn unneutralise(cell: &str) -> &str {
    &cell[neutralised_prefix_len(cell.as_bytes())..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_prefixed() {
        for c in ["=SUM(A1)", "+1", "-2", "@x", "\tx", "\rx", "'=x", "''-x"] {
            let n = neutralise(c);
            assert!(n.starts_with('\''), "{c:?}");
            assert_eq!(unneutralise(&n), c);
        }
    }

    #[test]
    fn plain_cells_are_untouched() {
        for c in ["", "a", "'", "''", "'a", "x=1", "IMG_1.jpg", "ü"] {
            assert_eq!(neutralise(c), c);
            assert_eq!(unneutralise(c), c);
        }
    }
}
