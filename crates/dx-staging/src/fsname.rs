//! File and folder names built from data (report titles, subscriber and profile ids, run ids)
//! that are valid on Windows, macOS and Linux alike.
//!
//! Linux accepts almost any name, so a name that works in the tests here can still fail for the
//! many users on Windows or macOS. The rules applied (the strictest of the three systems):
//!
//! - `< > : " / \ | ? *` and control characters (U+0000–U+001F, U+007F–U+009F) are replaced
//!   by `_` (Windows forbids them; `/` separates folders everywhere; `:` is shown as `/` by
//!   the macOS Finder);
//! - no trailing dot or space (Windows drops them silently, so `a.` and `a` are one file), no
//!   leading space, and no leading dot (a hidden file on macOS and Linux, and the library
//!   skips dot files as temporary ones);
//! - no reserved device name: `CON PRN AUX NUL COM0-9 LPT0-9` (and `COM¹²³ LPT¹²³`), in any
//!   case, alone or before an extension or spaces (`nul.csv`, `Com1 .txt`), gets a `_` prefix;
//! - at most [`MAX_NAME_BYTES`] bytes of UTF-8, cut on a character boundary, the extension
//!   kept, leaving room for the suffixes the app adds (`.meta.json`, `.tmp-XXXXXX`);
//! - never empty, never `.` or `..`.
//!
//! Not covered: two names that differ only by Unicode normalisation (NFC/NFD) are one file on
//! macOS; [`portable_key`] is the tool when distinct inputs must give distinct folders.

/// The longest name made here, in bytes of UTF-8. Every system allows 255 (bytes on Linux
/// and macOS, UTF-16 units on Windows, which is never fewer); 200 leaves room for the suffixes
/// added to a report's name (`<name>.meta.json`, `<name>.tmp-XXXXXX`).
pub const MAX_NAME_BYTES: usize = 200;

/// Longest extension kept whole when a name is shortened (`.csv`, `.json`, `.meta.json`).
const MAX_EXTENSION_BYTES: usize = 16;

/// Longest [`portable_key`] part taken from the key itself.
const MAX_KEY_BYTES: usize = 64;

/// Whether a character is forbidden in a file name on some system.
fn is_forbidden(c: char) -> bool {
    matches!(c, '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*') || c.is_control()
}

/// Whether `stem` (the name before its first dot) is a Windows device name.
fn is_reserved_stem(stem: &str) -> bool {
    let stem = stem.trim_end_matches(' ');
    let upper = stem.to_ascii_uppercase();
    if matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL") {
        return true;
    }
    let mut chars = upper.chars();
    let prefix: String = chars.by_ref().take(3).collect();
    if prefix != "COM" && prefix != "LPT" {
        return false;
    }
    let rest: Vec<char> = chars.collect();
    matches!(rest.as_slice(), [d] if d.is_ascii_digit() || matches!(d, '¹' | '²' | '³'))
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn replace_forbidden(s: &str) -> String {
    s.chars()
        .map(|c| if is_forbidden(c) { '_' } else { c })
        .collect()
}

/// A file name valid on Windows, macOS and Linux made of `stem` (from data: shortened first
/// when the name is too long) and `suffix` (what the app appends, like `-export.csv`: kept
/// whole unless it alone is longer than half of [`MAX_NAME_BYTES`]). See the module doc for
/// the rules. Never fails; a stem with nothing usable gives `_`.
pub fn portable_file_name(stem: &str, suffix: &str) -> String {
    // One byte is kept back for the `_` a reserved device name gets.
    let budget = MAX_NAME_BYTES - 1;
    let suffix = replace_forbidden(suffix);
    let suffix = cut(&suffix, budget / 2);
    let mut stem = replace_forbidden(stem.trim_start_matches(' '));
    if stem.trim_end_matches(['.', ' ']).is_empty() {
        stem = "_".into();
    }
    let stem = cut(&stem, budget - suffix.len());
    let mut name = format!("{stem}{suffix}");
    // Windows drops trailing dots and spaces; a shortened stem may end with one.
    while name.ends_with(['.', ' ']) {
        name.pop();
    }
    let mut name = name.trim_start_matches(' ').to_string();
    if name.starts_with('.') {
        name.replace_range(0..1, "_");
    }
    if name.is_empty() {
        return "_".into();
    }
    let first = name.split('.').next().unwrap_or("");
    if is_reserved_stem(first) {
        name.insert(0, '_');
    }
    name
}

/// `name` made valid on Windows, macOS and Linux (see the module doc); a name shortened to
/// [`MAX_NAME_BYTES`] keeps its extension. A name that is valid already comes back unchanged,
/// unless it starts with a dot or is too long.
pub fn portable_name(name: &str) -> String {
    match name.rfind('.') {
        Some(i) if i > 0 && name.len() - i <= MAX_EXTENSION_BYTES => {
            portable_file_name(&name[..i], &name[i..])
        }
        _ => portable_file_name(name, ""),
    }
}

/// Whether `name` can be used as a file name on Windows, macOS and Linux: not empty, not `.`
/// or `..`, at most 255 bytes, no forbidden or control character, no trailing dot or space,
/// and not a Windows device name. (Leading dots are allowed here: such files are hidden but
/// valid.)
pub fn is_portable_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name.len() <= 255
        && !name.chars().any(is_forbidden)
        && !name.ends_with(['.', ' '])
        && !is_reserved_stem(name.split('.').next().unwrap_or(""))
}

/// 32-bit FNV-1a: a tiny hash whose value never changes between builds or systems (unlike
/// the standard library's), so folder names made from it stay the same.
fn fnv1a32(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in bytes {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// A folder or file name for a key (a profile id, a subscriber id) that keeps distinct keys
/// apart even on case-insensitive file systems (Windows, and macOS by default), where `Prod`
/// and `prod` would be one folder.
///
/// A key made only of lowercase ASCII letters, digits, `-` and `_` (every generated UUID)
/// is used as it is, so existing folders keep their names. Any other key gives its portable,
/// lowercased form (at most 64 bytes) followed by `-` and 8 hex digits of a stable hash of the
/// key itself: `Prod` → `prod-541dc894`, `p/1` → `p_1-92d196e3`. Two distinct keys give the same
/// name only if their hashes collide (about one chance in four billion).
pub fn portable_key(key: &str) -> String {
    let plain = !key.is_empty()
        && key.len() <= MAX_KEY_BYTES
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && !is_reserved_stem(key)
        && !looks_hashed(key);
    if plain {
        return key.to_string();
    }
    let lower = key.to_lowercase();
    let base = portable_file_name(cut(&lower, MAX_KEY_BYTES), "");
    format!("{base}-{:08x}", fnv1a32(key.as_bytes()))
}

/// Whether a key ends like a hashed [`portable_key`] (`-` and 8 hex digits); such keys are
/// hashed too, so that no plain key can equal the hashed form of another key.
fn looks_hashed(key: &str) -> bool {
    let b = key.as_bytes();
    b.len() >= 9
        && b[b.len() - 9] == b'-'
        && b[b.len() - 8..]
            .iter()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names that break on one system or another.
    const HOSTILE: &[&str] = &[
        "",
        ".",
        "..",
        "...",
        " ",
        " . ",
        "a:b",
        "2024-05-01T12:00:00Z",
        "sub/../../etc/passwd",
        "C:\\Users\\me\\report.csv",
        "a<b>c\"d|e?f*g",
        "tab\there\nnewline\u{7f}\u{85}",
        "\0nul",
        "trailing.",
        "trailing ",
        "trailing. . ",
        " leading",
        ".hidden",
        "CON",
        "con.csv",
        "Nul.tar.gz",
        "com1",
        "COM9.txt",
        "lpt5 .csv",
        "COM¹",
        "lpt³.log",
        "aux .",
        "PRN-export.csv",
        "Ünïcödé 東京.csv",
    ];

    #[test]
    fn every_hostile_name_becomes_portable_and_stays_so() {
        for &raw in HOSTILE {
            let n = portable_name(raw);
            assert!(is_portable_name(&n), "{raw:?} -> {n:?}");
            assert!(!n.starts_with('.'), "{raw:?} -> {n:?}");
            assert!(n.len() <= MAX_NAME_BYTES, "{raw:?} -> {n:?}");
            assert_eq!(portable_name(&n), n, "not idempotent for {raw:?}");
        }
    }

    #[test]
    fn replaces_forbidden_characters_and_keeps_the_rest() {
        assert_eq!(portable_name("a:b"), "a_b");
        assert_eq!(
            portable_name("report 2024-05-01T12:00:00Z.csv"),
            "report 2024-05-01T12_00_00Z.csv"
        );
        assert_eq!(portable_name("a<b>c\"d|e?f*g"), "a_b_c_d_e_f_g");
        assert_eq!(portable_name("x/y\\z"), "x_y_z");
        assert_eq!(portable_name("tab\tnl\n"), "tab_nl_");
        assert_eq!(portable_name("Ünïcödé 東京.csv"), "Ünïcödé 東京.csv");
        assert_eq!(
            portable_name("staging-mismatch-report-all-20240501T120000000Z.csv"),
            "staging-mismatch-report-all-20240501T120000000Z.csv"
        );
    }

    #[test]
    fn fixes_dots_and_spaces_at_the_ends() {
        assert_eq!(portable_name(""), "_");
        assert_eq!(portable_name("."), "_");
        assert_eq!(portable_name(".."), "_");
        assert_eq!(portable_name("   "), "_");
        assert_eq!(portable_name("trailing. . "), "trailing");
        assert_eq!(portable_name(" leading"), "leading");
        assert_eq!(portable_name(".hidden"), "_hidden");
        assert_eq!(portable_name(".tmp-1.csv"), "_tmp-1.csv");
    }

    #[test]
    fn prefixes_windows_device_names_in_any_case_and_with_extensions() {
        for (raw, want) in [
            ("CON", "_CON"),
            ("con.csv", "_con.csv"),
            ("Nul.tar.gz", "_Nul.tar.gz"),
            ("aux", "_aux"),
            ("PrN.txt", "_PrN.txt"),
            ("com1", "_com1"),
            ("COM9.txt", "_COM9.txt"),
            ("LPT0", "_LPT0"),
            ("lpt5 .csv", "_lpt5 .csv"),
            ("COM¹", "_COM¹"),
            ("lpt³.log", "_lpt³.log"),
        ] {
            assert_eq!(portable_name(raw), want, "{raw}");
        }
        for fine in [
            "CONSOLE",
            "com10",
            "LPT",
            "nul-export.csv",
            "auxiliary.csv",
            "COM",
        ] {
            assert_eq!(portable_name(fine), fine);
            assert!(is_portable_name(fine), "{fine}");
        }
        assert!(!is_portable_name("con"));
        assert!(!is_portable_name("Con.csv"));
    }

    #[test]
    fn shortens_long_names_on_char_boundaries_keeping_the_extension() {
        let long = "é".repeat(300) + ".csv";
        let n = portable_name(&long);
        assert!(n.len() <= MAX_NAME_BYTES, "{}", n.len());
        assert!(n.ends_with("é.csv"), "{n}");
        let dots = format!("{}.{}.csv", "a".repeat(100), ". ".repeat(100));
        let n = portable_name(&dots);
        assert!(is_portable_name(&n) && n.ends_with(".csv"), "{n}");
        // An overlong "extension" is not one: the name is cut at its end.
        let n = portable_name(&format!("x.{}", "y".repeat(400)));
        assert_eq!(n.len(), MAX_NAME_BYTES - 1);
    }

    #[test]
    fn file_name_keeps_the_suffix_whole() {
        let n = portable_file_name(&"r".repeat(500), "-archived-20240501T120000Z-0a1b2c3d.csv");
        assert!(n.len() <= MAX_NAME_BYTES);
        assert!(
            n.ends_with("-archived-20240501T120000Z-0a1b2c3d.csv"),
            "{n}"
        );
        assert_eq!(portable_file_name("a:b", "-export.csv"), "a_b-export.csv");
        assert_eq!(portable_file_name("", ".csv"), "_.csv");
        assert_eq!(portable_file_name(". .", "-export.csv"), "_-export.csv");
        assert_eq!(
            portable_file_name("con", ".-export.csv"),
            "_con.-export.csv"
        );
        let n = portable_file_name("x", &"s".repeat(500));
        assert!(n.len() <= MAX_NAME_BYTES && n.starts_with('x'), "{n}");
    }

    #[test]
    fn portable_names_can_be_created_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        for &raw in HOSTILE {
            let n = portable_name(raw);
            let p = dir.path().join(&n);
            std::fs::write(&p, raw).unwrap();
            assert_eq!(p.file_name().unwrap().to_str(), Some(n.as_str()));
            assert_eq!(p.parent(), Some(dir.path()), "{n:?} escaped the folder");
        }
    }

    #[test]
    fn keys_stay_apart_on_case_insensitive_file_systems() {
        let uuid = "8c72ef60-e8d4-4b1a-9f0e-2d1c3b4a5f60";
        assert_eq!(portable_key(uuid), uuid);
        assert_eq!(portable_key("demo-publisher"), "demo-publisher");
        let keys = [
            "Prod",
            "prod",
            "PROD",
            "p/1",
            "p_1",
            "p:1",
            "",
            "con",
            "CON",
            "a.",
            "a",
            "prod-1c3d9a0f",
            "x".repeat(200).as_str(),
            "x".repeat(201).as_str(),
        ]
        .map(str::to_string);
        let names: Vec<String> = keys.iter().map(|k| portable_key(k)).collect();
        for n in &names {
            assert!(is_portable_name(n) && n.len() <= MAX_NAME_BYTES, "{n:?}");
            assert!(!n.starts_with('.'), "{n:?}");
            assert_eq!(n, &n.to_lowercase(), "{n:?} is not lowercase");
        }
        let mut folded: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
        folded.sort();
        folded.dedup();
        assert_eq!(folded.len(), keys.len(), "{names:?}");
        assert_eq!(portable_key("Prod"), "prod-541dc894");
        assert_eq!(portable_key("p/1"), "p_1-92d196e3");
        // Stable across runs, builds and systems.
        assert_eq!(portable_key("Prod"), portable_key("Prod"));
        assert_eq!(fnv1a32(b"a"), 0xe40c_292c);
    }
}
