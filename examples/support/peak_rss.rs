//! Peak resident memory of a process, read from `/proc/<pid>/status` (Linux): shared by the
//! benchmarks and the real-window tests (`#[path]`-included).

use std::path::Path;

/// `VmHWM` of the process whose `/proc` folder is `proc_dir`, in MB.
pub fn peak_rss_mb(proc_dir: &Path) -> Option<f64> {
    let status = std::fs::read_to_string(proc_dir.join("status")).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some((kb / 1024.0).round())
}
