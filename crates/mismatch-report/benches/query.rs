//! Criterion benches for the query paths (filled in with the store).
fn main() {}
